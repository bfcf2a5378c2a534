"""The risk stage at its edges, worked out by hand: the monitors (which events start a
day, a breakeven trade, small percentages, the equity basis), what counts as reducing on
a netting account, the limits' exact boundaries, windows given alone, the throttle's
ring wrapping, and what a halt closes.  Each case pins a mutant of ``sim/core/risk.py``
that survived the rest of the suite (docs/execution.md, "Mutation testing")."""

from __future__ import annotations

import pytest
from test_risk_book_rules import (
    DENIED,
    MS,
    OK,
    T0,
    S,
    a_fill,
    account,
    closing,
    core_for,
    denials,
    fates,
)

import strategies.scripted as sc
from sim.config import AccountConfig, ExecutionConfig
from sim.core.decision import DecisionCore
from sim.core.enums import AccountMode, Action, EventKind, OrderType, Retcode, TimerKind
from sim.core.enums import TradingState as TS
from sim.core.state import make_limits
from sim.data.symbols import load_symbol
from sim.venue.sim_venue import SimVenue

IDEAL = ExecutionConfig(commission=False, swaps=False, stop_out=False)


def test_only_a_day_timer_starts_a_new_day():
    core = core_for([sc.row(T0 + 3 * S, volume=0.1)], max_fills_per_day=1)
    core.on_event(a_fill(T0 + S))
    core.on_event(account(T0 + 2 * S, 10_000.0, 0.0, kind=EventKind.TIMER,
                          timer=TimerKind.WAKE))
    assert fates(core, T0 + 3 * S) == [(DENIED, Retcode.RISK_MAX_FILLS)]


def test_a_breakeven_trade_neither_extends_nor_breaks_a_streak():
    core = core_for([], max_consecutive_losses=3)
    for k, profit in enumerate([-1.0, -1.0, 0.0]):
        core.on_event(closing(T0 + k * S, profit))
    assert core.record["trading_state"] == TS.ACTIVE
    core.on_event(closing(T0 + 5 * S, -1.0))
    assert core.record["trading_state"] == TS.REDUCING


def test_drawdown_below_one_percent_and_the_row_it_logs():
    # 0.5 % of 10,000 is 50: equity 9,951 is fine, 9,950 halts; the row says 50 of 50
    core = core_for([], max_drawdown_pct=0.5)
    core.on_event(account(T0, 9_951.0, 0.0))
    assert core.record["trading_state"] == TS.ACTIVE
    core.on_event(account(T0 + S, 9_950.0, 0.0))
    row = core.risk_events[-1]
    assert (int(row["state_to"]), int(row["rule"]), float(row["value"]),
            float(row["threshold"])) == (TS.HALTED, Retcode.RISK_DRAWDOWN, 50.0, 50.0)


def test_daily_loss_on_the_equity_basis_measures_from_the_days_opening_equity():
    # the day opens with balance 10,000 and equity 9,000 (an open loss); 5 %: on equity,
    # 450 of room (8,600 is 400 down: fine); on balance, 500 (8,600 is 1,400 down: halts)
    day = account(T0, 9_000.0, 0.0, kind=EventKind.TIMER, timer=TimerKind.DAY)
    states = []
    for basis in ("equity", "balance"):
        core = core_for([], daily_loss_pct=5.0, daily_basis=basis)
        core.on_event(day)
        core.on_event(account(T0 + S, 8_600.0, 0.0))
        states.append(int(core.record["trading_state"]))
    assert states == [TS.ACTIVE, TS.HALTED]


def test_small_margin_level_and_fills_limits_apply():
    core = core_for([sc.row(T0 + S, volume=0.1)], min_margin_level_pct=0.5)
    core.on_event(account(T0, 4.0, 1_000.0))                       # 0.4 %
    assert fates(core, T0 + S) == [(DENIED, Retcode.RISK_MARGIN_LEVEL)]
    core = core_for([sc.row(T0 + 2 * S, volume=0.1)], max_fills_per_day=1)
    core.on_event(a_fill(T0 + S))
    assert fates(core, T0 + 2 * S) == [(DENIED, Retcode.RISK_MAX_FILLS)]


def test_loss_per_trade_below_one_unit_of_money():
    # 0.01 lot, SL 1 point under a 1.10002 ask: 0.01 x 100,000 x 0.00001 = 0.01 USD; 6
    # points: 0.06 > 0.05
    rows = [sc.row(T0, volume=0.01, sl=1.09996), sc.row(T0, volume=0.01, sl=1.10001)]
    core = core_for(rows, max_loss_per_trade=0.05)
    assert fates(core, T0) == [(DENIED, Retcode.RISK_LOSS_PER_TRADE), (0, OK)]


def test_boundaries_are_inclusive_notional_and_collar():
    # 1 lot at an ask of 1.5 is 150,000 USD exactly: allowed at 150,000
    core = core_for([sc.row(T0, volume=1.0)], max_notional=150_000.0)
    assert fates(core, T0, 1.49998, 1.5) == [(0, OK)]
    # a price below 1.0 is still collared; 20.5 points from mid is outside a 20-point
    # collar (mid 0.90001: 0.899805 is 20.5 points under it)
    rows = [sc.row(T0, Action.NEW, OrderType.BUY_LIMIT, 0.1, price=0.899805),
            sc.row(T0, Action.NEW, OrderType.BUY_LIMIT, 0.1, price=0.89981)]
    core = core_for(rows, collar_points=20)
    assert fates(core, T0, 0.90000, 0.90002) == [(DENIED, Retcode.RISK_COLLAR), (0, OK)]


def test_a_pending_order_without_a_price_is_valued_at_the_quote():
    rows = [sc.row(T0, Action.NEW, OrderType.BUY_LIMIT, 1.0, price=0.0)]
    core = core_for(rows, max_notional=100_000.0)
    assert fates(core, T0) == [(DENIED, Retcode.RISK_MAX_NOTIONAL)]


def test_windows_given_alone():
    # only a blackout (23:00-01:00): 08:00 trades; only a session: see test_risk_book_rules
    core = core_for([sc.row(T0, volume=0.1)], blackouts=["23:00-01:00"])
    assert fates(core, T0) == [(0, OK)]


def test_a_fresh_quote_passes_the_age_rule():
    core = core_for([sc.row(T0, volume=0.1)], max_tick_age_ms=500)
    assert fates(core, T0) == [(0, OK)]


def test_reducing_on_a_netting_account_is_against_the_position_without_reversing_it():
    # long 1.0 (a fill), then HALTED: a sell of 0.5 reduces (allowed), a sell of 1.5 would
    # reverse to short 0.5 (denied), a buy adds (denied)
    rows = [sc.row(T0 + S, type=OrderType.SELL, volume=1.5),
            sc.row(T0 + S, type=OrderType.SELL, volume=0.5),
            sc.row(T0 + S, volume=0.1)]
    core = core_for(rows)
    fill = a_fill(T0)
    fill[0]["volume"] = 1.0
    core.on_event(fill)
    core.set_trading_state(TS.HALTED, T0)
    assert fates(core, T0 + S) == [(DENIED, Retcode.RISK_HALTED), (0, OK),
                                   (DENIED, Retcode.RISK_HALTED)]


def test_the_throttles_ring_wraps_around():
    # 300 orders 10 ms apart with at most 2 per 5 ms: every one passes, the ring of 256
    # send times wrapping past its end
    rows = [sc.row(T0 + k * 10 * MS, volume=0.01) for k in range(300)]
    core = core_for(rows, max_orders=2, orders_window_s=0.005)
    got = [fates(core, T0 + k * 10 * MS)[0][1] for k in range(300)]
    assert got == [OK] * 300



@pytest.mark.parametrize("before", [257, 510])
def test_the_throttle_still_counts_across_the_rings_end(before):
    # ``before`` orders 10 ms apart, then three in one instant with at most 2 per 5 ms: the
    # third is refused.  After 257 the newest send times sit just past the ring's end; after
    # 510 (two laps of 256, less one) the instant's orders straddle slot 0, which a ring
    # wrapping to slot 1 would never write again (counting a stale time, it lets one more by)
    rows = [sc.row(T0 + k * 10 * MS, volume=0.01) for k in range(before)]
    t = T0 + before * 10 * MS
    core = core_for(rows + [sc.row(t, volume=0.01)] * 3, max_orders=2, orders_window_s=0.005)
    for k in range(before):
        assert fates(core, T0 + k * 10 * MS)[0][1] == OK
    assert [o[1] for o in fates(core, t)] == [OK, OK, Retcode.RISK_THROTTLE]


def test_a_halt_closes_each_open_position_once_and_no_closed_one():
    # hedging: A opened and closed (its book slot inactive), B and C open
    rows = [sc.row(T0, volume=0.1), sc.row(T0 + S, Action.CLOSE, volume=0.1, ticket=1001),
            sc.row(T0 + 2 * S, volume=0.2), sc.row(T0 + 3 * S, volume=0.3)]
    venue = SimVenue.create([load_symbol("EURUSD")], IDEAL, AccountConfig(mode="hedging"), T0,
                            T0 + 10 * S)
    p = sc.Params(rows=tuple(rows))
    core = DecisionCore(sc, sc.make_params(p), venue.syms, AccountMode.HEDGING, 10_000.0,
                        make_limits(flatten_on_halt=True), data=sc.make_data(p))
    for k in range(5):
        venue.feed_tick(core, T0 + k * S, 0, 1.10000, 1.10002)
    book = core.record["book"]
    open_ = sorted((int(b["ticket"]), round(float(b["volume"]), 6)) for b in book if b["active"])
    assert len(open_) == 2
    out = core.set_trading_state(TS.HALTED, T0 + 5 * S)
    assert sorted((int(o["action"]), int(o["pos_ticket"]), round(float(o["volume"]), 6))
                  for o in out) == [(Action.CLOSE, t, v) for t, v in open_]
    # halted again later: nothing left to close (both closes are in flight)
    assert len(core.set_trading_state(TS.HALTED, T0 + 5 * S + 1)) == 0
    assert denials(core) == []


def test_the_conversion_pair_may_be_the_first_symbol():
    # USDJPY first, GBPJPY second: JPY -> USD at USDJPY's mid 150.01, not a fixed rate
    usd = AccountConfig(currency="USD", rates={"GBPUSD": 1.27, "USDJPY": 100.0})
    rows = [sc.row(T0 + S, volume=1.0, symbol=1)]
    core = core_for(rows, symbols=("USDJPY", "GBPJPY"), account=usd, max_notional=126_659.0)
    core.tick(T0, 0, 150.00, 150.02)
    assert fates(core, T0 + S, 190.000, 190.002, s=1) == [(DENIED, Retcode.RISK_MAX_NOTIONAL)]
    assert denials(core)[0][1] == round(19_000_200 / 150.01, 6)


def test_a_hedge_that_lowers_a_net_position_above_the_cap_is_allowed():
    # hedging, long 0.3 with a 0.1 cap (the cap was lowered): a sell of 0.1 leaves 0.2 net,
    # still above the cap but lower: allowed; a buy of 0.1 is refused
    rows = [sc.row(T0, volume=0.3), sc.row(T0 + S, type=OrderType.SELL, volume=0.1),
            sc.row(T0 + 2 * S, volume=0.1)]
    venue = SimVenue.create([load_symbol("EURUSD")], IDEAL, AccountConfig(mode="hedging"), T0,
                            T0 + 4 * S)
    p = sc.Params(rows=tuple(rows))
    core = DecisionCore(sc, sc.make_params(p), venue.syms, AccountMode.HEDGING, 10_000.0,
                        make_limits(), data=sc.make_data(p))
    seen = []
    venue.feed_tick(core, T0, 0, 1.10000, 1.10002)
    core.state[0]["limits"]["max_position_lots"] = 0.1
    for k in (1, 2, 3):
        venue.feed_tick(core, T0 + k * S, 0, 1.10000, 1.10002,
                        on_orders=lambda o, ts: seen.extend(int(x["retcode"]) for x in o))
    assert seen == [OK, Retcode.RISK_MAX_POSITION]


def test_unknown_money_bases_never_fire_a_loss_rule_and_known_ones_do():
    # a live core before the broker's first figures (NaN bases: sim.core.state.RISK_BASIS),
    # then an account at a tenth of the configured 10 000
    core = core_for([], daily_loss_pct=1.0, max_drawdown_pct=1.0, trailing=True)
    nan = float("nan")
    core.set_risk_basis(day_balance=nan, day_equity=nan, start_equity=nan, peak_equity=nan)
    core.on_event(account(T0, 1_000.0, 0.0))
    assert core.record["trading_state"] == TS.ACTIVE
    # the broker's figures as the basis: 990 is 1 % under 1 000, the daily loss HALTS
    core.set_risk_basis(day_balance=1_000.0, day_equity=1_000.0, start_equity=1_000.0,
                        peak_equity=1_000.0, fills_day=3)
    assert core.risk_basis() == {"day_balance": 1_000.0, "day_equity": 1_000.0,
                                 "start_equity": 1_000.0, "peak_equity": 1_000.0,
                                 "fills_day": 3, "consecutive_losses": 0}
    core.on_event(account(T0 + S, 995.0, 0.0))
    assert core.record["trading_state"] == TS.ACTIVE
    core.on_event(account(T0 + 2 * S, 990.0, 0.0))
    assert core.record["trading_state"] == TS.HALTED
    assert int(core.risk_events[-1]["rule"]) == Retcode.RISK_DRAWDOWN     # checked first
    with pytest.raises(KeyError, match="not a risk basis"):
        core.set_risk_basis(balance=1.0)


def test_a_server_day_before_the_brokers_figures_keeps_the_bases_unknown():
    # a resumed live core whose view is stale (or 0/0) when a server midnight comes before
    # the first snapshot: the new day must not take that view as its basis and HALT
    core = core_for([], daily_loss_pct=2.0, max_drawdown_pct=5.0)
    nan = float("nan")
    core.set_risk_basis(day_balance=nan, day_equity=nan, start_equity=nan, peak_equity=nan,
                        fills_day=4)
    ev = account(T0, 0.0, 0.0, kind=EventKind.TIMER, timer=TimerKind.DAY)
    ev[0]["balance"] = 0.0
    core.on_event(ev)
    basis = core.risk_basis()
    assert core.record["trading_state"] == TS.ACTIVE
    assert all(basis[k] != basis[k] for k in ("day_balance", "day_equity", "start_equity"))
    assert basis["fills_day"] == 0                       # the day's count still restarts


def test_with_the_kill_switch_on_a_target_of_zero_still_closes_a_hedge():
    # hedging, long 0.1 and short 0.1 (net 0), then the kill switch: TARGET 0 adds no
    # exposure (it only closes both legs), so it passes; a TARGET equal to the net is no
    # new exposure either.  (It was denied: 0 is not less than 0.)
    rows = [sc.row(T0, volume=0.1), sc.row(T0 + S, type=OrderType.SELL, volume=0.1),
            sc.target(T0 + 3 * S, 0.0), sc.target(T0 + 4 * S, 0.0)]
    p = sc.Params(rows=tuple(rows))
    venue = SimVenue.create([load_symbol("EURUSD")], IDEAL, AccountConfig(mode="hedging"),
                            T0, T0 + 6 * S)
    core = DecisionCore(sc, sc.make_params(p), venue.syms, AccountMode.HEDGING, 10_000.0,
                        make_limits(), data=sc.make_data(p))
    for k in range(6):
        if k == 2:
            core.record["limits"]["kill"] = True
        venue.feed_tick(core, T0 + k * S, 0, 1.1, 1.10002)
    o = venue.state.journals()["orders"]
    assert [(int(x["action"]), int(x["retcode"])) for x in o] == \
        [(Action.NEW, 0), (Action.NEW, 0), (Action.CLOSE, 0), (Action.CLOSE, 0)]
    assert not core.record["book"]["active"].any()
    assert core.risk_events.size == 0                     # and no denial journaled
