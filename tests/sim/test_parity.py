"""Parity: the njit batch replay and the per-event Python drive of the same kernels
(the live runner's shape) give identical orders, fills and rejections, bit for bit."""

import numpy as np
import pytest

import strategies.ema_cross as ec
from sim.config import AccountConfig, Dist, ExecutionConfig, Slippage
from sim.data import load_ticks
from sim.data.symbols import load_symbol
from sim.engine import Simulation

N_TICKS = 12_000


@pytest.fixture(scope="module")
def ticks(sample_dir_module):
    t = load_ticks(sample_dir_module / "EURUSD")
    return t.ts[:N_TICKS], t.bid[:N_TICKS], t.ask[:N_TICKS]


@pytest.fixture(scope="module")
def sample_dir_module():
    from tests.conftest import SAMPLE

    return SAMPLE


SLOW_CROSS = ec.Params(fast=20, slow=80, lots=0.5)


def _sim(ticks, execution, account, p=SLOW_CROSS):
    return Simulation([load_symbol("EURUSD")], [ticks], ec, ec.make_params(p), execution, account)


EXECUTIONS = {
    "ideal": ExecutionConfig(commission=False, swaps=False, stop_out=False),
    "sampled-latency-slippage": ExecutionConfig(
        submit_latency=Dist("uniform", 5.0, 60.0), venue_latency=Dist("constant", 3.0),
        report_latency=Dist("exponential", 2.0, 20.0), slippage=Slippage("sampled", 2.0, 10.0)),
    "next-tick": ExecutionConfig(fill_on="next_tick", submit_latency=Dist("constant", 30.0)),
}


@pytest.mark.parametrize("name", sorted(EXECUTIONS))
@pytest.mark.parametrize("mode", ["netting", "hedging"])
def test_replay_batch_vs_per_event_identical(ticks, name, mode):
    # Arrange
    account = AccountConfig(mode=mode)
    # Act
    batch = _sim(ticks, EXECUTIONS[name], account).run()
    per_event = _sim(ticks, EXECUTIONS[name], account).run_per_event()
    # Assert: same orders, same deals (fills and rejections), same trades, same end state
    assert len(batch.orders) > 20
    assert np.array_equal(batch.orders, per_event.orders)
    assert np.array_equal(batch.deals, per_event.deals)
    assert np.array_equal(batch.trades, per_event.trades)
    assert np.array_equal(batch.equity, per_event.equity)
    assert np.array_equal(batch.account, per_event.account)


def test_replay_resumed_after_growth_equals_uninterrupted(ticks):
    # Arrange: a run that must grow its journals several times vs one with room to spare
    fast = ec.Params(fast=2, slow=6, lots=0.5)
    # Act
    grown = _sim(ticks, EXECUTIONS["ideal"], AccountConfig(), fast).run()
    chunked = _sim(ticks, EXECUTIONS["ideal"], AccountConfig(), fast).run(
        progress=lambda d, n: None, chunk=1000)
    # Assert
    assert len(grown.deals) > 1024            # the first deals journal held 1024 rows
    assert np.array_equal(grown.deals, chunked.deals)
    assert np.array_equal(grown.equity, chunked.equity)
