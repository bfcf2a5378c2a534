"""Python API for notebooks: ``sim.backtest(ticks, overrides=[...])``.

The overrides are the CLI's Hydra override strings, composed against the same
``conf/`` tree, and the run goes through the same ``run_backtest``: the same config
gives the same numbers in a notebook and on the command line.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim.config import CONF_DIR
from sim.data import TickTable
from sim.pipeline import BacktestOutcome, from_frame, run_backtest


def compose(overrides=()) -> DictConfig:
    """Compose ``conf/config.yaml`` with Hydra override strings (as on the CLI)."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    from sim.core_config import resolve_strategy

    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3", job_name="ticklab"):
        cfg = hydra_compose("config", overrides=list(overrides))
    resolve_strategy(cfg, overrides)
    return cfg


def tick_tables(ticks, cfg: DictConfig, symbol: str | None = None) -> list[TickTable] | None:
    """``ticks`` as given to ``sim.backtest`` / ``sim.sweep`` (a ``TickTable``, a DataFrame,
    a list of them, or None: ``cfg.data`` is loaded later) as tick tables, with
    ``data.start``/``data.end`` applied."""
    if ticks is None:
        return None
    tables = []
    for t in ticks if isinstance(ticks, list) else [ticks]:
        if isinstance(t, pd.DataFrame):
            t = from_frame(t, symbol or cfg.data.get("symbol"))
        elif not isinstance(t, TickTable):
            raise TypeError(f"ticks must be a TickTable or a DataFrame, got {type(t).__name__}")
        elif symbol is not None and t.symbol != symbol:
            t = replace(t, symbol=symbol)   # keeps its provenance (synthetic, issues)
        tables.append(t)
    start, end = cfg.data.get("start"), cfg.data.get("end")
    if start is not None or end is not None:
        tables = [t.between(start, end) for t in tables]     # data.start/end apply here too
    return tables


@dataclass
class BacktestResult:
    """A finished run.

    Attributes:
        trades: closed trades (symbol, side +1/-1, lots, open/close ts and price, profit,
            commission, swap, pnl in account currency, reason).
        equity: equity curve (ts UTC, balance, equity, min_equity, margin).
        metrics: the same figures the CLI prints and stores.
        open_positions: positions still open at the end (marked to the last quote).
        fills, rejections: the deal journal split by outcome.
        orders: every order the decision core made: decision ts (``signal_ts``), sent ts
            (``arrive_ts``: at the venue), ``state``, ``retcode`` and ``reason`` (a risk
            denial names its rule).
        risk_events: every risk decision: denials with the input the rule saw and its
            threshold, and trading-state changes (docs/risk.md).
        config: the resolved config as YAML.
    """

    trades: pd.DataFrame
    equity: pd.DataFrame
    metrics: dict
    open_positions: pd.DataFrame
    fills: pd.DataFrame
    rejections: pd.DataFrame
    orders: pd.DataFrame
    risk_events: pd.DataFrame
    config: str
    outcome: BacktestOutcome = field(repr=False)

    def __repr__(self) -> str:
        m = self.metrics
        return (f"BacktestResult({len(self.trades)} trades, net P&L {m.get('net_pnl', float('nan')):.2f}, "
                f"max DD {m.get('max_dd', float('nan')):.2f})")


def backtest(ticks=None, overrides=(), symbol: str | None = None) -> BacktestResult:
    """Run a backtest from a notebook.

    Args:
        ticks: a ``TickTable`` (``sim.load_ticks``), a list of them (multi-symbol), a
            pandas DataFrame with ``ts`` (int64 ns UTC or datetime64) + ``bid``/``ask``,
            or None to load ``data=`` from the config.
        overrides: Hydra override strings, e.g. ``["strategy.fast=30", "execution=ideal"]``.
        symbol: the symbol of a DataFrame (or to override a table's).

    Returns:
        A ``BacktestResult``.
    """
    from sim.frames import (
        equity_frame,
        fills_frame,
        open_positions_frame,
        orders_frame,
        rejections_frame,
        risk_events_frame,
        trades_frame,
    )

    cfg = compose(overrides)
    out = run_backtest(cfg, tick_tables(ticks, cfg, symbol))
    r = out.result
    return BacktestResult(trades=trades_frame(r), equity=equity_frame(r), metrics=out.metrics,
                          open_positions=open_positions_frame(r), fills=fills_frame(r),
                          rejections=rejections_frame(r), orders=orders_frame(r),
                          risk_events=risk_events_frame(r), config=OmegaConf.to_yaml(cfg),
                          outcome=out)
