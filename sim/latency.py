"""Latency and slippage draws of the simulated venue (backtest/shadow only)."""

from __future__ import annotations

import numpy as np

from sim.enums import DistKind, SlippageKind
from sim.jit_cache import kernel


@kernel
def seed_nb(seed):
    np.random.seed(seed)


@kernel
def draw_ns_nb(kind, a, b):
    """Draw one latency in ns: constant ``a``, uniform in [a, b], or ``a`` + Exp(mean ``b``)."""
    if kind == DistKind.CONSTANT:
        return np.int64(a)
    if kind == DistKind.UNIFORM:
        return np.int64(a + (b - a) * np.random.random())
    return np.int64(a + np.random.exponential(b))


@kernel
def slippage_points_nb(kind, a, b, spread_points):
    """Adverse slippage in points for a market-style fill (never favourable)."""
    if kind == SlippageKind.NONE:
        return 0.0
    if kind == SlippageKind.FIXED:
        return a
    if kind == SlippageKind.SPREAD:
        return np.floor(a * spread_points + 0.5)
    x = np.floor(np.random.exponential(a) + 0.5)
    return min(x, b) if b > 0 else x
