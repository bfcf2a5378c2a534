"""The ``ticklab`` console command: a thin front over the verbs.

- ``ticklab backtest [hydra overrides]``: a Hydra app (``--help``, ``--cfg job``, ``-m``).
- ``ticklab report RUN_ID``: write the HTML report of a stored run.
- ``ticklab data import|info PATH...``: tick importers (argparse).
- ``ticklab sweep KEY=A:B:S KEY=x,y [overrides]``: a parameter sweep (``sim.sweep``).
- ``ticklab strategy new NAME [--dir DIR]``: a working strategy skeleton.
- ``ticklab train strategy=ml_scalper [overrides] [out=PATH]``: train ml_scalper's model.
- ``ticklab live [hydra overrides]``, ``ticklab fake-ea``, ``ticklab keys``: the live adapter.
"""

from __future__ import annotations

import importlib
import sys

USAGE = """usage: ticklab VERB [args]

verbs:
  backtest [overrides]   run a backtest (Hydra app: --help, --cfg job, -m for sweeps)
  report RUN_ID          write the HTML report of a stored run (offline)
  runs [list|show ID|compare A B]   the results store (--sweep ID, --sort METRIC, --json)
  sweep KEY=A:B:S KEY=x,y [overrides]   many parameter sets in one process (docs/research.md)
  walkforward AXES --train 12h --test 6h   optimise in-sample, trade out-of-sample, roll on
  optimize KEY=LOW:HIGH ... --trials N     an Optuna study (pruning, resumable)
  data import PATH...    import tick files into the Parquet cache
  data info PATH         summarise a tick file (rich table, --json)
  strategy new NAME      write a working strategy skeleton (module, YAML, test): --dir DIR
  train [overrides]      walk-forward training of ml_scalper's model (docs/ml.md): out=PATH
  live [overrides]       run the strategy on an EA's live feed: mode=shadow (docs/operations.md)
  fake-ea --ticks PATH --symbol SYM   replay a tick file as an EA would (tests, rehearsals)
  kill [SCOPE] [--flatten]            trip the kill switch of a running ticklab live
  keys new|list|revoke NAME           CURVE keys for EAs outside loopback
"""


# verb -> (module, function, arguments passed: the rest, or the verb and the rest)
VERBS = {
    "backtest": ("sim.backtest_app", "backtest_main", "hydra"),
    "live": ("live.app", "live_main", "hydra"),
    "report": ("sim.report_cli", "main", "verb"),
    "runs": ("sim.runs_cli", "main", "verb"),
    "strategy": ("sim.strategy_cli", "main", "rest"),
    "train": ("sim.train", "main", "rest"),
    "sweep": ("sim.sweep_cli", "main", "rest"),
    "walkforward": ("sim.walkforward_cli", "main", "rest"),
    "optimize": ("sim.optimizer_cli", "main", "rest"),
    "data": ("sim.data.cli", "main", "rest"),
    "fake-ea": ("live.fake_ea", "main", "rest"),
    "kill": ("live.control", "kill_main", "rest"),
    "keys": ("live.keys", "main", "rest"),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0
    verb, rest = argv[0], argv[1:]
    if verb not in VERBS:
        print(f"ticklab: unknown verb {verb!r}\n\n{USAGE}", file=sys.stderr)
        return 2
    module, name, call = VERBS[verb]
    fn = getattr(importlib.import_module(module), name)     # each verb imports only its own
    if call == "hydra":
        from sim.hydra_cli import run_hydra_app

        return run_hydra_app(verb, fn, rest)
    return fn([verb, *rest] if call == "verb" else rest)


if __name__ == "__main__":
    sys.exit(main())
