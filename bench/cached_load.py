"""Benchmark: cached ``load_ticks`` of 10 M ticks in a fresh process.

Writes a synthetic MT5 tick CSV (bench/import_csv.py's generator), imports it once into a
temporary cache (``TICKLAB_DATA_CACHE``), then runs ``load_ticks`` on the same file in a
FRESH subprocess and reports its wall time and resident-memory growth against the size of
the columns themselves.  Also times reading the same table from Parquet written
uncompressed (the cache's choice) vs lz4 and zstd.  Prints figures; no asserts.

    .venv/bin/python bench/cached_load.py [ROWS]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHILD = r"""
import json, os, sys, time, psutil
proc = psutil.Process()
import numpy, pandas, pyarrow.parquet  # imports are not part of the load
import sim.data.loader as loader
rss0 = proc.memory_info().rss
t = time.perf_counter()
table = loader.load_ticks(sys.argv[1], server_tz="NY+7")
wall = time.perf_counter() - t
rss1 = proc.memory_info().rss
cols = sum(a.nbytes for a in table.columns.values())
print(json.dumps({"wall": wall, "rss_growth": rss1 - rss0, "columns_bytes": cols,
                  "rows": len(table), "fingerprint": table.fingerprint}))
"""


def _child(path: Path) -> dict:
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        res = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True,
                             text=True, check=True,
                             env=os.environ | {"PYTHONPATH": str(HERE.parent)})
        r = json.loads(res.stdout.strip().splitlines()[-1])
        r["process"] = time.perf_counter() - t
        runs.append(r)
    return min(runs, key=lambda r: r["wall"])


def codec_times(cache_file: Path, tmp: Path) -> dict[str, float]:
    import pyarrow.parquet as pq

    table = pq.read_table(cache_file)
    out = {}
    for codec in ("none", "lz4", "zstd"):
        f = tmp / f"codec-{codec}.parquet"
        pq.write_table(table, f, compression=codec, use_dictionary=False,
                       row_group_size=table.num_rows, write_statistics=False)
        best = 9e9
        for _ in range(3):
            t = time.perf_counter()
            pq.read_table(f, memory_map=True)
            best = min(best, time.perf_counter() - t)
        out[codec] = (best, f.stat().st_size)
    return out


def main(n: int = 10_000_000) -> None:
    sys.path.insert(0, str(HERE))
    from import_csv import write_mt5_csv

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ["TICKLAB_DATA_CACHE"] = str(tmp / "cache")
        path = tmp / "EURUSD_202201030000_202212300000.csv"
        t = time.perf_counter()
        write_mt5_csv(path, n)
        print(f"wrote {n:,} rows ({path.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - t:.1f} s")
        from sim.data import cache
        from sim.data.loader import load_ticks

        t = time.perf_counter()
        table = load_ticks(path, server_tz="NY+7")
        print(f"first import (parse + validate + write cache): {time.perf_counter() - t:.2f} s, "
              f"{len(table):,} ticks")
        cache_file = cache.cache_path(table.fingerprint)
        print(f"cache file: {cache_file.stat().st_size / 1e6:.0f} MB")
        del table
        small = tmp / "EURUSD_202201030000_202201040000.csv"
        write_mt5_csv(small, 1000)
        load_ticks(small, server_tz="NY+7")
        best, base = _child(path), _child(small)
        mb = 1e6
        print(f"cached load_ticks in a fresh process: {best['wall']:.3f} s "
              f"(best of 3; whole subprocess incl. imports {best['process']:.2f} s)")
        const = base["rss_growth"]
        grow, cols = best["rss_growth"], best["columns_bytes"]
        print(f"RSS growth {grow / mb:.0f} MB vs columns {cols / mb:.0f} MB: ratio "
              f"{grow / cols:.2f}; constant part (same load of 1,000 ticks) {const / mb:.0f} MB; "
              f"(growth - constant) / columns = {(grow - const) / cols:.2f}")
        for codec, (sec, size) in codec_times(cache_file, tmp).items():
            print(f"parquet read, compression={codec:5s}: {sec:.3f} s, {size / mb:.0f} MB on disk")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000)
