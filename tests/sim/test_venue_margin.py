"""Margin cases of the simulated venue (mt-execution.md 3; cases T10-T14): margin per calc
mode and rate, the entry check, hedged margin, margin call and stop-out.

Expected numbers are the spec's hand computations.  Common setup (11): USD account,
leverage 100, hedging, margin rates 1, stop-out 50 %, zero latency, commission 0.
"""

from __future__ import annotations

import dataclasses

import pytest
from venue_cases import (  # tests/sim is on sys.path (pytest rootdir-less import)
    EURUSD,
    GBPUSD,
    T0,
    S,
    close,
    done,
    eq_at,
    make,
    new,
    plain,
    run,
)

from sim.core.enums import DealReason, OrderType, Retcode
from sim.data.symbols import SymbolSpec

# -- T10 margin and NO_MONEY --

@pytest.mark.parametrize("otype,margin", [(OrderType.BUY, 1_100.10), (OrderType.SELL, 1_100.00)])
def test_t10a_forex_margin_at_deal_price(otype, margin):
    r = run([EURUSD], {0: [(T0, 1.10000, 1.10010)]}, [new(T0, otype, 1.0)])
    assert r.account[0]["margin"] == pytest.approx(margin, abs=1e-9)
    assert r.positions[0]["margin"] == pytest.approx(margin, abs=1e-9)


def test_t10c_no_money():
    r = run([EURUSD], {0: [(T0, 1.10000, 1.10010), (T0 + S, 1.10000, 1.10010)]},
            [new(T0, OrderType.BUY, 1.0)], balance=1_000.0)
    assert r.deals["retcode"].tolist() == [Retcode.NO_MONEY]
    assert r.deals[0]["order"] == 0 and r.orders[0]["ticket"] == 0    # no ticket taken
    assert len(r.positions) == 0
    assert r.account[0]["balance"] == 1_000.0 and r.account[0]["margin"] == 0.0


def test_t10c_no_money_report_carries_no_money_figures():
    # the REJECT the decision side gets (held in the queue by a long report latency)
    from sim.config import Dist
    from sim.core.enums import EventKind
    sim = make([EURUSD], {0: [(T0, 1.10000, 1.10010)]}, [new(T0, OrderType.BUY, 1.0)],
               balance=1_000.0, report_latency=Dist("constant", 10_000.0))
    sim.run()
    rep = sim.V[4][0]
    assert (rep["kind"], rep["retcode"]) == (EventKind.REJECT, Retcode.NO_MONEY)
    assert (rep["deal_reason"], rep["profit"], rep["commission"], rep["swap"]) == (0, 0.0, 0.0,
                                                                                  0.0)


def test_t10c_just_enough_money():
    # 0.90 lot needs 990.09 <= 1 000 free margin
    r = run([EURUSD], {0: [(T0, 1.10000, 1.10010)]}, [new(T0, OrderType.BUY, 0.9)],
            balance=1_000.0)
    assert r.deals["retcode"].tolist() == [Retcode.DONE]
    assert r.account[0]["margin"] == pytest.approx(990.09, abs=1e-9)


def test_t10c_netting_add_needs_margin_for_all_it_adds():
    # long 0.80 (margin 880.08, free margin 111.92 as below): buying 0.20 more needs
    # 0.2 x 100 000 x 1.10010 / 100 = 220.02 > 111.92 -> NO_MONEY
    q = {0: [(T0, 1.10000, 1.10010), (T0 + S, 1.10000, 1.10010)]}
    r = run([EURUSD], q, [new(T0, OrderType.BUY, 0.8), new(T0 + S, OrderType.BUY, 0.2)],
            mode="netting", balance=1_000.0)
    assert r.deals["retcode"].tolist() == [Retcode.DONE, Retcode.NO_MONEY]
    assert r.account[0]["margin"] == pytest.approx(880.08, abs=1e-9)


@pytest.mark.parametrize("sell,retcode,side,lots,margin,balance", [
    # long 0.80 at ask 1.10010: margin 0.8 x 100 000 x 1.10010 / 100 = 880.08; at bid
    # 1.10000 equity 1 000 - 8.00 = 992.00, free margin 111.92.  Selling 0.90 reverses it:
    # only the 0.10 it opens needs margin, 0.1 x 100 000 x 1.10000 / 100 = 110.00 <= 111.92;
    # closing 0.80 books -8.00
    (0.9, Retcode.DONE, -1, 0.1, 110.00, 992.00),
    # selling 1.00 would open 0.20: 220.00 > 111.92 -> NO_MONEY, the long stays
    (1.0, Retcode.NO_MONEY, 1, 0.8, 880.08, 1_000.00),
])
def test_t10c_netting_reversal_checks_margin_of_the_opened_part_only(sell, retcode, side, lots,
                                                                     margin, balance):
    q = {0: [(T0, 1.10000, 1.10010), (T0 + S, 1.10000, 1.10010)]}
    r = run([EURUSD], q, [new(T0, OrderType.BUY, 0.8), new(T0 + S, OrderType.SELL, sell)],
            mode="netting", balance=1_000.0)
    assert r.deals["retcode"].tolist() == [Retcode.DONE, retcode]
    p = r.positions
    assert len(p) == 1 and p[0]["side"] == side and p[0]["volume"] == pytest.approx(lots)
    assert r.account[0]["margin"] == pytest.approx(margin, abs=1e-9)
    assert r.account[0]["balance"] == pytest.approx(balance, abs=1e-9)


# -- T10b / T11b / T12a margin rates (SymbolInfoMarginRate: initial and maintenance, per side) --

def test_t10b_margin_rate():
    # MetaQuotes' example: ask 1.27900, long margin rate 1.15:
    # 1.00 lot / leverage 100 = 1 000 EUR x 1.27900 = 1 279.00 USD x 1.15 = 1 470.85 USD
    eu = plain("EURUSD", margin_rate_initial_buy=1.15, margin_rate_maintenance_buy=1.15)
    r = run([eu], {0: [(T0, 1.27890, 1.27900)]}, [new(T0, OrderType.BUY, 1.0)])
    assert r.account[0]["margin"] == pytest.approx(1_470.85, abs=1e-9)
    assert r.positions[0]["margin"] == pytest.approx(1_470.85, abs=1e-9)
    # the sell rate is its own: still 1.0 -> 1 000 EUR x bid 1.27890 = 1 278.90
    r = run([eu], {0: [(T0, 1.27890, 1.27900)]}, [new(T0, OrderType.SELL, 1.0)])
    assert r.account[0]["margin"] == pytest.approx(1_278.90, abs=1e-9)


@pytest.mark.parametrize("balance,retcodes,margin", [
    # entry check at the initial rate: 1 000 EUR x 1.10010 x 1.5 = 1 650.15 > 1 650.00
    (1_650.00, [Retcode.NO_MONEY], 0.0),
    # accepted; the position then holds the maintenance rate: 1 100.10 x 1.0 = 1 100.10
    (1_650.15, [Retcode.DONE], 1_100.10),
])
def test_t10b_initial_rate_checks_entry_maintenance_rate_is_held(balance, retcodes, margin):
    eu = plain("EURUSD", margin_rate_initial_buy=1.5, margin_rate_maintenance_buy=1.0)
    r = run([eu], {0: [(T0, 1.10000, 1.10010)]}, [new(T0, OrderType.BUY, 1.0)], balance=balance)
    assert r.deals["retcode"].tolist() == retcodes
    assert r.account[0]["margin"] == pytest.approx(margin, abs=1e-9)


@pytest.mark.parametrize("mode", ["hedging", "netting"])
def test_t10b_sell_rate_netting_and_hedging(mode):
    # sell 1.00 at bid 1.10000, sell maintenance rate 2: 1 000 EUR x 1.10000 x 2 = 2 200.00
    eu = plain("EURUSD", margin_rate_initial_sell=2.0, margin_rate_maintenance_sell=2.0)
    r = run([eu], {0: [(T0, 1.10000, 1.10010)]}, [new(T0, OrderType.SELL, 1.0)], mode=mode)
    assert r.account[0]["margin"] == pytest.approx(2_200.00, abs=1e-9)


def test_t10b_margin_rates_from_yaml_mapping():
    from sim.config import AccountConfig, symbol_records
    from sim.data.symbols import symbol_from_mapping
    spec = symbol_from_mapping({**dataclasses.asdict(EURUSD), "margin_rate_initial_buy": 1.15,
                                "margin_rate_maintenance_sell": 0.5})
    rec = symbol_records([spec], AccountConfig())[0]
    assert rec["margin_rate_initial_buy"] == 1.15 and rec["margin_rate_initial_sell"] == 1.0
    assert rec["margin_rate_maintenance_buy"] == 1.0
    assert rec["margin_rate_maintenance_sell"] == 0.5
    with pytest.raises(ValueError, match="margin_rate_initial_sell"):
        dataclasses.replace(EURUSD, margin_rate_initial_sell=-1.0)


def test_t11b_cfd_margin_rate():
    # US500 CFD, contract 1, margin rate 0.05, buy 2.00 at ask 5 000.0:
    # 2 x 1 x 5 000.0 x 0.05 = 500.00 USD (CFD: leverage ignored)
    us500 = SymbolSpec("US500", 1, 0.1, 1.0, "cfd", "USD", "USD", "USD", 0.1, 0.1, 100.0,
                       margin_rate_initial_buy=0.05, margin_rate_maintenance_buy=0.05)
    r = run([us500], {0: [(T0, 4_999.5, 5_000.0)]}, [new(T0, OrderType.BUY, 2.0)])
    assert r.deals["price"].tolist() == [5_000.0]
    assert r.account[0]["margin"] == pytest.approx(500.00, abs=1e-9)


def test_t12a_hedged_margin_with_rates():
    # MetaQuotes' example: leverage 500, hedged 100 000, rates buy 2, sell 4; sells at bid
    # 1.11943, buys at ask 1.11953: S, B, S, B, S (1 lot each).
    # covered 2 lots at the weighted price (3 x 1.11943 + 2 x 1.11953) / 5 = 1.11947,
    #   rate (2 + 4) / 2 = 3: 2 x 100 000 x 1.11947 x 3 / 500 = 1 343.364 -> 1 343.36
    # uncovered 1 sell lot at 1.11943, rate 4: 100 000 x 1.11943 x 4 / 500 = 895.544 -> 895.54
    # total 2 238.90 (each part rounded, then summed; not 2 238.91)
    eu = plain("EURUSD", margin_hedged=100_000.0,
               margin_rate_initial_buy=2.0, margin_rate_maintenance_buy=2.0,
               margin_rate_initial_sell=4.0, margin_rate_maintenance_sell=4.0)
    rows = [new(T0, t, 1.0) for t in (OrderType.SELL, OrderType.BUY, OrderType.SELL,
                                      OrderType.BUY, OrderType.SELL)]
    r = run([eu], {0: [(T0, 1.11943, 1.11953)]}, rows, leverage=500.0)
    assert r.deals["retcode"].tolist() == [Retcode.DONE] * 5
    assert r.account[0]["margin"] == pytest.approx(2_238.90, abs=1e-9)


# -- T11 CFD leverage --

def test_t11a_xauusd_cfdleverage():
    xau = plain("XAUUSD")
    q = {0: [(T0, 1_999.70, 2_000.00), (T0 + S, 2_010.00, 2_010.30)]}
    r = run([xau], q, [new(T0, OrderType.BUY, 0.5), close(T0 + S, 1001, 0.5)])
    d = done(r)
    assert eq_at(r, T0)["margin"] == pytest.approx(1_000.00, abs=1e-9)
    assert d["price"].tolist() == [2_000.00, 2_010.00]
    assert d[1]["profit"] == 500.00


# -- T11c futures and CFD index: tick value / tick size, fixed margin --

# contract 1 on purpose: futures profit uses tick_value / tick_size (50 per point of price),
# never the contract size (which would give 10 x 1 x 3 = 30.00 below)
ES = SymbolSpec("ES", 2, 0.25, 1.0, "futures", "USD", "USD", "USD", 1.0, 1.0, 100.0,
                tick_value=12.5, margin_initial=1_000.0)


def test_t11c_futures():
    # initial margin 1 000 USD, tick size 0.25, tick value 12.50: buy 3.00 at ask 4 500.00
    # -> margin 3 x 1 000 = 3 000.00; close at bid 4 510.00:
    # profit (4 510.00 - 4 500.00) / 0.25 x 12.50 x 3 = 40 x 12.50 x 3 = +1 500.00 USD
    q = {0: [(T0, 4_499.75, 4_500.00), (T0 + S, 4_510.00, 4_510.25),
             (T0 + 2 * S, 4_510.00, 4_510.25)]}
    r = run([ES], q, [new(T0, OrderType.BUY, 3.0), close(T0 + 2 * S, 1001, 3.0)])
    d = done(r)
    assert d["price"].tolist() == [4_500.00, 4_510.00]
    assert eq_at(r, T0)["margin"] == pytest.approx(3_000.00, abs=1e-9)
    # floating at the close quote, and right after entry the spread: -1 tick x 12.50 x 3
    assert eq_at(r, T0 + S)["equity"] == pytest.approx(10_000.00 + 1_500.00, abs=1e-9)
    assert d[0]["spread_cost"] == pytest.approx(0.5 * 0.25 / 0.25 * 12.5 * 3, abs=1e-9)
    assert d[1]["profit"] == 1_500.00
    assert r.account[0]["balance"] == pytest.approx(11_500.00, abs=1e-9)


@pytest.mark.parametrize("balance,retcodes,margin", [
    # entry check at the initial margin: 3 x 1 000 = 3 000.00 > 2 999.00
    (2_999.00, [Retcode.NO_MONEY], 0.0),
    # accepted; held at the maintenance margin: 3 x 800 = 2 400.00
    (3_000.00, [Retcode.DONE], 2_400.00),
])
def test_t11c_futures_initial_then_maintenance(balance, retcodes, margin):
    es = dataclasses.replace(ES, margin_maintenance=800.0)
    r = run([es], {0: [(T0, 4_499.75, 4_500.00)]}, [new(T0, OrderType.BUY, 3.0)],
            balance=balance)
    assert r.deals["retcode"].tolist() == retcodes
    assert r.account[0]["margin"] == pytest.approx(margin, abs=1e-9)


def test_t11c_futures_sell_loss():
    # sell 2.00 at bid 4 499.75, close at ask 4 502.25: -(2.50 / 0.25) x 12.50 x 2 = -250.00
    q = {0: [(T0, 4_499.75, 4_500.00), (T0 + S, 4_502.00, 4_502.25)]}
    r = run([ES], q, [new(T0, OrderType.SELL, 2.0), close(T0 + S, 1001, 2.0)])
    d = done(r)
    assert d["price"].tolist() == [4_499.75, 4_502.25]
    assert d[1]["profit"] == -250.00


def test_t11c_futures_hedged_fixed_margin():
    # fixed-margin symbol: the covered volume pays margin_hedged per lot (3.4):
    # buy 2 + sell 1 -> uncovered 1 lot x 1 000 + covered 1 lot x 400 = 1 400.00
    es = dataclasses.replace(ES, margin_hedged=400.0)
    r = run([es], {0: [(T0, 4_499.75, 4_500.00)]},
            [new(T0, OrderType.BUY, 2.0), new(T0, OrderType.SELL, 1.0)])
    assert r.account[0]["margin"] == pytest.approx(1_400.00, abs=1e-9)


def test_fixed_margin_forex_divides_by_leverage():
    # margin_initial on a Forex symbol replaces the formula: lots x initial / leverage (3.1)
    # 1.00 x 50 000 EUR / 100 = 500 EUR x ask 1.10010 = 550.05 USD
    eu = plain("EURUSD", margin_initial=50_000.0)
    r = run([eu], {0: [(T0, 1.10000, 1.10010)]}, [new(T0, OrderType.BUY, 1.0)])
    assert r.account[0]["margin"] == pytest.approx(550.05, abs=1e-9)


# CFD index, contract 1, tick size 0.5, tick value 0.05 (tick_value / tick_size = 0.1)
US30 = SymbolSpec("US30", 1, 0.5, 1.0, "cfdindex", "USD", "USD", "USD", 0.1, 0.1, 100.0,
                  tick_value=0.05)


@pytest.mark.parametrize("otype,price,margin", [
    # margin = lots x contract x market price x tick_value / tick_size (3.1), leverage ignored:
    # buy at ask 40 000.0: 1 x 1 x 40 000.0 x 0.05 / 0.5 = 4 000.00
    (OrderType.BUY, 40_000.0, 4_000.00),
    # sell at bid 39 998.0: 39 998.0 x 0.1 = 3 999.80
    (OrderType.SELL, 39_998.0, 3_999.80),
])
def test_cfdindex_margin_and_profit(otype, price, margin):
    # profit is the CFD formula: (close - open) x contract x lots, 100 points of price = 100.00
    q = {0: [(T0, 39_998.0, 40_000.0), (T0 + S, 40_100.0, 40_102.0)]}
    r = run([US30], q, [new(T0, otype, 1.0), close(T0 + S, 1001, 1.0)])
    d = done(r)
    assert d[0]["price"] == price
    assert eq_at(r, T0)["margin"] == pytest.approx(margin, abs=1e-9)
    expected = 100.00 if otype == OrderType.BUY else -(40_102.0 - 39_998.0)
    assert d[1]["profit"] == pytest.approx(expected, abs=1e-9)


def test_futures_and_cfdindex_need_their_tick_value():
    with pytest.raises(ValueError, match="tick_value"):
        SymbolSpec("ES", 2, 0.25, 1.0, "futures", "USD", "USD", "USD", 1, 1, 100,
                   margin_initial=1_000.0)
    with pytest.raises(ValueError, match="margin_initial"):
        SymbolSpec("ES", 2, 0.25, 1.0, "futures", "USD", "USD", "USD", 1, 1, 100,
                   tick_value=12.5)
    with pytest.raises(ValueError, match="tick_value"):
        SymbolSpec("US30", 1, 0.5, 1.0, "cfdindex", "USD", "USD", "USD", 0.1, 0.1, 100.0)


# -- T12 hedged margin --

def test_t12b_hedged_margin_basic():
    q = {0: [(T0, 1.09990, 1.10000), (T0 + S, 1.10020, 1.10030)]}
    rows = [new(T0, OrderType.BUY, 1.0), new(T0 + S, OrderType.SELL, 1.0)]
    r = run([EURUSD], q, rows)
    assert EURUSD.margin_hedged == 50_000
    assert eq_at(r, T0)["margin"] == pytest.approx(1_100.00, abs=1e-9)
    assert r.account[0]["margin"] == pytest.approx(550.05, abs=1e-9)


def test_t12b_hedge_needs_no_extra_free_margin():
    # the covering sell lowers the margin, so it is accepted even with little free margin
    q = {0: [(T0, 1.09990, 1.10000), (T0 + S, 1.09100, 1.09110), (T0 + 2 * S, 1.09100, 1.09110)]}
    rows = [new(T0, OrderType.BUY, 1.0), new(T0 + S, OrderType.SELL, 1.0)]
    r = run([EURUSD], q, rows, balance=1_900.0)
    assert r.deals["retcode"].tolist() == [Retcode.DONE, Retcode.DONE]


def test_t12b_larger_leg():
    # buy 1 at ask 1.10000 -> 1 100.00; sell 1 at bid 1.10020 -> 1 100.20;
    # larger leg: max(1 100.00, 1 100.20) = 1 100.20
    eu = dataclasses.replace(EURUSD, margin_hedged_use_leg=True)
    q = {0: [(T0, 1.09990, 1.10000), (T0 + S, 1.10020, 1.10030)]}
    rows = [new(T0, OrderType.BUY, 1.0), new(T0 + S, OrderType.SELL, 1.0)]
    r = run([eu], q, rows)
    assert eq_at(r, T0)["margin"] == pytest.approx(1_100.00, abs=1e-9)
    assert r.account[0]["margin"] == pytest.approx(1_100.20, abs=1e-9)


def test_t12b_larger_leg_sums_each_side():
    # long 1 @ 1.10000 (1 100.00) + long 0.5 @ 1.10030 (550.15) = 1 650.15 against
    # short 1 @ 1.10020 (1 100.20): max = 1 650.15
    eu = dataclasses.replace(EURUSD, margin_hedged_use_leg=True)
    q = {0: [(T0, 1.09990, 1.10000), (T0 + S, 1.10020, 1.10030)]}
    rows = [new(T0, OrderType.BUY, 1.0), new(T0 + S, OrderType.SELL, 1.0),
            new(T0 + S, OrderType.BUY, 0.5)]
    r = run([eu], q, rows)
    assert r.account[0]["margin"] == pytest.approx(1_650.15, abs=1e-9)


def test_t12b_larger_leg_free_margin_check():
    # balance 1 150: the covering sell raises the margin by 0.20 only (accepted); a further
    # buy 0.5 would raise it to 1 650.15 (+549.95) with free margin about 60 -> NO_MONEY
    eu = dataclasses.replace(EURUSD, margin_hedged_use_leg=True)
    q = {0: [(T0, 1.09990, 1.10000), (T0 + S, 1.10020, 1.10030), (T0 + 2 * S, 1.10020, 1.10030),
             (T0 + 3 * S, 1.10020, 1.10030)]}
    rows = [new(T0, OrderType.BUY, 1.0), new(T0 + S, OrderType.SELL, 1.0),
            new(T0 + 2 * S, OrderType.BUY, 0.5)]
    r = run([eu], q, rows, balance=1_150.0)
    assert r.deals["retcode"].tolist() == [Retcode.DONE, Retcode.DONE, Retcode.NO_MONEY]
    assert r.account[0]["margin"] == pytest.approx(1_100.20, abs=1e-9)


@pytest.mark.parametrize("rate_sell,retcodes,margin", [
    # US500 CFD (contract 1), covered volume charged in full (margin_hedged 1), balance
    # 2 500.  Buy 0.5 at ask 5 000.0: margin 0.5 x 5 000.0 = 2 500.00.  At bid 5 060.0 the
    # long floats +30.00: free margin 30.00.  Selling 0.5 at 5 060.0 covers it: the covered
    # 0.5 at the legs' average price (0.5 x 5 000.0 + 0.5 x 5 060.0) / 1.0 = 5 030.0 and the
    # average maintenance rate 1: 2 515.00, so it needs 2 515.00 - 2 500.00 = 15.00 <= 30.00
    (1.0, [Retcode.DONE, Retcode.DONE], 2_515.00),
    # sell maintenance rate 2: the covered rate is (1 + 2) / 2 = 1.5, 0.5 x 5 030.0 x 1.5 =
    # 3 772.50, needing 1 272.50 > 30.00 -> NO_MONEY
    (2.0, [Retcode.DONE, Retcode.NO_MONEY], 2_500.00),
])
def test_t12b_hedging_deal_needs_the_margin_the_hedged_legs_add(rate_sell, retcodes, margin):
    us500 = SymbolSpec("US500", 1, 0.1, 1.0, "cfd", "USD", "USD", "USD", 0.1, 0.1, 100.0,
                       margin_hedged=1.0, margin_rate_maintenance_sell=rate_sell)
    q = {0: [(T0, 4_999.5, 5_000.0), (T0 + S, 5_060.0, 5_060.5)]}
    rows = [new(T0, OrderType.BUY, 0.5), new(T0 + S, OrderType.SELL, 0.5)]
    r = run([us500], q, rows, balance=2_500.0)
    assert r.deals["retcode"].tolist() == retcodes
    assert r.account[0]["margin"] == pytest.approx(margin, abs=1e-9)


# -- T13 / T14 stop-out --

def test_t13_stop_out_one_position():
    q = {0: [(T0, 1.09990, 1.10000),
             (T0 + S, 1.09100, 1.09112),        # equity 550.00 = margin: margin call
             (T0 + 2 * S, 1.08560, 1.08572),    # level 50.91 %: no action
             (T0 + 3 * S, 1.08540, 1.08552),    # level 49.09 %: stop-out
             (T0 + 4 * S, 1.08000, 1.08012)]}
    sim = make([EURUSD], q, [new(T0, OrderType.BUY, 0.5)], balance=1_000.0)
    r = sim.run()
    assert eq_at(r, T0)["margin"] == pytest.approx(550.00, abs=1e-9)
    assert eq_at(r, T0 + 2 * S)["equity"] == pytest.approx(280.00, abs=1e-9)
    d = done(r)
    assert len(d) == 2
    assert d[1]["ts"] == T0 + 3 * S
    assert d[1]["reason"] == DealReason.SO
    assert d[1]["price"] == 1.08540
    assert d[1]["profit"] == -730.00
    assert r.account[0]["balance"] == 270.00
    assert r.account[0]["n_stopouts"] == 1


def test_t13_margin_call_flag():
    q = {0: [(T0, 1.09990, 1.10000), (T0 + S, 1.09100, 1.09112)]}
    r = run([EURUSD], q, [new(T0, OrderType.BUY, 0.5)], balance=1_000.0)
    assert r.account[0]["equity"] == pytest.approx(550.00, abs=1e-9)
    assert r.account[0]["margin_call"]
    q = {0: [(T0, 1.09990, 1.10000), (T0 + S, 1.09101, 1.09113)]}
    r = run([EURUSD], q, [new(T0, OrderType.BUY, 0.5)], balance=1_000.0)
    assert not r.account[0]["margin_call"]


@pytest.mark.parametrize("closed,margin", [
    # as above: at bid 1.09100 equity 550.00 = margin 550.00, a margin call; on that tick the
    # strategy closes 0.10 (-90.00 booked): equity still 550.00, margin 0.4 x 1 100.00 =
    # 440.00, level 125 % > 100 %: the call is over at once, not at the next tick
    (0.1, 440.00),
    # closing all of it leaves no margin: no call
    (0.5, 0.0),
])
def test_t13_margin_call_flag_follows_each_deal(closed, margin):
    q = {0: [(T0, 1.09990, 1.10000), (T0 + S, 1.09100, 1.09112)]}
    r = run([EURUSD], q, [new(T0, OrderType.BUY, 0.5), close(T0 + S, 1001, closed)],
            balance=1_000.0)
    assert r.deals["retcode"].tolist() == [Retcode.DONE, Retcode.DONE]
    assert r.account[0]["equity"] == pytest.approx(550.00, abs=1e-9)
    assert r.account[0]["margin"] == pytest.approx(margin, abs=1e-9)
    assert not r.account[0]["margin_call"]


def test_t13_margin_call_flag_set_by_a_deal():
    # one quote, bid 1.09990 / ask 1.10010: buy 0.90 at 1.10010 needs 990.09 <= 1 000 free
    # margin (accepted); after it equity is 1 000 - 0.9 x 100 000 x 0.00020 = 982.00 against
    # margin 990.09, level 99.2 % <= 100 %: a margin call from the deal itself (no later tick)
    r = run([EURUSD], {0: [(T0, 1.09990, 1.10010)]}, [new(T0, OrderType.BUY, 0.9)],
            balance=1_000.0)
    assert r.deals["retcode"].tolist() == [Retcode.DONE]
    assert r.account[0]["equity"] == pytest.approx(982.00, abs=1e-9)
    assert r.account[0]["margin"] == pytest.approx(990.09, abs=1e-9)
    assert r.account[0]["margin_call"]


@pytest.mark.parametrize("mode", ["hedging", "netting"])
def test_t14_stop_out_largest_loss_first(mode):
    q = {0: [(T0, 1.09990, 1.10000), (T0 + 2 * S, 1.07600, 1.07612),
             (T0 + 3 * S, 1.07600, 1.07612)],
         1: [(T0 - S, 1.27000, 1.27010), (T0 + S, 1.26980, 1.26990)]}
    rows = [new(T0, OrderType.BUY, 0.3, symbol=0), new(T0, OrderType.SELL, 0.2, symbol=1)]
    r = run([EURUSD, GBPUSD], q, rows, mode=mode, balance=1_000.0)
    assert eq_at(r, T0)["margin"] == pytest.approx(584.00, abs=1e-9)
    d = done(r)
    assert len(d) == 3
    so = d[2]
    assert so["reason"] == DealReason.SO and so["symbol"] == 0
    assert so["ts"] == T0 + 2 * S and so["price"] == 1.07600 and so["profit"] == -720.00
    a = r.account[0]
    assert a["balance"] == 280.00
    assert a["margin"] == pytest.approx(254.00, abs=1e-9)
    assert a["equity"] == pytest.approx(282.00, abs=1e-9)
    assert a["equity"] / a["margin"] * 100 == pytest.approx(111.02, abs=0.005)
    assert len(r.positions) == 1 and r.positions[0]["symbol"] == 1
