"""The risk rules that read the book, the pending orders, the account and the conversion
rates, with hand-computed thresholds: gross lots, open positions, pending orders, margin
level, fills per day, notional in another currency, and the throttle's edges (its window
boundary, cancels, a hedging TARGET's several orders).  Each case was missing until a
mutation run of ``sim/core/risk.py`` showed that no test pinned it (docs/execution.md,
"Mutation testing").  Driven through ``DecisionCore`` (and ``SimVenue`` where fills
matter), exactly as live drives them."""

from __future__ import annotations

import numpy as np

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
IDEAL = ExecutionConfig(commission=False, swaps=False, stop_out=False)
DENIED = int(OrderState.REJECTED)
OK = 0


def core_for(rows, symbols=("EURUSD",), mode=AccountMode.NETTING, account=None, **limits):
    p = sc.Params(rows=tuple(rows))
    acct = account or AccountConfig(mode="hedging" if mode == AccountMode.HEDGING else "netting")
    syms = symbol_records([load_symbol(s) for s in symbols], acct)
    return DecisionCore(sc, sc.make_params(p), syms, mode, 10_000.0, make_limits(**limits),
                        data=sc.make_data(p))


def fates(core, ts, bid=1.10000, ask=1.10002, s=0):
    """One tick; the (state, retcode) of each order it produced."""
    return [(int(o["state"]), int(o["retcode"])) for o in core.tick(ts, s, bid, ask)]


def traded(rows, hedging=False, ticks=8, **limits):
    """Feed a tick per second through the simulated venue (fills are booked); the (state,
    retcode) of every order made, and the core."""
    mode = AccountMode.HEDGING if hedging else AccountMode.NETTING
    venue = SimVenue.create([load_symbol("EURUSD")], IDEAL,
                            AccountConfig(mode="hedging" if hedging else "netting"), T0,
                            T0 + ticks * S)
    p = sc.Params(rows=tuple(rows))
    core = DecisionCore(sc, sc.make_params(p), venue.syms, mode, 10_000.0,
                        make_limits(**limits), data=sc.make_data(p))
    seen = []

    def keep(orders, ts):
        seen.extend((int(o["state"]), int(o["retcode"])) for o in orders)

    for k in range(ticks):
        venue.feed_tick(core, T0 + k * S, 0, 1.10000, 1.10002, on_orders=keep)
    return seen, core


def denials(core):
    return [(int(r["rule"]), round(float(r["value"]), 6), round(float(r["threshold"]), 6))
            for r in core.risk_events if r["state_from"] == r["state_to"]]


def account(ts, equity, margin, kind=EventKind.ACCOUNT, timer=0):
    ev = np.zeros(1, event_dt)
    e = ev[0]
    e["ts"], e["kind"], e["timer"] = ts, kind, timer
    e["balance"], e["equity"], e["margin"], e["as_of"] = 10_000.0, equity, margin, ts
    return ev


def a_fill(ts):
    ev = account(ts, 10_000.0, 0.0, kind=EventKind.FILL)
    e = ev[0]
    e["type"], e["side"], e["entry"], e["volume"], e["price"] = OrderType.BUY, 1, \
        DealEntry.IN, 0.1, 1.1
    return ev


def test_gross_lots_count_every_position_and_what_is_in_flight():
    # hedging: long 0.3 and short 0.1 are 0.4 gross; a buy of 0.2 would make 0.6 > 0.5; a
    # buy of 0.1 makes exactly 0.5 (allowed)
    rows = [sc.row(T0, volume=0.3), sc.row(T0 + S, type=OrderType.SELL, volume=0.1),
            sc.row(T0 + 2 * S, volume=0.2), sc.row(T0 + 3 * S, volume=0.1)]
    seen, core = traded(rows, hedging=True, max_gross_lots=0.5)
    assert seen == [(0, OK), (0, OK), (DENIED, Retcode.RISK_MAX_GROSS), (0, OK)]
    assert denials(core) == [(Retcode.RISK_MAX_GROSS, 0.6, 0.5)]


def test_open_positions_cap_counts_positions_not_pending_orders():
    # hedging, at most 2 open: the third buy is refused; a pending order is not a
    # position; after closing one ticket a buy opens again
    rows = [sc.row(T0, volume=0.1), sc.row(T0 + S, volume=0.1), sc.row(T0 + 2 * S, volume=0.1),
            sc.row(T0 + 3 * S, Action.NEW, OrderType.BUY_LIMIT, 0.1, price=1.09),
            sc.row(T0 + 4 * S, Action.CLOSE, volume=0.1, ticket=1001),
            sc.row(T0 + 5 * S, volume=0.1)]
    seen, core = traded(rows, hedging=True, max_open_positions=2)
    assert seen == [(0, OK), (0, OK), (DENIED, Retcode.RISK_MAX_POSITIONS), (0, OK), (0, OK),
                    (0, OK)]
    assert denials(core) == [(Retcode.RISK_MAX_POSITIONS, 2.0, 2.0)]


def test_netting_adds_to_its_one_position_under_an_open_positions_cap():
    # netting, at most 1 open: adding to the position (or reversing it) opens none
    rows = [sc.row(T0, volume=0.1), sc.row(T0 + S, volume=0.2),
            sc.row(T0 + 2 * S, type=OrderType.SELL, volume=0.5)]
    seen, core = traded(rows, max_open_positions=1)
    assert seen == [(0, OK), (0, OK), (0, OK)]
    assert round(float(core.record["quote"][0]["net"]), 8) == -0.2


def test_pending_orders_cap_counts_pending_orders_only():
    # one pending order works: a second is refused, a market order is not a pending one
    rows = [sc.row(T0, Action.NEW, OrderType.BUY_LIMIT, 0.1, price=1.09),
            sc.row(T0 + S, Action.NEW, OrderType.SELL_LIMIT, 0.1, price=1.11),
            sc.row(T0 + 2 * S, volume=0.1)]
    seen, core = traded(rows, max_pending_orders=1)
    assert seen == [(0, OK), (DENIED, Retcode.RISK_MAX_PENDING), (0, OK)]
    assert denials(core) == [(Retcode.RISK_MAX_PENDING, 1.0, 1.0)]


def test_margin_level_is_equity_over_margin_in_percent():
    # equity 1,200 on 1,000 of margin is 120 % < 150 %: refused; 1,500 is exactly 150 %:
    # allowed; no margin at all: no level, allowed
    rows = [sc.row(T0 + S, volume=0.1), sc.row(T0 + 3 * S, volume=0.1),
            sc.row(T0 + 5 * S, volume=0.1)]
    core = core_for(rows, min_margin_level_pct=150.0)
    core.on_event(account(T0, 1_200.0, 1_000.0))
    assert fates(core, T0 + S) == [(DENIED, Retcode.RISK_MARGIN_LEVEL)]
    core.on_event(account(T0 + 2 * S, 1_500.0, 1_000.0))
    assert fates(core, T0 + 3 * S) == [(0, OK)]
    core.on_event(account(T0 + 4 * S, 1_500.0, 0.0))
    assert fates(core, T0 + 5 * S) == [(0, OK)]
    assert denials(core) == [(Retcode.RISK_MARGIN_LEVEL, 120.0, 150.0)]


def test_fills_per_day_stop_new_exposure_until_the_server_day_turns():
    rows = [sc.row(T0 + 3 * S, volume=0.1), sc.row(T0 + 20 * 3600 * S, volume=0.1)]
    core = core_for(rows, max_fills_per_day=2)
    core.on_event(a_fill(T0 + S))
    core.on_event(a_fill(T0 + 2 * S))
    assert fates(core, T0 + 3 * S) == [(DENIED, Retcode.RISK_MAX_FILLS)]
    core.on_event(account(T0 + 16 * 3600 * S, 10_000.0, 0.0, kind=EventKind.TIMER,
                          timer=TimerKind.DAY))
    assert fates(core, T0 + 20 * 3600 * S) == [(0, OK)]
    assert denials(core) == [(Retcode.RISK_MAX_FILLS, 2.0, 2.0)]


def test_notional_converts_the_profit_currency_at_a_fixed_rate():
    # GBPJPY on a USD account, USDJPY fixed at 150: 1 lot at 190.002 is 19,000,200 JPY =
    # 126,668 USD > 126,000; 0.99 lot is 125,401.32 USD
    usd = AccountConfig(currency="USD", rates={"USDJPY": 150.0, "GBPUSD": 1.27})
    rows = [sc.row(T0, volume=1.0), sc.row(T0, volume=0.99)]
    core = core_for(rows, symbols=("GBPJPY",), account=usd, max_notional=126_000.0)
    assert fates(core, T0, 190.000, 190.002) == [(DENIED, Retcode.RISK_MAX_NOTIONAL), (0, OK)]
    assert denials(core) == [(Retcode.RISK_MAX_NOTIONAL, 126_668.0, 126_000.0)]
    # EURUSD on a CHF account, USDCHF fixed at 0.88 (a rate below 1): 1 lot at 1.10002 is
    # 110,002 USD = 96,801.76 CHF < 97,000; 1.1 lots is 106,481.936 CHF
    chf = AccountConfig(currency="CHF", rates={"USDCHF": 0.88, "EURCHF": 0.95})
    rows = [sc.row(T0, volume=1.0), sc.row(T0, volume=1.1)]
    core = core_for(rows, account=chf, max_notional=97_000.0)
    assert fates(core, T0) == [(0, OK), (DENIED, Retcode.RISK_MAX_NOTIONAL)]
    assert denials(core) == [(Retcode.RISK_MAX_NOTIONAL, 106_481.936, 97_000.0)]


def test_notional_converts_at_the_conversion_pairs_mid_and_refuses_without_a_quote():
    # GBPJPY and USDJPY replayed together: JPY -> USD at USDJPY's mid, 150.01 (150.00 /
    # 150.02); before USDJPY's first quote there is no rate: refused, not guessed
    rows = [sc.row(T0, volume=1.0), sc.row(T0 + S, volume=1.0)]
    usd = AccountConfig(currency="USD", rates={"GBPUSD": 1.27})      # (for the margin)
    core = core_for(rows, symbols=("GBPJPY", "USDJPY"), account=usd, max_notional=1e9)
    assert fates(core, T0, 190.000, 190.002) == [(DENIED, Retcode.RISK_MAX_NOTIONAL)]
    assert denials(core)[0][1] == np.inf
    core.tick(T0 + S // 2, 1, 150.00, 150.02)
    out = core.tick(T0 + S, 0, 190.000, 190.002)
    assert [int(o["retcode"]) for o in out] == [OK]
    core2 = core_for(rows[1:], symbols=("GBPJPY", "USDJPY"), account=usd,
                     max_notional=126_659.0)
    core2.tick(T0 + S // 2, 1, 150.00, 150.02)
    assert fates(core2, T0 + S, 190.000, 190.002) == [(DENIED, Retcode.RISK_MAX_NOTIONAL)]
    assert denials(core2) == [(Retcode.RISK_MAX_NOTIONAL, round(19_000_200 / 150.01, 6),
                               126_659.0)]


def test_stale_quote_rule_allows_a_quote_exactly_as_old_as_the_limit():
    rows = [sc.row(T0 + 500 * MS, volume=0.1, symbol=0), sc.row(T0 + 1001 * MS, volume=0.1)]
    core = core_for(rows, symbols=("EURUSD", "GBPUSD"), max_tick_age_ms=500)
    core.tick(T0, 0, 1.10000, 1.10002)
    assert fates(core, T0 + 500 * MS, 1.27000, 1.27002, s=1) == [(0, OK)]       # 500 ms old
    assert fates(core, T0 + 1001 * MS, 1.27000, 1.27002, s=1) == \
        [(DENIED, Retcode.RISK_STALE_QUOTE)]                                     # 1,001 ms


def test_throttle_forgets_orders_older_than_its_window():
    # 2 per second: orders at 0 and 0.1 s are both out of the window at 1.5 s
    times = [0, 100, 1500, 1550]
    core = core_for([sc.row(T0 + t * MS, volume=0.1) for t in times], max_orders=2,
                    orders_window_s=1.0)
    assert [fates(core, T0 + t * MS)[0][1] for t in times] == [OK, OK, OK, OK]


def test_throttle_never_counts_cancels():
    rows = [sc.row(T0, Action.NEW, OrderType.BUY_LIMIT, 0.1, price=1.09),
            sc.row(T0 + MS, Action.CANCEL, OrderType.BUY_LIMIT, ticket=5),
            sc.row(T0 + 2 * MS, volume=0.1), sc.row(T0 + 3 * MS, volume=0.1)]
    core = core_for(rows, max_orders=2, orders_window_s=1.0)
    got = [fates(core, T0 + k * MS)[0][1] for k in range(4)]
    assert got == [OK, OK, OK, Retcode.RISK_THROTTLE]


def test_throttle_counts_every_order_a_hedging_target_makes():
    # two long tickets: TARGET -0.1 makes 3 orders (2 closes, 1 open); with 2 sent, a cap of
    # 4 refuses it (2 + 3 > 4), a cap of 5 lets it through
    rows = [sc.row(T0, volume=0.1), sc.row(T0 + S, volume=0.1), sc.target(T0 + 2 * S, -0.1)]
    seen, core = traded(rows, hedging=True, ticks=4, max_orders=4, orders_window_s=10.0)
    assert seen == [(0, OK), (0, OK), (DENIED, Retcode.RISK_THROTTLE)]
    assert denials(core) == [(Retcode.RISK_THROTTLE, 2.0, 4.0)]
    seen, _ = traded(rows, hedging=True, ticks=4, max_orders=5, orders_window_s=10.0)
    assert seen == [(0, OK)] * 5


def test_throttle_counts_the_closes_a_hedging_target_makes_on_its_own_side_too():
    # long 0.1 x 3 and short 0.3: TARGET 0.1 closes two longs and the short (3 orders; the
    # net delta is a buy, yet two of them close buys).  Counted as every ticket of the
    # symbol plus an open (5): with 4 sent, a cap of 6 refuses it (it used to count 2 and
    # send 3: 7 orders in the window); a cap of 9 lets it through
    rows = [sc.row(T0 + k * S, volume=0.1) for k in range(3)] + \
        [sc.row(T0 + 3 * S, type=OrderType.SELL, volume=0.3), sc.target(T0 + 4 * S, 0.1)]
    seen, core = traded(rows, hedging=True, ticks=6, max_orders=6, orders_window_s=10.0)
    assert seen == [(0, OK)] * 4 + [(DENIED, Retcode.RISK_THROTTLE)]
    assert denials(core) == [(Retcode.RISK_THROTTLE, 4.0, 6.0)]
    seen, _ = traded(rows, hedging=True, ticks=6, max_orders=9, orders_window_s=10.0)
    assert seen == [(0, OK)] * 7


def test_a_state_change_row_names_no_symbol_and_no_order():
    core = core_for([], daily_loss_pct=5.0)
    core.on_event(account(T0, 9_000.0, 0.0))
    row = core.risk_events[-1]
    assert (int(row["state_to"]), int(row["symbol"]), int(row["cid"])) == \
        (TradingState.HALTED, -1, 0)


def closing(ts, profit, commission=0.0, swap=0.0):
    ev = a_fill(ts)
    e = ev[0]
    e["type"], e["side"], e["entry"] = OrderType.SELL, -1, DealEntry.OUT
    e["profit"], e["commission"], e["swap"] = profit, commission, swap
    return ev


def test_losing_streak_counts_commission_and_swap_and_starts_over_after_the_cooldown():
    # a trade's result is profit + commission + swap: +1.00 of profit with -2.00 of swap
    # (or -1.50 of commission) is a loss
    core = core_for([], max_consecutive_losses=3, cooldown_s=60.0)
    core.on_event(closing(T0, 1.0, swap=-2.0))
    core.on_event(closing(T0 + S, 1.0, commission=-1.5))
    assert core.record["trading_state"] == TradingState.ACTIVE
    core.on_event(closing(T0 + 2 * S, -0.5))
    assert core.record["trading_state"] == TradingState.REDUCING
    # exactly 60 s later it re-arms with the count at zero: the third new loss, not the
    # second or the fourth, reduces again
    core.on_event(account(T0 + 62 * S - 1, 10_000.0, 0.0))
    assert core.record["trading_state"] == TradingState.REDUCING
    core.on_event(account(T0 + 62 * S, 10_000.0, 0.0))
    assert core.record["trading_state"] == TradingState.ACTIVE
    core.on_event(closing(T0 + 64 * S, -1.0))
    core.on_event(closing(T0 + 65 * S, -1.0))
    assert core.record["trading_state"] == TradingState.ACTIVE
    core.on_event(closing(T0 + 66 * S, -1.0))
    assert core.record["trading_state"] == TradingState.REDUCING


def test_a_small_win_breaks_a_losing_streak():
    core = core_for([], max_consecutive_losses=3)
    for k, profit in enumerate([-1.0, -1.0, 0.5, -1.0, -1.0]):
        core.on_event(closing(T0 + k * S, profit))
    assert core.record["trading_state"] == TradingState.ACTIVE
    core.on_event(closing(T0 + 9 * S, -1.0))
    assert core.record["trading_state"] == TradingState.REDUCING


def test_a_streak_of_one_with_no_cooldown_reduces_until_the_server_day_turns():
    core = core_for([], max_consecutive_losses=1)
    core.on_event(closing(T0, -1.0))
    assert core.record["trading_state"] == TradingState.REDUCING
    core.on_event(account(T0 + 3600 * S, 10_000.0, 0.0))         # no cool-down: still
    assert core.record["trading_state"] == TradingState.REDUCING
    core.on_event(account(T0 + 16 * 3600 * S, 10_000.0, 0.0, kind=EventKind.TIMER,
                          timer=TimerKind.DAY))
    assert core.record["trading_state"] == TradingState.ACTIVE


def test_quote_age_limit_of_one_nanosecond():
    rows = [sc.row(T0 + 2, volume=0.1, symbol=0)]
    core = core_for(rows, symbols=("EURUSD", "GBPUSD"), max_tick_age_ms=1e-6)
    core.tick(T0, 0, 1.10000, 1.10002)
    assert fates(core, T0 + 2, 1.27000, 1.27002, s=1) == [(DENIED, Retcode.RISK_STALE_QUOTE)]


def test_quote_age_is_not_checked_when_the_rule_is_off():
    rows = [sc.row(T0 + 600 * MS, volume=0.1, symbol=0)]
    core = core_for(rows, symbols=("EURUSD", "GBPUSD"))
    core.tick(T0, 0, 1.10000, 1.10002)
    assert fates(core, T0 + 600 * MS, 1.27000, 1.27002, s=1) == [(0, OK)]


def test_a_market_order_is_valued_at_the_quote_whatever_price_it_carries():
    # 1 lot bought at the ask 1.10002 is 110,002 USD (< 110,100); the 1.2 it carries as a
    # price would make it 120,000 USD
    core = core_for([sc.row(T0, volume=1.0, price=1.2)], max_notional=110_100.0)
    assert fates(core, T0) == [(0, OK)]


def test_margin_level_of_a_small_margin():
    # 0.60 of equity on 0.50 of margin is 120 %
    core = core_for([sc.row(T0 + S, volume=0.01)], min_margin_level_pct=150.0)
    core.on_event(account(T0, 0.6, 0.5))
    assert fates(core, T0 + S) == [(DENIED, Retcode.RISK_MARGIN_LEVEL)]


def test_risk_rows_beyond_the_journals_room_wait_in_the_core():
    from sim.core.records import risk_event_dt
    from sim.core.risk import drain_risk_nb

    core = core_for([], daily_loss_pct=5.0)
    c = core.state[0]
    for k in range(5):
        c["risk_log"][k]["ts"] = k + 1
    c["n_risk_log"] = 5
    rlog, used = np.zeros(3, risk_event_dt), np.array([2], np.int64)
    drain_risk_nb(c, rlog, used)        # room for one: row 1 moves, rows 2-5 stay, in order
    assert (int(used[0]), int(c["n_risk_log"]), int(rlog[2]["ts"])) == (3, 4, 1)
    assert [int(c["risk_log"][k]["ts"]) for k in range(4)] == [2, 3, 4, 5]


def test_one_session_window_alone_is_enforced():
    # server = UTC: T0 is 08:00; the only window is 09:00-17:00
    rows = [sc.row(T0, volume=0.1), sc.row(T0 + 3600 * S, volume=0.1)]
    core = core_for(rows, sessions=["09:00-17:00"])
    assert fates(core, T0) == [(DENIED, Retcode.RISK_SESSION)]
    assert fates(core, T0 + 3600 * S) == [(0, OK)]


def test_one_open_position_cap_on_a_hedging_account():
    rows = [sc.row(T0, volume=0.1), sc.row(T0 + S, volume=0.1)]
    seen, _ = traded(rows, hedging=True, max_open_positions=1)
    assert seen == [(0, OK), (DENIED, Retcode.RISK_MAX_POSITIONS)]


def test_loss_per_trade_below_one_unit_still_requires_an_sl_and_its_limit_is_inclusive():
    core = core_for([sc.row(T0, volume=0.1)], max_loss_per_trade=0.5)
    assert fates(core, T0) == [(DENIED, Retcode.RISK_NO_SL)]
    # 0.5 lot bought at 1.5 with its SL at 1.25: 0.25 x 0.5 x 100,000 = 12,500 USD exactly
    core = core_for([sc.row(T0, volume=0.5, sl=1.25)], max_loss_per_trade=12_500.0)
    assert fates(core, T0, 1.49998, 1.5) == [(0, OK)]


def test_a_negative_limit_is_a_config_mistake_not_a_rule_turned_off():
    import pytest

    from sim.core.state import make_limits as limits

    with pytest.raises(ValueError, match=r"risk.collar_points=-5.0: expected a number >= 0"):
        limits(collar_points=-5.0)
    with pytest.raises(ValueError, match=r"risk.max_open_positions=-1"):
        limits(max_open_positions=-1)
