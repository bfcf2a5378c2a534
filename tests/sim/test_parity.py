"""Parity: the batch replay (one njit loop) and the per-event drive of the decision core and
the simulated venue through their public entry points (``DecisionCore``, ``SimVenue``: the
live adapter's shadow mode) give identical orders, deals, trades, equity and states."""

import numpy as np
import pytest

import strategies.ema_cross as ec
from sim.batch.engine import Simulation
from sim.config import AccountConfig, Dist, ExecutionConfig, Slippage, account_mode
from sim.core.decision import DecisionCore
from sim.core.enums import EventKind, OrderState, Retcode
from sim.core.records import NO_TS, event_dt
from sim.core.state import make_limits
from sim.data import load_ticks
from sim.data.symbols import load_symbol
from sim.results import run_result
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
                        account.balance, limits, utc_offset=venue.utc_offset(int(ts[0])))
    drive(core, venue, ts, sym, bid, ask)
    return run_result(venue.state, core, len(ts))


def assert_same_run(a, b, fields=ACCOUNT_RESULT_FIELDS):
    assert np.array_equal(a.orders, b.orders)
    assert np.array_equal(a.deals, b.deals)
    assert np.array_equal(a.trades, b.trades)
    assert np.array_equal(a.equity, b.equity)
    assert np.array_equal(a.positions, b.positions)
    assert np.array_equal(a.sstate, b.sstate)
    assert np.array_equal(a.decision, b.decision)          # the whole core state
    # the account's results; the loop's own bookkeeping (its shortcuts) may differ
    assert np.array_equal(a.account[fields], b.account[fields])
    assert np.array_equal(a.risk_events, b.risk_events)    # every risk decision, in order


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


@pytest.mark.parametrize("mode", ["netting", "hedging"])
def test_parity_with_every_kind_of_risk_decision(sample, mode):
    """Risk rules that deny, throttle, pause a losing streak and halt on the daily loss
    (cancelling and flattening) decide the same in the batch loop and per event."""
    limits = make_limits(max_spread_points=3, max_orders=2, orders_window_s=30.0,
                         max_consecutive_losses=3, cooldown_s=900.0, daily_loss_pct=3.0,
                         flatten_on_halt=True, blackouts=["00:00-03:00"])
    specs, account = [load_symbol("EURUSD")], AccountConfig(mode=mode)
    p = ec.Params(fast=10, slow=40, lots=1.0)
    ex = EXECUTIONS["sampled-latency-slippage"]
    batch = Simulation(specs, [sample], ec, ec.make_params(p), ex, account, limits=limits).run()
    live = per_event_run(specs, [sample], p, ex, account, limits=limits)
    rules = set(batch.risk_events["rule"].tolist())
    assert {Retcode.RISK_SPREAD, Retcode.RISK_THROTTLE, Retcode.RISK_LOSS_STREAK,
            Retcode.RISK_DAILY_LOSS, Retcode.RISK_SESSION} <= rules
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


# -- regressions found by review --

def test_long_data_gap_queues_every_day_timer_without_overflow():
    # 300 server midnights pass between two ticks: one DAY timer each, the queue grows
    S, D = 10**9, 86_400 * 10**9
    t0 = 1_600_000_000 * S
    ts = np.array([t0, t0 + S, t0 + 300 * D, t0 + 300 * D + S], dtype=np.int64)
    bid = np.full(4, 1.1)
    sim = Simulation([load_symbol("EURUSD")], [(ts, bid, bid + 1e-4)], ec,
                     ec.make_params(ec.Params()), ExecutionConfig(), AccountConfig())
    r = sim.run()
    assert r.decision[0]["day_ts"] == sim.T[4][-1] and len(sim.T[4]) >= 300
    assert r.decision[0]["n_events"] >= 4 + len(sim.T[4])


def test_sim_venue_fed_past_its_horizon_keeps_rolling_days():
    # shadow mode does not know its end: created with t_last = t_first, fed three days
    import strategies.scripted as sc
    from sim.core.enums import Action, OrderType

    S = 10**9
    ts = 1_705_392_000 * S + np.arange(0, 3 * 86_400, 600, dtype=np.int64) * S
    bid = np.full(len(ts), 1.1)
    p = sc.Params(rows=(sc.row(int(ts[1]), Action.NEW, OrderType.BUY, 1.0),))
    specs, ex, acct = [load_symbol("EURUSD")], ExecutionConfig(), AccountConfig()
    batch = Simulation(specs, [(ts, bid, bid + 1e-4)], sc, sc.make_params(p), ex, acct,
                       data=sc.make_data(p)).run()
    venue = SimVenue.create(specs, ex, acct, int(ts[0]), int(ts[0]))
    core = DecisionCore(sc, sc.make_params(p), venue.syms, account_mode(acct), acct.balance,
                        data=sc.make_data(p), utc_offset=venue.utc_offset(int(ts[0])))
    for i in range(len(ts)):
        venue.feed_tick(core, int(ts[i]), 0, bid[i], bid[i] + 1e-4)
    live = run_result(venue.state, core, len(ts))
    assert batch.account[0]["swap_total"] < 0.0
    # the one difference: the batch knows its data ends, the open-ended venue knows the
    # next server midnight
    assert batch.account[0]["day_end"] == NO_TS > live.account[0]["day_end"] > ts[-1]
    assert_same_run(batch, live, [f for f in ACCOUNT_RESULT_FIELDS if f != "day_end"])


def test_risk_lets_closes_through_the_kill_switch_and_the_lot_cap():
    # hedging, two 1.0-lot longs; then the kill switch and a 0.5-lot cap: a close of 1001
    # (1.0 lot > the cap) and a TARGET 0 still pass, a new order does not
    import strategies.scripted as sc
    from sim.core.enums import Action, OrderType

    S = 10**9
    ts = 1_705_392_000 * S + np.arange(20, dtype=np.int64) * S
    bid = np.full(len(ts), 1.1)
    rows = (sc.row(int(ts[1]), Action.NEW, OrderType.BUY, 1.0),
            sc.row(int(ts[1]), Action.NEW, OrderType.BUY, 1.0),
            sc.row(int(ts[5]), Action.CLOSE, OrderType.SELL, 1.0, ticket=1001),
            sc.row(int(ts[6]), Action.NEW, OrderType.BUY, 0.1),
            sc.target(int(ts[8]), 0.0))
    p = sc.Params(rows=rows)
    venue = SimVenue.create([load_symbol("EURUSD")], ExecutionConfig(), AccountConfig(mode="hedging"),
                            int(ts[0]), int(ts[-1]))
    core = DecisionCore(sc, sc.make_params(p), venue.syms, 2, 10_000.0, data=sc.make_data(p))
    for i in range(len(ts)):
        if i == 3:
            core.record["limits"]["kill"] = True
            core.record["limits"]["max_order_lots"] = 0.5
        venue.feed_tick(core, int(ts[i]), 0, bid[i], bid[i] + 1e-4)
    r = run_result(venue.state, core, len(ts))
    # Assert: both longs closed (1001 by the CLOSE, 1002 by the TARGET), the new buy denied
    assert len(r.positions) == 0
    assert [int(x) for x in r.orders["retcode"]] == [0, 0, 0, Retcode.RISK_HALTED, 0]
    assert not core.record["book"]["active"].any()
    assert core.record["quote"][0]["net"] == 0.0 and core.record["quote"][0]["working"] == 0.0


def test_invalid_event_does_not_fire_a_due_wake_and_stale_ticks_are_refused():
    syms = SimVenue.create([load_symbol("EURUSD")], ExecutionConfig(), AccountConfig(), 0, 1).syms
    core = DecisionCore(ec, ec.make_params(SLOW_CROSS), syms, 0, 10_000.0)
    core.tick(100, 0, 1.1, 1.1001)
    core.record["wake_ts"] = 150
    ev = np.zeros(1, dtype=event_dt)
    ev[0]["ts"], ev[0]["kind"] = 10_000, 99
    core.on_event(ev)
    assert core.record["wake_ts"] == 150 and core.record["last_ts"] == 100
    core.tick(50, 0, 1.2, 1.2001)                # older than the clock: a stale quote
    assert core.record["quote"][0]["bid"] == 1.1 and core.record["n_bad_events"] == 2
    core.tick(200, 0, 1.1, 1.1001)               # the WAKE fires now
    assert core.record["wake_ts"] == 0 and core.record["last_ts"] == 200
