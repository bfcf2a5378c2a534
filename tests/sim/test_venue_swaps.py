"""Swaps at the server-day rollover (mt-execution.md 4, 9; cases T15, T16, T22)."""

from __future__ import annotations

import pandas as pd
import pytest
from venue_cases import (  # tests/sim is on sys.path (pytest rootdir-less import)
    T0,
    USDJPY,
    H,
    S,
    close,
    done,
    eq_at,
    make,
    new,
    plain,
    run,
)

from sim.core.enums import OrderType
from sim.data.symbols import SymbolSpec

# -- T15 triple swap in points, NY+7 server days --

SWAP_EU = plain("EURUSD", swap_mode="points", swap_long=-7.0, swap_short=2.0,
                swap_days=(0, 1, 1, 3, 1, 1, 0))
MON10 = pd.Timestamp("2024-01-15T08:00:00Z").value     # Monday 10:00 server (UTC+2)
FRI10 = pd.Timestamp("2024-01-19T08:00:00Z").value


def test_t15_rollover_instants_ny7():
    q = {0: [(MON10, 1.09990, 1.10000), (FRI10, 1.09990, 1.10000)]}
    sim = make([SWAP_EU], q, [], swaps=True)
    roll_ts, roll_wd = sim.T[4], sim.T[5]
    want = [pd.Timestamp(f"2024-01-{d}T22:00:00Z").value for d in (15, 16, 17, 18)]
    assert roll_ts.tolist() == want
    assert roll_wd.tolist() == [1, 2, 3, 4]       # Mon, Tue, Wed, Thu end there
    # US summer time: server midnight is 21:00 UTC
    t = pd.Timestamp("2024-07-15T12:00:00Z").value
    sim = make([SWAP_EU], {0: [(t, 1.1, 1.1001), (t + 24 * H, 1.1, 1.1001)]}, [], swaps=True)
    assert sim.T[4].tolist() == [pd.Timestamp("2024-07-15T21:00:00Z").value]
    # 2024-03-12: US on EDT, EU still on EET: NY+7 midnight at 21:00 UTC
    t = pd.Timestamp("2024-03-12T12:00:00Z").value
    sim = make([SWAP_EU], {0: [(t, 1.1, 1.1001), (t + 12 * H, 1.1, 1.1001)]}, [], swaps=True)
    assert sim.T[4].tolist() == [pd.Timestamp("2024-03-12T21:00:00Z").value]


@pytest.mark.parametrize("otype,swap", [(OrderType.BUY, -42.00), (OrderType.SELL, 12.00)])
def test_t15_triple_swap_week(otype, swap):
    wed_roll = pd.Timestamp("2024-01-17T22:00:00Z").value
    q = {0: [(MON10, 1.10000, 1.10000), (wed_roll - S, 1.10000, 1.10000),
             (wed_roll + S, 1.10000, 1.10000), (FRI10, 1.10000, 1.10000)]}
    rows = [new(MON10, otype, 1.0), close(FRI10, 1001, 1.0)]
    r = run([SWAP_EU], q, rows, swaps=True)
    d = done(r)
    assert d[1]["swap"] == swap
    assert d[1]["profit"] == 0.0
    assert r.trades[0]["swap"] == swap
    assert r.account[0]["balance"] == pytest.approx(10_000.00 + swap, abs=1e-9)
    # Wednesday night alone: 3 x (-7) long, 3 x 2 short
    jump = eq_at(r, wed_roll + S)["equity"] - eq_at(r, wed_roll - S)["equity"]
    assert jump == pytest.approx(3 * (-7.0 if otype == OrderType.BUY else 2.0), abs=1e-9)


def test_t15_wednesday_one_second():
    wed_roll = pd.Timestamp("2024-01-17T22:00:00Z").value
    q = {0: [(wed_roll - S, 1.10000, 1.10000), (wed_roll + S, 1.10000, 1.10000)]}
    r = run([SWAP_EU], q, [new(wed_roll - S, OrderType.BUY, 1.0),
                           close(wed_roll + S, 1001, 1.0)], swaps=True)
    assert done(r)[1]["swap"] == -21.00


def test_t15_rollover_charges_position_closed_at_the_instant():
    # open at that instant = opened before, closed at or after
    wed_roll = pd.Timestamp("2024-01-17T22:00:00Z").value
    q = {0: [(wed_roll - S, 1.10000, 1.10000), (wed_roll, 1.10000, 1.10000),
             (wed_roll + S, 1.10000, 1.10000)]}
    r = run([SWAP_EU], q, [new(wed_roll - S, OrderType.BUY, 1.0),
                           close(wed_roll, 1001, 1.0),
                           new(wed_roll, OrderType.BUY, 1.0),
                           close(wed_roll + S, 1003, 1.0)], swaps=True)
    d = done(r)
    assert d["swap"].tolist() == [0.0, -21.00, 0.0, 0.0]


def test_rollover_at_a_tick_instant_uses_that_tick():
    # 10: quote first, then timers.  GBPJPY long 1.00, swap +8 points = 8 x 0.001 x 100 000
    # = 800 JPY, converted at BID(JPYUSD) = 1 / ASK(USDJPY) (4.1: Bid for buy positions).
    # USDJPY ticks exactly at Tuesday's rollover (22:00 UTC) from 160.000/160.020 to
    # 100.000/100.020: the swap uses the new quote, 800 / 100.020 = 7.998 -> 8.00 USD (the
    # old quote would give 800 / 160.020 = 4.999 -> 5.00).
    tue_roll = pd.Timestamp("2024-01-16T22:00:00Z").value
    gj = plain("GBPJPY", swap_mode="points", swap_long=8.0, swap_short=-30.0,
               swap_days=(0, 1, 1, 3, 1, 1, 0))
    q = {0: [(T0, 189.980, 190.000), (tue_roll + S, 189.980, 190.000)],
         1: [(T0 - S, 160.000, 160.020), (tue_roll, 100.000, 100.020)]}
    r = run([gj, USDJPY], q, [new(T0, OrderType.BUY, 1.0), close(tue_roll + S, 1001, 1.0)],
            swaps=True, rates={"GBPUSD": 1.27})
    assert done(r)[1]["swap"] == 8.00


def test_t16_interest_swap_cfd():
    us500 = SymbolSpec(name="US500", digits=1, tick_size=0.1, contract_size=10,
                       calc_mode="cfd", currency_base="USD", currency_profit="USD",
                       currency_margin="USD", volume_min=0.1, volume_step=0.1,
                       volume_max=100, swap_mode="interest_open", swap_long=-5.0,
                       swap_short=-5.0, swap_days=(0, 1, 1, 1, 1, 3, 0))
    thu = pd.Timestamp("2024-01-18T08:00:00Z").value
    mon = pd.Timestamp("2024-01-22T08:00:00Z").value
    q = {0: [(thu, 3_599.5, 3_600.0), (mon, 3_599.5, 3_600.0)]}
    r = run([us500], q, [new(thu, OrderType.BUY, 1.0), close(mon, 1001, 1.0)],
            swaps=True, balance=100_000.0)
    d = done(r)
    assert d[0]["price"] == 3_600.0
    assert d[1]["swap"] == -5.00 - 15.00      # Thursday x1, Friday x3


@pytest.mark.parametrize("tz,charged", [("NY+7", True), ("EET", False)])
def test_t22_swap_in_the_dst_gap(tz, charged):
    # 2024-03-12: US already on EDT, EU still on EET.  A long held 20:45-21:15 UTC spans
    # NY+7 server midnight (00:00 Mar 13 = 21:00 UTC; Tuesday x1 -> -7.00) but not the EET
    # one (21:00 UTC = 23:00 Mar 12 EET; midnight only at 22:00 UTC -> no swap).
    t_open = pd.Timestamp("2024-03-12T20:45:00Z").value
    t_close = pd.Timestamp("2024-03-12T21:15:00Z").value
    q = {0: [(t_open, 1.10000, 1.10000), (t_close, 1.10000, 1.10000)]}
    r = run([SWAP_EU], q, [new(t_open, OrderType.BUY, 1.0), close(t_close, 1001, 1.0)],
            swaps=True, server_tz=tz)
    assert done(r)[1]["swap"] == (-7.00 if charged else 0.0)
