"""Warm start of ``ticklab backtest`` on 1 M ticks, end to end, process start included.

Writes 1 M synthetic EURUSD ticks as a generic CSV, runs the CLI once to fill the numba
and tick caches, then times fresh CLI processes (best of 3) next to the peers measured
in the same run: a bare ``python -c pass`` and ``python -c "import vectorbt"`` (what a
vectorbt-based CLI would pay before doing anything).

    .venv/bin/python bench/warm_start.py [--ticks 1000000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BIN = Path(sys.executable).parent


def write_ticks(path: Path, n: int) -> None:
    rng = np.random.default_rng(3)
    ts = 1_549_238_400_000_000_000 + np.cumsum(rng.integers(50, 400, n)) * 1_000_000
    mid = 1.14 + np.cumsum(rng.normal(0, 0.00003, n))
    half = rng.integers(1, 10, n) * 0.000005
    bid, ask = np.round(mid - half, 5), np.round(mid + half, 5)
    with path.open("w") as f:
        f.write("ts,bid,ask\n")
        np.savetxt(f, np.c_[ts, bid, ask], fmt=["%d", "%.5f", "%.5f"], delimiter=",")


def wall(cmd: list[str], cwd: Path) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ticks", type=int, default=1_000_000)
    n = ap.parse_args().ticks
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        csv = d / "ticks.csv"
        write_ticks(csv, n)
        cli = [str(BIN / "ticklab"), "backtest", f"data.path={csv}", "data.symbol=EURUSD",
               "data.format=generic_csv", "+data.epoch=ns", f"store={d / 'runs.sqlite'}",
               "report=false"]
        cold = wall(cli, d)                      # compiles (if needed) and imports the CSV
        warm = min(wall(cli, d) for _ in range(3))
        bare = min(wall([sys.executable, "-c", "pass"], d) for _ in range(3))
        try:
            vbt = min(wall([sys.executable, "-c", "import vectorbt"], d) for _ in range(2))
        except subprocess.CalledProcessError:
            vbt = float("nan")
    print(f"ticklab backtest, {n:,} ticks, warm caches, end to end: {warm:6.2f} s (best of 3; "
          f"first run {cold:.2f} s)")
    print(f"peer: python -c pass                                  {bare:6.2f} s")
    print(f"peer: python -c 'import vectorbt' (import only)       {vbt:6.2f} s")
    print(f"ratio warm backtest / vectorbt import = {warm / vbt:.2f} (< 1: the whole backtest "
          f"finishes before vectorbt would have imported)")


if __name__ == "__main__":
    main()
