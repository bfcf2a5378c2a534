"""Benchmark: MT5 tick CSV import (``load_ticks(..., cache=False)``) vs ``pandas.read_csv``.

Writes a realistic MT5 "Export ticks" CSV (synthetic EURUSD-like random walk, ~1/3 of the
rows with one side empty as the terminal writes them, CRLF) to a temp folder, then times
the ticklab import (parse + forward-fill + validation + server->UTC) against the peer
``pandas.read_csv(path, sep="\\t")`` (C engine, which does strictly less: no date parsing,
no fill, no checks).  Prints ticks/s for both and the ratio.  No asserts.

    .venv/bin/python bench/import_csv.py [ROWS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HEADER = "<DATE>\t<TIME>\t<BID>\t<ASK>\t<LAST>\t<VOLUME>\t<FLAGS>\r\n"


def write_mt5_csv(path: Path, n: int, seed: int = 1, block: int = 500_000) -> None:
    """Write ``n`` synthetic EURUSD ticks in the MT5 export layout."""
    rng = np.random.default_rng(seed)
    t0 = np.datetime64("2022-11-07T00:00:00.000", "ms").astype(np.int64)
    bid_pts, t = 107_000, t0
    with open(path, "w", newline="") as fh:
        fh.write(HEADER)
        for start in range(0, n, block):
            m = min(block, n - start)
            dt = rng.exponential(250.0, m).astype(np.int64)  # ms between ticks, many ties
            ts = t + np.cumsum(dt)
            t = int(ts[-1])
            mid2 = 2 * bid_pts + np.cumsum(rng.integers(-3, 4, m))  # 2 x mid in points
            spread = rng.integers(2, 12, m)
            bid = (mid2 - spread) // 2
            ask = bid + spread
            bid_pts = int(bid[-1]) + int(spread[-1]) // 2
            flags = rng.choice(np.array([2, 4, 6]), m, p=[0.2, 0.15, 0.65])
            flags[(flags == 2) & (bid >= np.r_[ask[0], ask[:-1]])] = 6  # keep quotes uncrossed
            flags[(flags == 4) & (ask <= np.r_[bid[0], bid[:-1]])] = 6
            bid, ask = _fill_unchanged(bid, ask, flags)
            stamp = np.datetime_as_string(ts.astype("datetime64[ms]"))
            rows = []
            for s, b, a, f in zip(stamp.tolist(), bid.tolist(), ask.tolist(), flags.tolist(),
                                  strict=True):
                bs = f"{b // 100000}.{b % 100000:05d}" if f != 4 else ""
                as_ = f"{a // 100000}.{a % 100000:05d}" if f != 2 else ""
                rows.append(f"{s[:4]}.{s[5:7]}.{s[8:10]}\t{s[11:]}\t{bs}\t{as_}\t\t\t{f}\r\n")
            fh.write("".join(rows))


def _fill_unchanged(bid, ask, flags):
    """Make the side a row leaves empty equal to the previous row's (as the terminal does)."""
    idx = np.arange(len(bid))
    b_src = np.maximum.accumulate(np.where(flags != 4, idx, 0))
    a_src = np.maximum.accumulate(np.where(flags != 2, idx, 0))
    bid, ask = bid[b_src], ask[a_src]
    bad = bid >= ask  # a stale side crossed by the new one: widen the changed side
    ask = np.where(bad & (flags == 4), bid + 1, ask)
    bid = np.where(bad & (flags == 2), ask - 1, bid)
    flags[bad & (flags != 6)] = 6
    return bid, ask


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(n: int = 2_000_000) -> None:
    import pandas as pd

    from sim.data.loader import load_ticks

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "EURUSD_202211070000_202211300000.csv"
        t = time.perf_counter()
        write_mt5_csv(path, n)
        print(f"wrote {n:,} rows, {path.stat().st_size / 1e6:.0f} MB in "
              f"{time.perf_counter() - t:.1f} s")
        small = Path(tmp) / "warm.csv"
        write_mt5_csv(small, 1000)
        load_ticks(small, cache=False, server_tz="NY+7")  # numba compile / cache load
        ours = best_of(lambda: load_ticks(path, cache=False, server_tz="NY+7"))
        peer = best_of(lambda: pd.read_csv(path, sep="\t"))
        table = load_ticks(path, cache=False, server_tz="NY+7")
        print(f"rows imported: {len(table):,} (issues: "
              f"{'; '.join(i.describe() for i in table.issues) or 'none'})")
        print(f"ticklab load_ticks(cache=False): {ours:.3f} s  {n / ours / 1e6:6.2f} M ticks/s")
        print(f"pandas.read_csv(sep='\\t')      : {peer:.3f} s  {n / peer / 1e6:6.2f} M ticks/s")
        print(f"ratio (pandas time / ticklab time): {peer / ours:.2f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000)
