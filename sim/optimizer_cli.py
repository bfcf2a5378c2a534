"""``ticklab optimize``: ``sim.optimize`` (Optuna) from the terminal (docs/research.md).

    ticklab optimize strategy.fast=5:100 strategy.slow=100:1000:10 --trials 100 --sort sharpe

``KEY=LOW:HIGH`` is an integer (or, with a decimal point, float) range, ``LOW:HIGH:STEP``
one with a step, ``KEY=a,b,c`` a choice; any other ``KEY=VALUE`` is a Hydra override.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from sim.sweeps import SweepError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ticklab optimize", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("items", nargs="*", metavar="KEY=SPACE", help="axes and overrides")
    p.add_argument("--trials", type=int, default=100)
    p.add_argument("--timeout", type=float, default=None, help="stop after this many seconds")
    p.add_argument("--sort", default="net_pnl", help="metric to optimise (default net_pnl)")
    p.add_argument("--jobs", type=int, default=-1, help="threads (default: every core)")
    p.add_argument("--study", default=None, help="resume (or name) this study")
    p.add_argument("--no-prune", action="store_true", help="run every trial to the end")
    p.add_argument("--seed", type=int, default=None, help="the sampler's seed")
    p.add_argument("--top", type=int, default=10)
    p.add_argument("--db", type=Path, default=None,
                   help="results database (default: $TICKLAB_STORE or ./ticklab.sqlite); "
                        "the study goes beside it (<name>.optuna.sqlite)")
    return p


def main(argv: list[str]) -> int:
    from sim.optimizer import optimize
    from sim.sweep_cli import checked_overrides, config_errors, one_line, split_args, top_table

    a = _parser().parse_intermixed_args(argv)
    console = Console()
    try:
        space, overrides = split_args(a.items)
        if not space:
            raise SweepError("no axis to optimise: e.g. strategy.fast=5:100")
        res = optimize(space=space, overrides=checked_overrides(overrides), n_trials=a.trials, metric=a.sort,
                       n_jobs=a.jobs, study_name=a.study, store=a.db or True,
                       prune=not a.no_prune, seed=a.seed, timeout=a.timeout, progress=False)
    except config_errors() as exc:
        console.print(f"[red]ticklab optimize: {escape(one_line(exc))}[/red]", soft_wrap=True)
        return 2
    t = res.trials
    states = t["state"].value_counts().to_dict()
    console.print(f"study {res.study.study_name}: {len(t)} trials "
                  f"({', '.join(f'{v} {k}' for k, v in states.items())}); stored in "
                  f"{res.storage}, runs under sweep {res.sweep_id}", soft_wrap=True)
    done = t[t["state"] == "complete"]
    if not len(done):
        console.print("[red]no trial completed[/red]")
        return 1
    console.print(top_table(done, list(space), a.sort, a.top,
                            f"Best {min(a.top, len(done))} trials by {a.sort}",
                            id_col=("trial", "trial")))
    b = res.best
    value = "–" if b["value"] is None or math.isnan(b["value"]) else f"{b['value']:,.4g}"
    console.print(f"best: {' '.join(f'{k}={v}' for k, v in b['params'].items())} "
                  f"({a.sort} {value}); resume with --study {res.study.study_name}; "
                  f"browse with optuna-dashboard {res.storage}", soft_wrap=True)
    return 0
