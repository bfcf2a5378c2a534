"""ticklab simulator core.

Shared with the live adapter (``live/`` may import these): ``enums``, ``dtypes``,
``accounting``, ``risk``, ``routing``, ``step``, ``store``, ``config``.
Backtest/shadow only (the simulated venue): ``venue``, ``latency``, ``replay``.
Python edges: ``data`` (tick importers), ``metrics``, ``report``, ``cli``.

``jit_cache`` is imported first so that every cached numba kernel lands in a
cache keyed by the project's sources (see its docstring).
"""

from sim import jit_cache  # noqa: F401  (must precede any @njit(cache=True))
