"""``ticklab live``: the Hydra app (same groups as ``ticklab backtest``; docs/operations.md)."""

from __future__ import annotations

import gc
import signal
import sys

import hydra
from omegaconf import DictConfig
from rich.console import Console
from rich.markup import escape

from sim.config import CONF_DIR


@hydra.main(config_path=str(CONF_DIR), config_name="live", version_base="1.3")
def live_main(cfg: DictConfig) -> None:
    from hydra.core.hydra_config import HydraConfig

    from live.control import Control
    from live.link import Link, LinkError
    from live.modes import MODES, SessionError, check_arming
    from live.runner import Runner
    from sim.core_config import resolve_strategy

    console = Console()
    if cfg.mode not in MODES:
        console.print(f"[red]ticklab live: mode={cfg.mode}: expected one of "
                      f"{', '.join(MODES)}[/red]")
        raise SystemExit(2)
    if cfg.mode == "production" and cfg.live.arm and not cfg.live.confirm and sys.stdin.isatty():
        from omegaconf import open_dict

        typed = input("production: type the trading account's login to arm: ").strip()
        with open_dict(cfg):
            cfg.live.confirm = typed
    try:
        resolve_strategy(cfg, HydraConfig.get().overrides.task)
        check_arming(cfg)
        control = Control(str(cfg.live.control))
        link = Link(str(cfg.live.bind), cfg.live.curve_keys)
    except (LinkError, SessionError, ValueError) as exc:
        console.print(f"[red]ticklab live: {escape(str(exc))}[/red]", soft_wrap=True)
        raise SystemExit(2) from None
    from sim import jit_cache

    try:
        with console.status(jit_cache.compile_reason() or "loading the compiled kernels"):
            runner = Runner(cfg, link, control=control)
    except (SessionError, ValueError) as exc:
        link.close()
        control.close()
        console.print(f"[red]ticklab live: {escape(str(exc))}[/red]", soft_wrap=True)
        raise SystemExit(2) from None
    runner.attach_metrics(cfg.live.metrics_port)
    gc.collect()
    gc.freeze()            # what exists now is never scanned again: fewer, shorter GC pauses
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda num, _frame: runner.stop(signal.Signals(num).name))
    metrics = (f"; metrics on http://127.0.0.1:{runner.metrics.port}/metrics"
               if runner.metrics.port else "")
    console.print(f"ticklab live: mode={cfg.mode}, session {runner.session}, listening on "
                  f"{link.endpoint} for {', '.join(runner.names)}; journal in {cfg.store}"
                  f"{metrics}", soft_wrap=True)
    why = "error: interrupted"
    try:
        if cfg.live.dashboard and console.is_terminal:
            from rich.live import Live

            from live.dashboard import render

            with Live(render(runner), console=console, refresh_per_second=2) as view:
                why = runner.run(cfg.live.max_seconds, lambda r: view.update(render(r)))
        else:
            why = runner.run(cfg.live.max_seconds)
        runner.wind_down()
    finally:                       # whatever happened: the journal is closed with a stop row
        link.close()
        control.close()
        run_id = runner.finish(why)
    st = runner.stats
    console.print(f"stopped ({why}): {st.ticks:,} ticks, {st.decisions} orders, "
                  f"{st.denials} denials, {st.ticks_lost} ticks lost, bad frames "
                  f"{dict(link.counters.bad) or 0}")
    if run_id is not None:
        console.print(f"run [bold]{run_id}[/bold] (mode {cfg.mode}) stored in {cfg.store}")
    if why.startswith("error"):
        raise SystemExit(1)
