"""Parity: the njit batch replay and the per-event Python drive of the same kernels
(the live runner's shape) give identical orders, fills and rejections, bit for bit."""

import numpy as np
import pytest

import strategies.ema_cross as ec
from sim.batch.engine import Simulation
from sim.config import AccountConfig, Dist, ExecutionConfig, Slippage
from sim.data import load_ticks
from sim.data.symbols import load_symbol
from sim.venue.records import ACCOUNT_RESULT_FIELDS

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
    # the account's results; the loop's own bookkeeping (its shortcuts) may differ
    assert np.array_equal(batch.account[ACCOUNT_RESULT_FIELDS],
                          per_event.account[ACCOUNT_RESULT_FIELDS])


def test_replay_resumed_after_growth_equals_uninterrupted(ticks):
    # Arrange: one run that must grow its journals several times (and replays in chunks),
    # one pre-sized so that it never stops
    fast = ec.Params(fast=2, slow=6, lots=0.5)
    grown = _sim(ticks, EXECUTIONS["sampled-latency-slippage"], AccountConfig(), fast)
    roomy = _sim(ticks, EXECUTIONS["sampled-latency-slippage"], AccountConfig(), fast)
    for k in (1, 2, 3, 4, 11, 12):
        arr = roomy.V[k]
        big = np.zeros(200_000, arr.dtype)
        if k == 1:
            big["state"] = -1
        big[: len(arr)] = arr
        roomy.V[k] = big
    # Act
    a = grown.run(progress=lambda d, n: None, chunk=1000)
    b = roomy.run()
    # Assert
    assert len(a.deals) > 1024            # the first deals journal held 1024 rows
    assert np.array_equal(a.deals, b.deals)
    assert np.array_equal(a.orders, b.orders)
    assert np.array_equal(a.equity, b.equity)
    assert np.array_equal(a.account[ACCOUNT_RESULT_FIELDS], b.account[ACCOUNT_RESULT_FIELDS])


def test_two_simulations_interleaved_keep_their_own_random_streams(ticks):
    # Arrange: the same run alone, and interleaved with another one in the same process
    ex = EXECUTIONS["sampled-latency-slippage"]
    alone = _sim(ticks, ex, AccountConfig()).run()
    x, y = _sim(ticks, ex, AccountConfig()), _sim(ticks, ex, AccountConfig(mode="hedging"))
    other = []

    def between_chunks(done, total):   # x stops after each chunk: run y in the middle
        if not other:
            other.append(y.run())

    # Act
    interleaved = x.run(progress=between_chunks, chunk=3000)
    # Assert
    assert len(other) == 1 and len(other[0].deals) > 0
    assert np.array_equal(alone.deals, interleaved.deals)
