"""Parity: the batch replay (one njit loop) and the per-event drive of the decision core and
the simulated venue through their public entry points (``DecisionCore``, ``SimVenue``: the
live adapter's shadow mode) give identical orders, deals, trades, equity and states."""

import numpy as np
import pytest

import strategies.ema_cross as ec
from sim.batch.engine import Simulation, run_result
from sim.config import AccountConfig, Dist, ExecutionConfig, Slippage, account_mode
from sim.core.decision import DecisionCore
from sim.core.enums import EventKind, OrderState, Retcode
from sim.core.records import event_dt
from sim.core.state import make_limits
from sim.data import load_ticks
from sim.data.symbols import load_symbol
from sim.venue.records import ACCOUNT_RESULT_FIELDS
from sim.venue.sim_venue import SimVenue
from tests.conftest import SAMPLE
from tests.sim.per_event import drive
from tests.sim.venue_cases import GBPUSD, USDJPY

N_TICKS = 12_000
SLOW_CROSS = ec.Params(fast=20, slow=80, lots=0.5)

EXECUTIONS = {
    "ideal": ExecutionConfig(commission=False, swaps=False, stop_out=False),
    "sampled-latency-slippage": ExecutionConfig(
        submit_latency=Dist("uniform", 5.0, 60.0), venue_latency=Dist("constant", 3.0),
        report_latency=Dist("exponential", 2.0, 20.0), slippage=Slippage("sampled", 2.0, 10.0)),
    "next-tick": ExecutionConfig(fill_on="next_tick", submit_latency=Dist("constant", 30.0)),
}


@pytest.fixture(scope="module")
def sample():
    t = load_ticks(SAMPLE / "EURUSD")
    return t.ts[:N_TICKS], t.bid[:N_TICKS], t.ask[:N_TICKS]


def walk(ts, start, point, seed):
    rng = np.random.default_rng(seed)
    mid = start + np.cumsum(rng.integers(-3, 4, len(ts))) * point
    spread = rng.integers(2, 9, len(ts)) * point
    return ts, np.round(mid - spread / 2, 6), np.round(mid + spread / 2, 6)


def per_event_run(specs, streams, params, execution, account, limits=None):
    """The live shape: a core and a venue made on their own, fed one tick at a time."""
    sim = Simulation(specs, streams, ec, ec.make_params(params), execution, account)
    ts, sym, bid, ask = sim.T[:4]                    # the merged stream (the socket's order)
    venue = SimVenue.create(specs, execution, account, int(ts[0]), int(ts[-1]))
    core = DecisionCore(ec, ec.make_params(params), venue.syms, account_mode(account),
                        account.balance, limits)
    drive(core, venue, ts, sym, bid, ask)
    return run_result(venue.state, core, len(ts))


def assert_same_run(a, b):
    assert np.array_equal(a.orders, b.orders)
    assert np.array_equal(a.deals, b.deals)
    assert np.array_equal(a.trades, b.trades)
    assert np.array_equal(a.equity, b.equity)
    assert np.array_equal(a.positions, b.positions)
    assert np.array_equal(a.sstate, b.sstate)
    assert np.array_equal(a.decision, b.decision)          # the whole core state
    # the account's results; the loop's own bookkeeping (its shortcuts) may differ
    assert np.array_equal(a.account[ACCOUNT_RESULT_FIELDS], b.account[ACCOUNT_RESULT_FIELDS])


@pytest.mark.parametrize("name", sorted(EXECUTIONS))
@pytest.mark.parametrize("mode", ["netting", "hedging"])
def test_parity_real_sample_batch_equals_public_per_event_drive(sample, name, mode):
    # Arrange
    specs, account = [load_symbol("EURUSD")], AccountConfig(mode=mode)
    # Act
    batch = Simulation(specs, [sample], ec, ec.make_params(SLOW_CROSS), EXECUTIONS[name],
                       account).run()
    live = per_event_run(specs, [sample], SLOW_CROSS, EXECUTIONS[name], account)
    # Assert
    assert len(batch.orders) > 20 and len(batch.trades) > 10
    assert_same_run(batch, live)


@pytest.mark.parametrize("traded", [0, 2])
@pytest.mark.parametrize("mode", ["netting", "hedging"])
def test_parity_multi_symbol_stream(sample, traded, mode):
    # Arrange: real EURUSD with GBPUSD and USDJPY walks on their own clocks, interleaved
    # (ties included); trading USDJPY books profit in JPY through the USDJPY quote
    ts = sample[0]
    streams = [sample, walk(ts[::3] + 7_000_000, 1.27, 1e-5, 1), walk(ts[1::2], 148.0, 1e-3, 2)]
    specs = [load_symbol("EURUSD"), GBPUSD, USDJPY]
    account = AccountConfig(mode=mode)
    p = ec.Params(fast=20, slow=80, lots=0.5, symbol=traded)
    ex = EXECUTIONS["sampled-latency-slippage"]
    # Act
    batch = Simulation(specs, streams, ec, ec.make_params(p), ex, account).run()
    live = per_event_run(specs, streams, p, ex, account)
    # Assert
    assert len(batch.trades) > 10 and set(batch.deals["symbol"]) == {traded}
    assert_same_run(batch, live)


def test_parity_risk_denials_are_finished_by_the_core():
    # Arrange: the kill switch on: every signal is a denial, in both drives
    ts, bid, ask = walk(1_700_000_000_000_000_000 + np.arange(3000, dtype=np.int64) * 200_000_000,
                        1.10, 1e-5, 3)
    specs, account, ex = [load_symbol("EURUSD")], AccountConfig(), ExecutionConfig()
    p, kill = ec.Params(fast=5, slow=20), make_limits(kill=True)
    # Act
    batch = Simulation(specs, [(ts, bid, ask)], ec, ec.make_params(p), ex, account,
                       limits=kill).run()
    live = per_event_run(specs, [(ts, bid, ask)], p, ex, account, limits=kill)
    # Assert
    signals = int(batch.sstate[0]["signals"])
    assert signals > 10 and len(batch.orders) == signals
    assert (batch.orders["retcode"] == Retcode.RISK_HALTED).all()
    assert batch.decision[0]["n_denied"] == signals == batch.decision[0]["n_rejected"]
    assert_same_run(batch, live)


def test_core_denial_is_an_outbox_row_and_known_within_the_same_call():
    # Arrange
    specs = [load_symbol("EURUSD")]
    venue = SimVenue.create(specs, ExecutionConfig(), AccountConfig(), 0, 1)
    core = DecisionCore(ec, ec.make_params(ec.Params(fast=1, slow=2)), venue.syms, 0, 10_000.0,
                        make_limits(kill=True))
    # Act: the first tick seeds the EMAs, a rising mid crosses them up on the second
    outs = [core.tick(k, 0, 1.1000 + k * 1e-4, 1.1001 + k * 1e-4).copy() for k in range(2)]
    # Assert: the denial is the core's decision record, and the core already counted it
    assert [len(o) for o in outs] == [0, 1]
    assert outs[1][0]["state"] == OrderState.REJECTED
    assert outs[1][0]["retcode"] == Retcode.RISK_HALTED
    rec = core.record
    assert rec["n_denied"] == 1 and rec["n_rejected"] == 1 and rec["n_sent"] == 0
    assert rec["quote"][0]["working"] == 0.0


def test_batched_entry_equals_one_event_at_a_time(sample):
    # Arrange: the core alone (no venue), the same TICK events both ways
    ts, bid, ask = sample
    events = np.zeros(len(ts), dtype=event_dt)
    events["ts"], events["kind"], events["bid"], events["ask"] = ts, EventKind.TICK, bid, ask
    syms = SimVenue.create([load_symbol("EURUSD")], ExecutionConfig(), AccountConfig(), 0, 1).syms
    one = DecisionCore(ec, ec.make_params(SLOW_CROSS), syms, 0, 10_000.0)
    batched = DecisionCore(ec, ec.make_params(SLOW_CROSS), syms, 0, 10_000.0)
    # Act
    singles, src1 = [], []
    for k in range(len(events)):
        o = one.on_event(events[k: k + 1])
        singles.append(o.copy())
        src1 += [k] * len(o)
    blocks, src2 = [], []
    for k in range(0, len(events), 64):
        o, src = batched.on_events(events[k: k + 64])
        blocks.append(o.copy())
        src2 += list(src + k)
    # Assert
    a, b = np.concatenate(singles), np.concatenate(blocks)
    assert len(a) > 50
    assert np.array_equal(a, b) and src1 == src2
    assert np.array_equal(one.state, batched.state)
    assert np.array_equal(one.sstate, batched.sstate)


def test_events_outside_the_contract_are_counted_and_ignored():
    syms = SimVenue.create([load_symbol("EURUSD")], ExecutionConfig(), AccountConfig(), 0, 1).syms
    core = DecisionCore(ec, ec.make_params(SLOW_CROSS), syms, 0, 10_000.0)
    ev = np.zeros(1, dtype=event_dt)
    ev[0]["kind"] = 99
    assert len(core.on_event(ev)) == 0
    ev[0]["kind"], ev[0]["symbol"] = EventKind.TICK, 5        # only one symbol
    assert len(core.on_event(ev)) == 0
    assert core.record["n_bad_events"] == 2 and core.record["n_events"] == 0
    assert core.record["quote"][0]["bid"] == 0.0


def test_replay_resumed_after_growth_equals_uninterrupted(sample):
    # Arrange: one run that must grow its journals several times (and replays in chunks),
    # one pre-sized so that it never stops
    fast = ec.Params(fast=2, slow=6, lots=0.5)
    ex = EXECUTIONS["sampled-latency-slippage"]
    spec = [load_symbol("EURUSD")]
    grown = Simulation(spec, [sample], ec, ec.make_params(fast), ex, AccountConfig())
    roomy = Simulation(spec, [sample], ec, ec.make_params(fast), ex, AccountConfig())
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
    assert_same_run(a, b)


def test_two_simulations_interleaved_keep_their_own_random_streams(sample):
    # Arrange: the same run alone, and interleaved with another one in the same process
    ex = EXECUTIONS["sampled-latency-slippage"]
    spec, p = [load_symbol("EURUSD")], ec.make_params(SLOW_CROSS)
    alone = Simulation(spec, [sample], ec, p, ex, AccountConfig()).run()
    x = Simulation(spec, [sample], ec, p, ex, AccountConfig())
    y = Simulation(spec, [sample], ec, p, ex, AccountConfig(mode="hedging"))
    other = []

    def between_chunks(done, total):   # x stops after each chunk: run y in the middle
        if not other:
            other.append(y.run())

    # Act
    interleaved = x.run(progress=between_chunks, chunk=3000)
    # Assert
    assert len(other) == 1 and len(other[0].deals) > 0
    assert np.array_equal(alone.deals, interleaved.deals)
