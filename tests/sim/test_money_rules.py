"""Two money rules of the venue, hand-computed (mt-execution.md 3.2, 4.1, 10):

- the free-margin check of a market order arriving at a tick, or of a pending order that
  tick triggers, sees the equity re-priced at that tick's quote (a gap tick must not fill
  an order MetaTrader refuses with "not enough money", nor refuse one it fills);
- a swap charged in another currency than the account's converts at the rate in force at
  the rollover, on MT5's side: Bid for buy positions, Ask for sell positions.

Common setup (mt-execution.md 11): USD account, leverage 1:100, EURUSD contract 100 000
(1 lot = 1 000 EUR of margin at 1:100, converted at the deal price), commission 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from venue_cases import (  # tests/sim is on sys.path (pytest rootdir-less import)
    EURUSD,
    T0,
    USDJPY,
    S,
    close,
    done,
    make,
    new,
    plain,
    run,
)

from sim.config import Dist
from sim.core.enums import OrderType, Retcode
from sim.data.symbols import SymbolSpec
from sim.venue.records import ACCOUNT_RESULT_FIELDS
from tests.sim.per_event import run_per_event

MS = 1_000_000


def assert_same_results(a, b):
    for name in ("deals", "trades", "equity", "positions", "account"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.shape == y.shape, name
        for f in x.dtype.names:
            if name == "account" and f not in ACCOUNT_RESULT_FIELDS:
                continue
            np.testing.assert_array_equal(x[f], y[f], err_msg=f"{name}.{f}")


def three_drives(build):
    """The same run three ways: the quiet band, every tick re-priced, the per-event drive.

    The rule must not depend on the path a tick takes; returns the band run's result.
    """
    a = build(mark_every_tick=False).run()
    b = build(mark_every_tick=True).run()
    c = run_per_event(build(mark_every_tick=False))
    assert_same_results(a, b)
    assert_same_results(a, c)
    return a


# -- 1. the free-margin check at a gap tick uses that tick's equity (3.2, 10) --

# Held: buy 1.00 EURUSD filled at ask 1.10010, margin 1 000 EUR x 1.10010 = 1 100.10 USD.
# At bid 1.10000 its floating profit is N(110 000.00) - N(110 010.00) = -10.00.
# A second buy of 0.50 reaches the venue exactly at a gap tick G; it needs
# 500 EUR x ask(G) of margin (EURUSD converts itself at the deal price).

GAP_DOWN = (1.09500, 1.09510)
GAP_UP = (1.11000, 1.11010)


def latency_case(balance, gap, fill_on, mark_every_tick=False):
    # arrival mode: 500 ms of latency lands the second order exactly on the gap tick;
    # next_tick mode: 200 ms lands it between ticks, and it executes on the gap tick
    lat = 500.0 if fill_on == "arrival" else 200.0
    q = {0: [(T0, 1.10000, 1.10010), (T0 + 500 * MS, 1.10000, 1.10010),
             (T0 + S, 1.10000, 1.10010), (T0 + 1500 * MS, *gap), (T0 + 2 * S, *gap)]}
    rows = [new(T0, OrderType.BUY, 1.0), new(T0 + S, OrderType.BUY, 0.5)]
    return make([EURUSD], q, rows, mode="netting", balance=balance, fill_on=fill_on,
                 submit_latency=Dist("constant", lat), mark_every_tick=mark_every_tick)


@pytest.mark.parametrize("fill_on", ["arrival", "next_tick"])
def test_market_order_arriving_at_a_gap_down_sees_the_gap_equity(fill_on):
    # balance 2 000.00.  Before the gap: equity 2 000.00 - 10.00 = 1 990.00, free margin
    # 1 990.00 - 1 100.10 = 889.90, enough for 500 x 1.09510 = 547.55.  At the gap tick
    # 1.09500/1.09510: floating N(109 500.00) - N(110 010.00) = -510.00, equity 1 490.00,
    # free margin 1 490.00 - 1 100.10 = 389.90 < 547.55 -> 10019 (MT5 "No money").
    # (Before the fix the check saw 889.90 and filled the order.)
    r = three_drives(lambda **kw: latency_case(2_000.0, GAP_DOWN, fill_on, **kw))
    assert r.deals["retcode"].tolist() == [Retcode.DONE, Retcode.NO_MONEY]
    assert r.deals[1]["ts"] == T0 + 1500 * MS
    assert r.positions["volume"].tolist() == [1.0]
    assert r.account[0]["margin"] == pytest.approx(1_100.10, abs=1e-9)
    assert r.account[0]["equity"] == pytest.approx(1_490.00, abs=1e-9)


@pytest.mark.parametrize("fill_on", ["arrival", "next_tick"])
def test_market_order_arriving_at_a_gap_up_sees_the_gap_equity(fill_on):
    # balance 1 600.00.  Before the gap: equity 1 590.00, free margin 1 590.00 - 1 100.10
    # = 489.90 < 500 x 1.11010 = 555.05 (the stale check refused it).  At the gap tick
    # 1.11000/1.11010: floating N(111 000.00) - N(110 010.00) = +990.00, equity 2 590.00,
    # free margin 1 489.90 >= 555.05 -> filled at 1.11010; margin 1 100.10 + 555.05.
    r = three_drives(lambda **kw: latency_case(1_600.0, GAP_UP, fill_on, **kw))
    assert r.deals["retcode"].tolist() == [Retcode.DONE, Retcode.DONE]
    assert r.deals[1]["price"] == 1.11010
    assert r.account[0]["margin"] == pytest.approx(1_655.15, abs=1e-9)
    # equity at 1.11000: 1 600.00 + 990.00 + (N(55 500.00) - N(55 505.00) = -5.00)
    assert r.account[0]["equity"] == pytest.approx(2_585.00, abs=1e-9)


def pending_case(mode, mark_every_tick=False):
    # buy 1.00 at market and a buy limit 0.50 at 1.09600 at T0 (zero latency); the gap
    # tick 1.09500/1.09510 triggers the limit (ask <= 1.09600), mt5 fill at ask 1.09510
    q = {0: [(T0, 1.10000, 1.10010), (T0 + S, 1.10000, 1.10010), (T0 + 2 * S, *GAP_DOWN),
             (T0 + 3 * S, *GAP_DOWN)]}
    rows = [new(T0, OrderType.BUY, 1.0), new(T0, OrderType.BUY_LIMIT, 0.5, price=1.09600)]
    return make([EURUSD], q, rows, mode=mode, balance=2_000.0, mark_every_tick=mark_every_tick)


@pytest.mark.parametrize("mode", ["netting", "hedging"])
def test_pending_order_triggered_by_a_gap_sees_the_gap_equity(mode):
    # The limit needs 500 x 1.09510 = 547.55.  Equity at the trigger tick: 2 000.00 - 510.00
    # = 1 490.00, free margin 389.90 -> the order is cancelled, 10041 (T25's rule), no
    # position added.  (Before the fix: 1 990.00 - 1 100.10 = 889.90, and it filled.)
    r = three_drives(lambda **kw: pending_case(mode, **kw))
    assert r.deals["retcode"].tolist() == [Retcode.DONE, Retcode.REJECT_CANCEL]
    assert r.deals[1]["ts"] == T0 + 2 * S
    assert r.positions["volume"].tolist() == [1.0]
    assert r.account[0]["margin"] == pytest.approx(1_100.10, abs=1e-9)
    assert r.account[0]["n_pending"] == 0


# -- 2. swaps in another currency: the rate at the rollover, Bid for buys, Ask for sells (4.1) --

TUE_ROLL = pd.Timestamp("2024-01-16T22:00:00Z").value      # server midnight ending Tuesday


def test_forex_interest_swap_converts_at_the_rollover_quote():
    # EURUSD interest_open, 3.6 % a year, 360 days: lot cost = contract = 100 000 EUR (4.1),
    # 100 000 x 3.6 / 100 / 360 = 10.00 EUR a night, Tuesday x1.  Opened at 1.10000/1.10010;
    # the quote in force at the rollover is 1.20000/1.20100.
    # long  (-3.6 %): -10.00 EUR x BID 1.20000 = -12.00 USD  (before: x the open's 1.10010
    #                 margin rate = -11.00; a 365-day year would give -9.86 x 1.2 = -11.84)
    # short (+3.6 %): +10.00 EUR x ASK 1.20100 = +12.01 USD  (before: x 1.10000 = +11.00)
    eu = plain("EURUSD", swap_mode="interest_open", swap_long=-3.6, swap_short=3.6,
               swap_days=(0, 1, 1, 3, 1, 1, 0))
    for otype, swap in ((OrderType.BUY, -12.00), (OrderType.SELL, 12.01)):
        q = {0: [(T0, 1.10000, 1.10010), (TUE_ROLL - S, 1.20000, 1.20100),
                 (TUE_ROLL + S, 1.20000, 1.20100)]}
        r = run([eu], q, [new(T0, otype, 1.0), close(TUE_ROLL + S, 1001, 1.0)], swaps=True,
                balance=100_000.0)
        assert done(r)[1]["swap"] == swap, otype


JP225 = SymbolSpec(name="JP225", digits=0, tick_size=1.0, contract_size=100.0, calc_mode="cfd",
                   currency_base="JPY", currency_profit="JPY", currency_margin="JPY",
                   volume_min=0.1, volume_step=0.1, volume_max=100.0,
                   swap_mode="interest_open", swap_long=-3.6, swap_short=-3.6,
                   swap_days=(0, 1, 1, 1, 1, 1, 0))


@pytest.mark.parametrize("otype,quote,swap", [
    # long at ask 36 000: -360 JPY at BID(JPYUSD) = 1 / ASK(USDJPY) = 1 / 150 -> -2.40
    # (before: 1 / BID(USDJPY) = 1 / 144 -> -2.50)
    (OrderType.BUY, (35_990.0, 36_000.0), -2.40),
    # short at bid 36 000: -360 JPY at ASK(JPYUSD) = 1 / BID(USDJPY) = 1 / 144 -> -2.50
    # (before: 1 / 150 -> -2.40)
    (OrderType.SELL, (36_000.0, 36_010.0), -2.50),
])
def test_cfd_interest_swap_in_profit_currency_uses_bid_for_buys_ask_for_sells(otype, quote, swap):
    # JP225 CFD (profit JPY) on a USD account, USDJPY replayed at 144.000/150.000.
    # lot cost = contract x open price = 100 x 36 000 = 3 600 000 JPY (4.1, interest_open);
    # 3 600 000 x 3.6 / 100 / 360 = 360 JPY a night, Tuesday x1.
    q = {0: [(T0, *quote), (TUE_ROLL + S, *quote)],
         1: [(T0 - S, 144.000, 150.000), (TUE_ROLL - S, 144.000, 150.000)]}
    r = run([JP225, USDJPY], q, [new(T0, otype, 1.0), close(TUE_ROLL + S, 1001, 1.0)],
            swaps=True, balance=100_000.0)
    d = done(r)
    assert d[0]["price"] == 36_000.0
    assert d[1]["swap"] == swap


@pytest.mark.parametrize("otype,swap", [
    # long +30 points: 30 x 0.001 x 100 000 = 3 000 JPY at BID(JPYUSD) = 1 / ASK(USDJPY):
    # 3 000 / 100.020 = 29.994 -> 29.99  (before: 1 / BID(USDJPY) -> 30.00)
    (OrderType.BUY, 29.99),
    # short -30 points: -3 000 JPY at ASK(JPYUSD) = 1 / BID(USDJPY): -3 000 / 100.000
    # = -30.00  (before: 1 / ASK(USDJPY) -> -29.99)
    (OrderType.SELL, -30.00),
])
def test_points_swap_of_a_cross_uses_bid_for_buys_ask_for_sells(otype, swap):
    gj = plain("GBPJPY", swap_mode="points", swap_long=30.0, swap_short=-30.0,
               swap_days=(0, 1, 1, 3, 1, 1, 0))
    q = {0: [(T0, 189.980, 190.000), (TUE_ROLL + S, 189.980, 190.000)],
         1: [(T0 - S, 100.000, 100.020), (TUE_ROLL - S, 100.000, 100.020)]}
    r = run([gj, USDJPY], q, [new(T0, otype, 1.0), close(TUE_ROLL + S, 1001, 1.0)],
            swaps=True, rates={"GBPUSD": 1.27})
    assert done(r)[1]["swap"] == swap


def test_forex_interest_swap_of_a_cross_converts_the_base_currency_now():
    # GBPJPY interest_open on a USD account: lot cost = 100 000 GBP (the base = margin
    # currency), 100 000 x 3.6 / 100 / 360 = 10.00 GBP a night, converted through GBPUSD at
    # the rollover: opened with GBPUSD 1.27000/1.27010, rollover at 1.30000/1.30020.
    # long: -10.00 x BID 1.30000 = -13.00 (before: the open's margin rate 1.27010 -> -12.70)
    gj = plain("GBPJPY", swap_mode="interest_open", swap_long=-3.6, swap_short=3.6,
               swap_days=(0, 1, 1, 3, 1, 1, 0))
    q = {0: [(T0, 189.980, 190.000), (TUE_ROLL + S, 189.980, 190.000)],
         1: [(T0 - S, 150.000, 150.020), (TUE_ROLL + S, 150.000, 150.020)],
         2: [(T0 - S, 1.27000, 1.27010), (TUE_ROLL - S, 1.30000, 1.30020)]}
    gbpusd = plain("GBPUSD")
    r = run([gj, USDJPY, gbpusd], q,
            [new(T0, OrderType.BUY, 1.0), close(TUE_ROLL + S, 1001, 1.0)], swaps=True,
            balance=100_000.0)
    assert done(r)[1]["swap"] == -13.00


def test_swap_rule_is_the_same_band_or_every_tick():
    # the rollover leaves the band first: a long held in the band through a Tuesday rollover
    eu = plain("EURUSD", swap_mode="interest_open", swap_long=-3.6, swap_short=3.6,
               swap_days=(0, 1, 1, 3, 1, 1, 0))
    ts = [T0 + k * 600 * S for k in range(0, 6 * 24)]          # every 10 min for a day
    q = {0: [(t, 1.10000 + 1e-5 * (k % 7), 1.10010 + 1e-5 * (k % 7)) for k, t in enumerate(ts)]}
    rows = [new(T0, OrderType.BUY, 1.0)]

    def build(**kw):
        return make([eu], q, rows, swaps=True, balance=100_000.0, **kw)

    r = three_drives(build)
    # the rollover tick (k = 84, 22:00 UTC) quotes 1.10000/1.10010: -10.00 EUR x 1.10000
    assert r.positions[0]["swap"] == -11.00
