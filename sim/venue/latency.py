"""Latency and slippage draws of the simulated venue (backtest/shadow only).

The random stream lives in the account record (``acct["rng"]``, a Park-Miller minimal
standard generator), so every Simulation has its own reproducible stream: two runs
interleaved in one process (a notebook, shadow beside a backtest) do not disturb each
other, and a resumed run continues exactly.
"""

from __future__ import annotations

import numpy as np

from sim.core.enums import DistKind, SlippageKind
from sim.jit_cache import kernel

RNG_MOD = 2147483647       # 2^31 - 1
RNG_MUL = 48271


def rng_seed(seed: int) -> int:
    """A valid generator state (1 .. 2^31 - 2) from any integer seed."""
    return int(seed) % (RNG_MOD - 1) + 1


@kernel(inline=True)
def rand_nb(acct):
    """Uniform in (0, 1) from the run's own stream (products stay below 2^47: no overflow)."""
    x = (acct["rng"] * RNG_MUL) % RNG_MOD
    acct["rng"] = x
    return x / RNG_MOD


@kernel
def draw_ns_nb(acct, kind, a, b):
    """Draw one latency in ns: constant ``a``, uniform in [a, b], or ``a`` + Exp(mean ``b``)."""
    if kind == DistKind.CONSTANT:
        return np.int64(a)
    if kind == DistKind.UNIFORM:
        return np.int64(a + (b - a) * rand_nb(acct))
    return np.int64(a - b * np.log(1.0 - rand_nb(acct)))


@kernel
def slippage_points_nb(acct, kind, a, b, spread_points):
    """Adverse slippage in points for a market-style fill (never favourable)."""
    if kind == SlippageKind.NONE:
        return 0.0
    if kind == SlippageKind.FIXED:
        return a
    if kind == SlippageKind.SPREAD:
        return np.floor(a * spread_points + 0.5)
    x = np.floor(-a * np.log(1.0 - rand_nb(acct)) + 0.5)
    return min(x, b) if b > 0 else x
