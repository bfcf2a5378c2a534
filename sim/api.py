"""Python API for notebooks: ``sim.backtest(ticks, overrides=[...])``.

The overrides are the CLI's Hydra override strings, composed against the same
``conf/`` tree, and the run goes through the same ``run_backtest``: the same config
gives the same numbers in a notebook and on the command line.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from functools import cached_property

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim import frames
from sim.config import CONF_DIR
from sim.data import TickTable
from sim.pipeline import BacktestOutcome, from_frame, run_backtest

_COMPOSED: dict = {}          # (overrides, conf/ files' signature) -> Hydra's composed config


def compose(overrides=()) -> DictConfig:
    """Compose ``conf/config.yaml`` with Hydra override strings (as on the CLI).

    Hydra's composition (~0.2 s) is done once per set of overrides while ``conf/`` is
    unchanged (its files' times and sizes are the key); each call gets its own copy.
    """
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    from sim.core_config import resolve_strategy

    key = (tuple(str(o) for o in overrides),
           tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size)
                 for p in sorted(CONF_DIR.rglob("*.yaml"))))
    base = _COMPOSED.get(key)
    if base is None:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3",
                                   job_name="ticklab"):
            base = hydra_compose("config", overrides=list(overrides))
        if len(_COMPOSED) >= 256:
            _COMPOSED.clear()
        _COMPOSED[key] = base
    cfg = copy.deepcopy(base)
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


class BacktestResult:
    """A finished run.

    Attributes:
        trades: closed trades (symbol, side +1/-1, lots, open/close ts and price, profit,
            commission, swap, pnl in account currency, reason, and the price move, MFE and
            MAE in points: ``sim.trade_analysis``).
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

    Each table is built from the run's records when first read (a notebook that looks only
    at ``metrics`` does not pay for the rest).
    """

    def __init__(self, outcome: BacktestOutcome):
        self.outcome = outcome
        self.metrics: dict = outcome.metrics
        self.run_id: int | None = None            # set when stored (``store=``)

    @cached_property
    def trades(self) -> pd.DataFrame:
        from sim.trade_analysis import analysed_trades

        return analysed_trades(self.outcome.result, self.outcome.tables)

    @cached_property
    def equity(self) -> pd.DataFrame:
        return frames.equity_frame(self.outcome.result)

    @cached_property
    def open_positions(self) -> pd.DataFrame:
        return frames.open_positions_frame(self.outcome.result)

    @cached_property
    def fills(self) -> pd.DataFrame:
        return frames.fills_frame(self.outcome.result)

    @cached_property
    def rejections(self) -> pd.DataFrame:
        return frames.rejections_frame(self.outcome.result)

    @cached_property
    def orders(self) -> pd.DataFrame:
        return frames.orders_frame(self.outcome.result)

    @cached_property
    def risk_events(self) -> pd.DataFrame:
        return frames.risk_events_frame(self.outcome.result)

    @cached_property
    def config(self) -> str:
        return OmegaConf.to_yaml(self.outcome.cfg)

    def __repr__(self) -> str:
        m = self.metrics
        return (f"BacktestResult({len(self.trades)} trades, net P&L {m.get('net_pnl', float('nan')):.2f}, "
                f"max DD {m.get('max_dd', float('nan')):.2f})")


def backtest(ticks=None, overrides=(), symbol: str | None = None, store=False) -> BacktestResult:
    """Run a backtest from a notebook.

    Args:
        ticks: a ``TickTable`` (``sim.load_ticks``), a list of them (multi-symbol), a
            pandas DataFrame with ``ts`` (int64 ns UTC or datetime64) + ``bid``/``ask``,
            or None to load ``data=`` from the config.
        overrides: Hydra override strings, e.g. ``["strategy.fast=30", "execution=ideal"]``.
        symbol: the symbol of a DataFrame (or to override a table's).
        store: True to store the run as ``ticklab backtest`` does (in ``cfg.store``:
            ``$TICKLAB_STORE`` or ``ticklab.sqlite``), or a store's path; its id is then
            ``result.run_id`` (``ticklab runs``, ``ticklab report ID``).

    Returns:
        A ``BacktestResult``.
    """
    from sim.pipeline import store_outcome

    cfg = compose(overrides)
    res = BacktestResult(run_backtest(cfg, tick_tables(ticks, cfg, symbol)))
    if store is not False and store is not None:
        res.run_id = store_outcome(res.outcome, cfg.store if store is True else store)
    return res
