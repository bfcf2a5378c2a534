"""Benchmark: a strategy author's loop, edit -> `ticklab backtest` summary, wall time.

In a temporary folder (the user's, outside ticklab): ``ticklab strategy new`` writes the
skeleton strategy; a first backtest warms what does not depend on the strategy; then, for
each way of calling the strategy, the strategy's source is edited (its position size
scaled by a new factor) and ``ticklab backtest strategy.module=... report=false`` runs in
a fresh process on the bundled sample (266 k real ticks), timed from process start to
exit, and the stored fills are checked to carry the edit.  Printed side by side:

- ``strategy_call=pointer`` (the default below 5 M ticks): the replay loop, compiled once
  for all strategies, calls the edited strategy by address: only the strategy compiles;
- ``strategy_call=inline`` (what every run did before): the strategy compiled into the
  replay loop, so the whole loop compiles again after each edit.

Prints figures only, no asserts.

    .venv/bin/python bench/edit_to_result.py
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = dict(os.environ, TICKLAB_STORE=str(work / "runs.sqlite"))
        env.pop("NUMBA_DISABLE_JIT", None)
        subprocess.run([BIN / "ticklab", "strategy", "new", "edited", "--dir", str(work)],
                       env=env, check=True, capture_output=True)
        module = work / "edited.py"
        original = module.read_text()

        def backtest(call: str, factor: int) -> tuple[float, float]:
            module.write_text(original.replace('want = pr["lots"]',
                                               f'want = {factor} * pr["lots"]'))
            t0 = time.perf_counter()
            out = subprocess.run([BIN / "ticklab", "backtest", f"strategy.module={module}",
                                  f"strategy_call={call}", "report=false"], env=env,
                                 capture_output=True, text=True)
            seconds = time.perf_counter() - t0
            if out.returncode != 0:
                raise SystemExit(out.stdout + out.stderr)
            with sqlite3.connect(work / "runs.sqlite") as db:
                lots = db.execute("select max(lots) from fills where run_id = "
                                  "(select max(id) from runs)").fetchone()[0]
            return seconds, lots

        warm, _ = backtest("pointer", 1)
        rows = [("pointer", *backtest("pointer", 2), 2), ("inline", *backtest("inline", 3), 3)]
    print(f"edit -> summary of `ticklab backtest` on the bundled sample (266 k ticks), fresh "
          f"process each; first run (warm-up) {warm:.1f} s")
    for call, seconds, lots, factor in rows:
        # the edit scales the long side only: the largest fill reverses -0.1 -> +factor x 0.1
        seen = abs(lots - 0.1 * (factor + 1)) < 1e-9
        print(f"  strategy_call={call:8s} {seconds:6.1f} s   largest fill {lots:.2f} lots "
              f"(the edit is {'seen' if seen else 'NOT seen'})")
    ratio = rows[1][1] / rows[0][1]
    print(f"ratio inline / pointer = {ratio:.1f}x (the issue's goal: <= 10 s after an edit)")


if __name__ == "__main__":
    main()
