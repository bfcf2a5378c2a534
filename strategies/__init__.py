"""Bundled strategies: pure numba functions of (state, params, event).

Every module here is a strategy (``sim.strategy_loader`` discovers them: ``strategy=NAME``);
a user's own strategies live in their own package (``strategy.module=...``).
"""

import sim  # noqa: F401  (sets up the numba cache before any strategy kernel)
