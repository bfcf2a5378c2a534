"""ticklab simulator core.

Shared with the live adapter (``live/`` may import these): ``enums``, ``dtypes``,
``accounting``, ``risk``, ``routing``, ``step``, ``store``, ``config``.
Backtest/shadow only (the simulated venue): ``venue``, ``latency``, ``replay``.
Python edges: ``data`` (tick importers), ``metrics``, ``report``, ``cli``.

``jit_cache`` is imported first so that every cached numba kernel lands in a
cache keyed by the project's sources (see its docstring).
"""

from sim import jit_cache  # noqa: F401  (must precede any @njit(cache=True))

__all__ = ["backtest", "load_bars", "load_ticks"]


def __getattr__(name):
    # lazy: kernels and the CLI start fast without pandas/pyarrow unless needed
    if name in ("load_ticks", "load_bars"):
        import sim.data as data

        return getattr(data, name)
    if name == "backtest":
        from sim.api import backtest

        return backtest
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
