"""``ticklab backtest``: the Hydra app (``--help``, ``--cfg job``, overrides, ``-m``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import hydra
from omegaconf import DictConfig
from rich.console import Console
from rich.markup import escape

from sim.config import CONF_DIR
from sim.data.errors import DataError


def _progress_runner(cfg, console):
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from sim.pipeline import load_data, run_backtest

    tables = load_data(cfg)
    n = sum(len(t) for t in tables)
    if not cfg.progress or n < 5_000_000:
        with console.status(_compile_status(cfg, tables)):
            return run_backtest(cfg, tables)
    with Progress(TextColumn("replay"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,} ticks"),
                  TimeRemainingColumn(), console=console, transient=True) as bar:
        task = bar.add_task("replay", total=n)
        return run_backtest(cfg, tables, progress=lambda done, total: bar.update(task, completed=done))


def _compile_status(cfg, tables) -> str:
    """What the wait before the replay is: compiling (and why) or loading the kernels."""
    from sim import jit_cache
    from sim.core_config import core_parts
    from sim.data.symbols import load_symbol
    from sim.pipeline import strategy_call
    from sim.strategy_wrapper import wrapper_path

    reason = jit_cache.compile_reason()
    if reason:
        return reason
    mod, params, data, _ = core_parts(cfg, [load_symbol(t.symbol) for t in tables])
    if strategy_call(cfg, sum(len(t) for t in tables)) == "inline":
        return (f"loading the replay loop with {mod.__name__} inlined (strategy_call=inline: "
                f"a new or edited strategy compiles into it, about a minute)")
    if not wrapper_path(mod, mod.make_state(), params, data).exists():
        return f"compiling {mod.__name__}: new or edited since its last run (a few seconds)"
    return "loading the compiled kernels"


@hydra.main(config_path=str(CONF_DIR), config_name="config", version_base="1.3")
def backtest_main(cfg: DictConfig) -> float:
    from hydra.core.hydra_config import HydraConfig

    from sim.core_config import resolve_strategy
    from sim.data import provenance
    from sim.metrics import summary_table
    from sim.pipeline import store_outcome
    from sim.report import write_report
    from sim.targets import read_targets, targets_table

    console = Console()
    started = datetime.now(UTC)
    try:
        resolve_strategy(cfg, HydraConfig.get().overrides.task)
        targets = read_targets(cfg)
        out = _progress_runner(cfg, console)
    except (DataError, ValueError, RuntimeError) as exc:
        console.print(f"[red]ticklab backtest: {escape(str(exc))}[/red]", soft_wrap=True)
        raise SystemExit(2) from None
    run_id = store_outcome(out, cfg.store, started)
    data_info = provenance.describe(out.tables)
    n = out.result.n_ticks
    console.print(summary_table(out.metrics, title=f"run {run_id}: {cfg.strategy.name} on "
                                f"{', '.join(out.result.names)}, execution={cfg.execution.name}, "
                                f"risk={cfg.risk.get('name', 'custom')}"))
    console.print(targets_table(out.metrics, targets))
    note = "; the kernels were compiled first (once after each code change)" if out.compiled else ""
    for line in provenance.lines(data_info):
        console.print(line, style="bold yellow" if "SYNTHETIC" in line else None,
                      highlight=False, soft_wrap=True)
    console.print(f"{n:,} ticks replayed in {out.seconds:.3f} s "
                  f"({n / max(out.seconds, 1e-9) / 1e6:.1f} M ticks/s){note}")
    console.print(f"run [bold]{run_id}[/bold] stored in {cfg.store}")
    if cfg.report:
        path = write_report(cfg.store, run_id, Path(cfg.report_dir) / f"run-{run_id}.html")
        console.print(f"report: {path}")
    return float(out.metrics.get("net_pnl", 0.0))
