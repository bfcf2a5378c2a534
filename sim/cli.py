"""The ``ticklab`` console command: a thin front over the verbs.

- ``ticklab backtest [hydra overrides]``: a Hydra app (``--help``, ``--cfg job``, ``-m``).
- ``ticklab report RUN_ID``: write the HTML report of a stored run.
- ``ticklab data import|info PATH...``: tick importers (argparse).
- ``ticklab strategy new NAME [--dir DIR]``: a working strategy skeleton.
- ``ticklab train strategy=ml_scalper [overrides] [out=PATH]``: train ml_scalper's model.
- ``ticklab live [hydra overrides]``, ``ticklab fake-ea``, ``ticklab keys``: the live adapter.
"""

from __future__ import annotations

import sys

USAGE = """usage: ticklab VERB [args]

verbs:
  backtest [overrides]   run a backtest (Hydra app: --help, --cfg job, -m for sweeps)
  report RUN_ID          write the self-contained HTML report of a stored run
  runs                   list the runs in the results store
  data import PATH...    import tick files into the Parquet cache
  data info PATH         summarise a tick file (rich table, --json)
  strategy new NAME      write a working strategy skeleton (module, YAML, test): --dir DIR
  train [overrides]      walk-forward training of ml_scalper's model (docs/ml.md): out=PATH
  live [overrides]       run the strategy on an EA's live feed: mode=shadow (docs/operations.md)
  fake-ea --ticks PATH --symbol SYM   replay a tick file as an EA would (tests, rehearsals)
  kill [SCOPE] [--flatten]            trip the kill switch of a running ticklab live
  keys new|list|revoke NAME           CURVE keys for EAs outside loopback
"""


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0
    verb, rest = argv[0], argv[1:]
    if verb == "backtest":
        from sim.backtest_app import run_cli

        return run_cli(rest)
    if verb in ("report", "runs"):
        from sim.report_cli import main as report_main

        return report_main([verb, *rest])
    if verb == "strategy":
        from sim.strategy_cli import main as strategy_main

        return strategy_main(rest)
    if verb == "train":
        from sim.train import main as train_main

        return train_main(rest)
    if verb == "live":
        from live.app import run_cli as live_cli

        return live_cli(rest)
    if verb == "fake-ea":
        from live.fake_ea import main as fake_main

        return fake_main(rest)
    if verb == "kill":
        from live.control import kill_main

        return kill_main(rest)
    if verb == "keys":
        from live.keys import main as keys_main

        return keys_main(rest)
    if verb == "data":
        from sim.data.cli import main as data_main

        return data_main(rest)
    print(f"ticklab: unknown verb {verb!r}\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
