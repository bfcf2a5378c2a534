"""ticklab: a tick simulator for MetaTrader 4/5 strategies, and the decision core live shares.

Layout (docs/architecture.md, "Layout and import rules"; tests/test_layout.py checks it):

- ``sim.core``: the decision core (records, enums, the event contract, strategy contract,
  step, risk, routing, its state factory and ``DecisionCore``).  Runs in backtest and live.
- ``sim.venue``: the simulated venue (orders, execution, accounting, money, pending
  orders, the quiet band, latency, ``SimVenue``).  Backtest and shadow mode.
- ``sim.batch``: the njit replay loop and ``Simulation``.  Backtest only.
- Python edges: ``sim.data`` (tick importers), ``config``, ``pipeline``, ``api``,
  ``metrics``, ``frames``, ``store``, ``report``, ``cli``.

The public API below is importable from ``sim`` directly (lazily: importing ``sim`` stays
cheap).  ``jit_cache`` is imported first so that every cached numba kernel lands in a
cache keyed by the project's sources (see its docstring).
"""

from sim import jit_cache  # noqa: F401  (must precede any @njit(cache=True))

_PUBLIC = {
    # notebooks and scripts
    "backtest": "sim.api", "sweep": "sim.sweeps", "walk_forward": "sim.walkforward",
    "optimize": "sim.optimizer",
    "load_ticks": "sim.data", "load_bars": "sim.data",
    "load_symbol": "sim.data.symbols", "SymbolSpec": "sim.data.symbols",
    "Simulation": "sim.batch.engine", "RunResult": "sim.results",
    "ExecutionConfig": "sim.config", "AccountConfig": "sim.config", "Dist": "sim.config",
    "Slippage": "sim.config", "symbol_records": "sim.config",
    # the decision core and the simulated venue, for per-event drivers (live, shadow)
    "DecisionCore": "sim.core.decision", "make_core": "sim.core.state",
    "make_limits": "sim.core.state", "event_dt": "sim.core.records",
    "order_dt": "sim.core.records", "intent_dt": "sim.core.records",
    "SimVenue": "sim.venue.sim_venue", "VenueState": "sim.venue.state",
}
_ENUMS = ("AccountMode", "Action", "CalcMode", "CommissionEntry", "CommissionMode", "DealEntry",
          "DealReason", "DealType", "EventKind", "ExeMode", "FillOn", "OrderState", "OrderTime",
          "OrderType", "RETCODE_DESC", "Retcode", "Side", "TimerKind", "TradingState",
          "TriggerFill")
_PUBLIC.update({name: "sim.core.enums" for name in _ENUMS})

__all__ = sorted(_PUBLIC)


def __getattr__(name):
    # lazy: kernels and the CLI start fast without pandas/pyarrow unless needed
    if name in _PUBLIC:
        import importlib

        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
