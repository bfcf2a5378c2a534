"""The risk stage's rules, one by one, on hand-built events with hand-computed thresholds,
then hypothesis properties: no accepted order breaks a cap, the throttle's window, HALTED
and the daily loss.  Driven per event through the public ``DecisionCore`` (and
``SimVenue`` where fills matter), exactly as live drives it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import strategies.scripted as sc
from sim.config import AccountConfig, ExecutionConfig, symbol_records
from sim.core.decision import DecisionCore
from sim.core.enums import (
    AccountMode,
    Action,
    DealEntry,
    EventKind,
    OrderState,
    OrderType,
    Retcode,
    TimerKind,
    TradingState,
)
from sim.core.records import event_dt
from sim.core.state import make_limits
from sim.data.symbols import load_symbol
from sim.venue.sim_venue import SimVenue

S = 1_000_000_000
MS = 1_000_000
T0 = 1_705_392_000 * S            # 2024-01-16 08:00:00 UTC, a Tuesday
P = 0.00001                        # EURUSD point
IDEAL = ExecutionConfig(commission=False, swaps=False, stop_out=False)


def make_core(rows, mode=AccountMode.NETTING, symbols=("EURUSD",), utc_offset=0, **limits):
    p = sc.Params(rows=tuple(rows))
    acct = AccountConfig(mode="hedging" if mode == AccountMode.HEDGING else "netting")
    syms = symbol_records([load_symbol(s) for s in symbols], acct)
    return DecisionCore(sc, sc.make_params(p), syms, mode, 10_000.0, make_limits(**limits),
                        data=sc.make_data(p), utc_offset=utc_offset)


def decided(core, ts, bid=1.10000, ask=1.10002, s=0):
    """One tick; the (state, retcode, volume) of each order it produced."""
    return [(int(o["state"]), int(o["retcode"]), float(o["volume"]))
            for o in core.tick(ts, s, bid, ask)]


DENIED = int(OrderState.REJECTED)


def account_event(ts, balance, equity, margin=0.0, kind=EventKind.ACCOUNT, timer=0):
    ev = np.zeros(1, event_dt)
    ev[0]["ts"], ev[0]["kind"], ev[0]["timer"] = ts, kind, timer
    ev[0]["balance"], ev[0]["equity"], ev[0]["margin"], ev[0]["as_of"] = balance, equity, margin, ts
    return ev


def closing_fill(ts, profit, cid=0):
    ev = np.zeros(1, event_dt)
    e = ev[0]
    e["ts"], e["kind"], e["cid"], e["type"], e["side"] = ts, EventKind.FILL, cid, OrderType.SELL, -1
    e["entry"], e["volume"], e["price"], e["profit"] = DealEntry.OUT, 0.1, 1.1, profit
    e["balance"] = e["equity"] = 10_000.0 + profit
    e["as_of"] = ts
    return ev


def rule_rows(core):
    ev = core.risk_events
    return [(int(r["rule"]), round(float(r["value"]), 6), round(float(r["threshold"]), 6))
            for r in ev if r["state_from"] == r["state_to"]]


# -- pre-trade rules, hand-computed --

def test_spread_rule():
    # 12 points of spread against a 10-point limit; then exactly 10 points passes
    core = make_core([sc.row(T0, volume=0.1), sc.row(T0 + S, volume=0.1)], max_spread_points=10)
    assert decided(core, T0, 1.10000, 1.10012) == [(DENIED, Retcode.RISK_SPREAD, 0.1)]
    assert decided(core, T0 + S, 1.10000, 1.10010)[0][1] == 0
    assert rule_rows(core) == [(Retcode.RISK_SPREAD, 12.0, 10.0)]


def test_collar_rule_on_priced_orders():
    # mid 1.10001; a buy limit 25 points below mid is outside a 20-point collar, 15 is inside
    rows = [sc.row(T0, Action.NEW, OrderType.BUY_LIMIT, 0.1, price=1.09976),
            sc.row(T0, Action.NEW, OrderType.BUY_LIMIT, 0.1, price=1.09986)]
    core = make_core(rows, collar_points=20)
    out = decided(core, T0)
    assert out[0] == (DENIED, Retcode.RISK_COLLAR, 0.1) and out[1][1] == 0
    assert rule_rows(core) == [(Retcode.RISK_COLLAR, 25.0, 20.0)]


def test_notional_rule_in_account_currency():
    # 1 lot EURUSD bought at 1.10002: 100,000 EUR = 110,002 USD > 100,000; 0.9 lot = 99,001.8
    core = make_core([sc.row(T0, volume=1.0), sc.row(T0, volume=0.9)], max_notional=100_000)
    out = decided(core, T0)
    assert out[0] == (DENIED, Retcode.RISK_MAX_NOTIONAL, 1.0) and out[1][1] == 0
    assert rule_rows(core) == [(Retcode.RISK_MAX_NOTIONAL, 110_002.0, 100_000.0)]


def test_order_lots_rule_applies_to_targets_too():
    # TARGET +1.5 from flat routes a 1.5-lot order: above a 1-lot cap
    core = make_core([sc.target(T0, 1.5), sc.target(T0 + S, 1.0)], max_order_lots=1.0)
    assert decided(core, T0) == [(DENIED, Retcode.RISK_MAX_LOTS, 1.5)]
    assert decided(core, T0 + S) == [(0, 0, 1.0)]


def test_net_position_rule_counts_orders_in_flight():
    # +1.0 in flight, then +0.5 more would be 1.5 net > 1.0; a sell 0.5 reduces: allowed
    rows = [sc.target(T0, 1.0), sc.row(T0 + S, volume=0.5),
            sc.row(T0 + 2 * S, type=OrderType.SELL, volume=0.5)]
    core = make_core(rows, max_position_lots=1.0)
    assert decided(core, T0)[0][1] == 0
    assert decided(core, T0 + S) == [(DENIED, Retcode.RISK_MAX_POSITION, 0.5)]
    assert decided(core, T0 + 2 * S)[0][1] == 0
    assert rule_rows(core) == [(Retcode.RISK_MAX_POSITION, 1.5, 1.0)]


def test_loss_per_trade_and_required_sl():
    # SL 100 points below a 1.10002 entry: 1 lot loses 100,000 * 0.00100 = 100 USD > 50;
    # 0.4 lot loses 40 USD; no SL at all is refused first
    rows = [sc.row(T0, volume=1.0, sl=1.09902), sc.row(T0, volume=0.4, sl=1.09902),
            sc.row(T0, volume=0.1)]
    core = make_core(rows, max_loss_per_trade=50.0)
    out = decided(core, T0)
    assert [o[1] for o in out] == [Retcode.RISK_LOSS_PER_TRADE, 0, Retcode.RISK_NO_SL]
    assert rule_rows(core)[0] == (Retcode.RISK_LOSS_PER_TRADE, 100.0, 50.0)


def test_sessions_and_blackouts_in_server_time():
    # server = UTC+2: T0 is 10:00 server.  Session 10:30-17:00; blackout 23:55-00:10 (wraps)
    h = 3600 * S
    rows = [sc.row(T0, volume=0.1), sc.row(T0 + h // 2, volume=0.1),
            sc.row(T0 + 14 * h - 2 * 60 * S, volume=0.1),      # 23:58 server
            sc.row(T0 + 14 * h + 5 * 60 * S, volume=0.1),      # 00:05 server (next day)
            sc.row(T0 + 14 * h + 10 * 60 * S, volume=0.1)]     # 00:10 server
    core = make_core(rows, utc_offset=2 * h, sessions=["10:30-17:00", "23:00-02:00"],
                     blackouts=["23:55-00:10"])
    got = [decided(core, r[0])[0][1] for r in rows]
    assert got == [Retcode.RISK_SESSION, 0, Retcode.RISK_SESSION, Retcode.RISK_SESSION, 0]
    assert rule_rows(core)[0] == (Retcode.RISK_SESSION, 600.0, 0.0)      # 10:00 = minute 600


def test_stale_quote_rule_and_kill_switch_scope():
    # a tick of GBPUSD at T0+0.6 s triggers an order on EURUSD, last quoted at T0: 600 ms old
    rows = [sc.row(T0 + 600 * MS, volume=0.1, symbol=0), sc.row(T0 + 600 * MS, volume=0.1, symbol=1)]
    core = make_core(rows, symbols=("EURUSD", "GBPUSD"), max_tick_age_ms=500, kill=True,
                     kill_symbol=1)
    decided(core, T0, s=0)
    out = decided(core, T0 + 600 * MS, 1.27000, 1.27002, s=1)
    assert [o[1] for o in out] == [Retcode.RISK_STALE_QUOTE, Retcode.RISK_HALTED]
    assert rule_rows(core)[0] == (Retcode.RISK_STALE_QUOTE, 600.0, 500.0)


def test_throttle_counts_orders_in_a_sliding_window():
    # at most 2 orders per second: orders at 0, 0.4, 0.8 (denied), 1.0 (the first left), 1.3
    times = [0, 400, 800, 1000, 1300, 1399]
    rows = [sc.row(T0 + t * MS, volume=0.1) for t in times]
    core = make_core(rows, max_orders=2, orders_window_s=1.0)
    got = [decided(core, T0 + t * MS)[0][1] for t in times]
    assert got == [0, 0, Retcode.RISK_THROTTLE, 0, Retcode.RISK_THROTTLE, Retcode.RISK_THROTTLE]


# -- state rules: monitors, HALTED, REDUCING, re-arming --

def test_daily_loss_halts_until_the_next_server_day():
    # 5 % of the day's 10,000 opening balance: equity 9,501 is fine, 9,500 breaches
    rows = [sc.row(T0 + 3 * S, volume=0.1), sc.row(T0 + 4 * S, type=OrderType.SELL, volume=0.1),
            sc.row(T0 + 30 * 3600 * S, volume=0.1)]
    core = make_core(rows, daily_loss_pct=5.0)
    core.on_event(account_event(T0 + S, 10_000.0, 9_501.0))
    assert core.record["trading_state"] == TradingState.ACTIVE
    core.on_event(account_event(T0 + 2 * S, 10_000.0, 9_500.0))
    assert core.record["trading_state"] == TradingState.HALTED
    ev = core.risk_events[-1]
    assert (ev["rule"], ev["value"], ev["threshold"], ev["state_to"]) == \
        (Retcode.RISK_DAILY_LOSS, 500.0, 500.0, TradingState.HALTED)
    assert decided(core, T0 + 3 * S)[0][1] == Retcode.RISK_HALTED      # no new exposure
    # the next server midnight re-arms, with the day's basis reset to the balance then
    midnight = T0 + 16 * 3600 * S
    core.on_event(account_event(midnight, 9_500.0, 9_500.0, kind=EventKind.TIMER,
                                timer=TimerKind.DAY))
    assert core.record["trading_state"] == TradingState.ACTIVE
    assert core.record["risk"]["day_balance"] == 9_500.0
    assert decided(core, T0 + 30 * 3600 * S)[0][1] == 0


def test_trailing_drawdown_halts_until_a_command():
    core = make_core([sc.row(T0 + 10 * S, volume=0.1)], max_drawdown_pct=10.0, trailing=True)
    core.on_event(account_event(T0, 11_000.0, 11_000.0))            # the peak
    core.on_event(account_event(T0 + S, 10_000.0, 9_901.0))         # 1,099 < 1,100
    assert core.record["trading_state"] == TradingState.ACTIVE
    core.on_event(account_event(T0 + 2 * S, 10_000.0, 9_900.0))     # 1,100: breach
    assert core.record["trading_state"] == TradingState.HALTED
    core.on_event(account_event(T0 + 3 * S, 9_900.0, 9_900.0, kind=EventKind.TIMER,
                                timer=TimerKind.DAY))
    assert core.record["trading_state"] == TradingState.HALTED    # a day does not re-arm it
    core.set_trading_state(TradingState.ACTIVE, T0 + 4 * S)
    assert core.risk_events[-1]["rule"] == Retcode.RISK_COMMAND
    assert decided(core, T0 + 10 * S)[0][1] == 0


def test_losing_streak_reduces_for_the_cooldown():
    # the closing fills (sells of 0.1, with no position known) leave the core net short
    # 0.6: a further sell adds exposure, a buy would reduce it
    rows = [sc.row(T0 + 10 * S, type=OrderType.SELL, volume=0.1),
            sc.row(T0 + 70 * S, type=OrderType.SELL, volume=0.1)]
    core = make_core(rows, max_consecutive_losses=3, cooldown_s=60.0)
    for k, profit in enumerate([-5.0, -1.0, 2.0, -3.0, -4.0]):
        core.on_event(closing_fill(T0 + k * MS, profit))
    assert core.record["trading_state"] == TradingState.ACTIVE      # a win broke the streak
    core.on_event(closing_fill(T0 + 9 * S, -1.0))
    assert core.record["trading_state"] == TradingState.REDUCING
    assert decided(core, T0 + 10 * S)[0][1] == Retcode.RISK_HALTED
    assert decided(core, T0 + 70 * S)[0][1] == 0                    # 9 s + 60 s passed
    changes = [(int(r["rule"]), int(r["state_to"])) for r in core.risk_events
               if r["state_from"] != r["state_to"]]
    assert changes == [(Retcode.RISK_LOSS_STREAK, TradingState.REDUCING),
                       (Retcode.RISK_REARM, TradingState.ACTIVE)]


def test_halt_cancels_pendings_and_flattens_through_the_venue():
    rows = [sc.row(T0, volume=0.3), sc.row(T0, Action.NEW, OrderType.BUY_LIMIT, 0.1, price=1.09)]
    acct = AccountConfig(mode="hedging")
    venue = SimVenue.create([load_symbol("EURUSD")], IDEAL, acct, T0, T0 + 10 * S)
    p = sc.Params(rows=tuple(rows))
    core = DecisionCore(sc, sc.make_params(p), venue.syms, AccountMode.HEDGING, 10_000.0,
                        make_limits(flatten_on_halt=True), data=sc.make_data(p))
    venue.feed_tick(core, T0, 0, 1.10000, 1.10002)
    venue.feed_tick(core, T0 + S, 0, 1.10000, 1.10002)
    assert core.record["n_pending"] == 1 and core.record["quote"][0]["net"] == 0.3
    out = core.set_trading_state(TradingState.HALTED, T0 + 2 * S)
    assert [(int(o["action"]), round(float(o["volume"]), 6)) for o in out] == \
        [(Action.CANCEL, 0.0), (Action.CLOSE, 0.3)]


# -- properties --

ACTIONS = st.tuples(st.integers(0, 3), st.sampled_from([0.1, 0.2, 0.5, 1.0, 2.0]),
                    st.integers(1, 700))


@settings(max_examples=60, deadline=None)
@given(script=st.lists(ACTIONS, min_size=1, max_size=40),
       cap=st.sampled_from([0.5, 1.0, 1.5]), max_orders=st.integers(1, 4))
def test_no_accepted_order_breaks_a_cap_or_the_throttle(script, cap, max_orders):
    rows, t = [], T0
    for kind, vol, gap_ms in script:
        t += gap_ms * MS
        if kind == 0:
            rows.append(sc.target(t, vol if gap_ms % 2 else -vol))
        else:
            rows.append(sc.row(t, type=OrderType.BUY if kind == 1 else OrderType.SELL, volume=vol))
    core = make_core(rows, max_order_lots=cap, max_position_lots=cap, max_orders=max_orders,
                     orders_window_s=1.0)
    sent = []
    for r in rows:
        for o in core.tick(int(r[0]), 0, 1.1, 1.10002):
            if o["state"] != OrderState.REJECTED:
                sent.append(int(o["signal_ts"]))
                assert o["volume"] <= cap + 1e-9
        q = core.record["quote"][0]
        assert abs(q["net"] + q["working"]) <= cap + 1e-9
    sent = np.array(sent)
    for k in range(len(sent)):           # any 1-second window holds at most max_orders orders
        assert ((sent > sent[k] - S) & (sent <= sent[k])).sum() <= max_orders


@settings(max_examples=40, deadline=None)
@given(script=st.lists(ACTIONS, min_size=1, max_size=30), breach_at=st.integers(0, 29))
def test_after_a_daily_loss_breach_only_reducing_orders_until_the_reset(script, breach_at):
    rows, t = [], T0
    for kind, vol, gap_ms in script:
        t += gap_ms * MS
        rows.append(sc.target(t, vol if kind % 2 else -vol) if kind < 2 else
                    sc.row(t, type=OrderType.BUY if kind == 2 else OrderType.SELL, volume=vol))
    core = make_core(rows, daily_loss_pct=3.0)
    halted = False
    for i, r in enumerate(rows):
        if i == breach_at:
            core.on_event(account_event(int(r[0]), 10_000.0, 9_600.0))
            halted = True
        before = core.record["quote"][0]["net"] + core.record["quote"][0]["working"]
        for o in core.tick(int(r[0]), 0, 1.1, 1.10002):
            if halted and o["state"] != OrderState.REJECTED:
                after = core.record["quote"][0]["net"] + core.record["quote"][0]["working"]
                assert abs(after) <= abs(before) + 1e-9      # nothing added exposure
    if halted:
        assert core.record["trading_state"] == TradingState.HALTED


# -- config --

@pytest.mark.parametrize("group", ["default", "off", "prop_firm", "production"])
def test_every_risk_group_defines_every_key_and_takes_overrides(group):
    from pathlib import Path

    import yaml

    from sim.api import compose
    from sim.core_config import RISK_KEYS, risk_limits

    conf = yaml.safe_load((Path(__file__).resolve().parents[2] / "conf" / "risk"
                           / f"{group}.yaml").read_text())
    assert set(conf) == set(RISK_KEYS) | {"name"}
    cfg = compose([f"risk={group}", "risk.max_orders=3", "risk.kill_scope=EURUSD"])
    args = risk_limits(cfg, ["EURUSD"])
    assert args["max_orders"] == 3 and args["kill_symbol"] == 0
    limits = make_limits(**args)[0]
    assert limits["max_orders"] == 3 and limits["orders_window"] == round(
        conf["orders_window_s"] * S)


def test_kill_takes_a_scope_directly():
    from sim.api import compose
    from sim.core_config import risk_limits

    assert risk_limits(compose(["risk.kill=GBPUSD"]), ["EURUSD", "GBPUSD"])["kill_symbol"] == 1
    args = risk_limits(compose(["risk.kill=all"]), ["EURUSD"])
    assert args["kill"] is True and "kill_symbol" not in args
