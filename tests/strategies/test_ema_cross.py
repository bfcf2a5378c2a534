"""ema_cross follows its written definition, checked against an independent pandas version."""

import numpy as np
import pandas as pd
import pytest

import strategies.ema_cross as ec
from sim.batch.engine import Simulation
from sim.config import AccountConfig, ExecutionConfig
from sim.core.enums import Side
from sim.data.symbols import load_symbol
from sim.strategy_loader import load_strategy

T0 = 1_549_238_400_000_000_000


def _ticks(n=4000, seed=7):
    rng = np.random.default_rng(seed)
    mid = 1.14 + np.cumsum(rng.normal(0, 0.00004, n))
    half = rng.integers(1, 8, n) * 0.00001 / 2
    bid, ask = np.round(mid - half, 5), np.round(mid + half, 5)
    return T0 + np.arange(n, dtype=np.int64) * 250_000_000, bid, ask


def _pandas_targets(bid, ask, fast, slow):
    # the definition in the module docstring, written independently with pandas
    mid = pd.Series((bid + ask) / 2)
    up = mid.ewm(span=fast, adjust=False).mean() > mid.ewm(span=slow, adjust=False).mean()
    prev = up.shift(1, fill_value=False)
    flips = np.flatnonzero((up != prev).to_numpy())
    return flips, np.where(up.to_numpy()[flips], 1, -1)


@pytest.mark.parametrize(("fast", "slow"), [(5, 20), (50, 200)])
def test_ema_cross_ideal_fills_at_every_pandas_cross(fast, slow):
    # Arrange
    ts, bid, ask = _ticks()
    flips, sides = _pandas_targets(bid, ask, fast, slow)
    p = ec.Params(fast=fast, slow=slow, lots=0.1)
    # Act
    r = Simulation([load_symbol("EURUSD")], [(ts, bid, ask)], ec, ec.make_params(p),
                   ExecutionConfig(commission=False, swaps=False, stop_out=False),
                   AccountConfig(balance=1e6)).run()
    fills = r.deals[r.deals["retcode"] == 10009]
    # Assert: one fill per cross, on the crossing tick, at ask for buys and bid for sells
    assert len(fills) == len(flips) > 3
    assert np.array_equal(fills["ts"], ts[flips])
    side = np.where(fills["type"] == 0, Side.BUY, Side.SELL)
    assert np.array_equal(side, sides)
    expected_price = np.where(sides == Side.BUY, ask[flips], bid[flips])
    assert np.array_equal(fills["price"], expected_price)
    # the first order opens `lots`, every later one reverses: 2 x lots on a netting account
    assert fills["volume"][0] == pytest.approx(0.1)
    assert np.allclose(fills["volume"][1:], 0.2)


def test_ema_cross_params_invalid_refused():
    with pytest.raises(ValueError, match="fast < slow"):
        ec.Params(fast=200, slow=50)


def test_strategy_unknown_name_lists_the_bundled_ones():
    with pytest.raises(ValueError, match="bundled: .*ema_cross.*scripted"):
        load_strategy("nope")
