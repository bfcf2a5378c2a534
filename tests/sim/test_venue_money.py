"""Money cases of the simulated venue (mt-execution.md 2-5, 7; cases T09-T20, T25).

Expected numbers are the spec's hand computations.  Common setup (11): USD account,
leverage 100, hedging, margin rates 1, stop-out 50 %, zero latency, commission 0.
"""

from __future__ import annotations

import dataclasses

import pytest
from venue_cases import (  # tests/sim is on sys.path (pytest rootdir-less import)
    EURUSD,
    GBPJPY,
    GBPUSD,
    T0,
    USDJPY,
    S,
    close,
    close_by,
    done,
    eq_at,
    make,
    new,
    plain,
    run,
)

from sim.data.symbols import SymbolSpec
from sim.enums import DealEntry, DealReason, OrderState, OrderType, Retcode

# -- T09 GBPJPY: profit converted by deal, margin through GBPUSD --

@pytest.mark.parametrize("close_bid,profit", [(190.500, 333.33), (189.500, -333.33)])
def test_t09_gbpjpy_by_deal_replayed_pairs(close_bid, profit):
    specs = [GBPJPY, USDJPY, GBPUSD]
    quotes = {0: [(T0, 189.980, 190.000), (T0 + S, close_bid, close_bid + 0.025),
                  (T0 + 2 * S, close_bid, close_bid + 0.025)],
              1: [(T0 - S, 150.000, 150.020)],
              2: [(T0 - S, 1.27000, 1.27010)]}
    r = run(specs, quotes, [new(T0, OrderType.BUY, 1.0), close(T0 + 2 * S, 1001, 1.0)])
    d = done(r)
    assert d["price"].tolist() == [190.000, close_bid]
    assert eq_at(r, T0)["margin"] == pytest.approx(1_270.10, abs=1e-9)
    # floating profit at the close quote, converted the same way (2.2, last paragraph)
    assert eq_at(r, T0 + S)["equity"] == pytest.approx(10_000.00 + profit, abs=1e-9)
    assert d[1]["profit"] == profit
    assert r.account[0]["balance"] == pytest.approx(10_000.00 + profit, abs=1e-9)


def test_t09_gbpjpy_sell_by_deal_uses_bid_of_jpyusd():
    # closing a sell converts at BID(JPYUSD) = 1 / ASK(USDJPY): 50 000 / 150.020 = 333.29
    specs = [GBPJPY, USDJPY, GBPUSD]
    quotes = {0: [(T0, 190.500, 190.525), (T0 + S, 189.975, 190.000)],
              1: [(T0 - S, 150.000, 150.020)],
              2: [(T0 - S, 1.27000, 1.27010)]}
    r = run(specs, quotes, [new(T0, OrderType.SELL, 1.0), close(T0 + S, 1001, 1.0)])
    d = done(r)
    assert d["price"].tolist() == [190.500, 190.000]
    assert eq_at(r, T0)["margin"] == pytest.approx(1_270.00, abs=1e-9)   # sell: GBPUSD bid
    assert d[1]["profit"] == 333.29


def test_t09_gbpjpy_fixed_rates():
    quotes = {0: [(T0, 189.980, 190.000), (T0 + S, 190.500, 190.525)]}
    r = run([GBPJPY], quotes, [new(T0, OrderType.BUY, 1.0), close(T0 + S, 1001, 1.0)],
            rates={"USDJPY": 150.0, "GBPUSD": 1.27010})
    d = done(r)
    assert eq_at(r, T0)["margin"] == pytest.approx(1_270.10, abs=1e-9)
    assert d[1]["profit"] == 333.33


def test_t09_missing_conversion_route_is_refused():
    with pytest.raises(ValueError, match="USDJPY"):
        make([GBPJPY], {0: [(T0, 189.980, 190.000)]}, [], rates={"GBPUSD": 1.27})


@pytest.mark.parametrize("close_bid,profit", [(190.500, 333.29), (189.500, -333.33)])
def test_t09_by_market(close_bid, profit):
    # by market: profit at BID(JPYUSD) = 1 / ASK(USDJPY) -> 50 000 / 150.020 = 333.29;
    # loss at ASK(JPYUSD) = 1 / BID(USDJPY) -> -50 000 / 150.000 = -333.33
    specs = [dataclasses.replace(GBPJPY, convert_profit="by_market"), USDJPY, GBPUSD]
    quotes = {0: [(T0, 189.980, 190.000), (T0 + S, close_bid, close_bid + 0.025),
                  (T0 + 2 * S, close_bid, close_bid + 0.025)],
              1: [(T0 - S, 150.000, 150.020)],
              2: [(T0 - S, 1.27000, 1.27010)]}
    r = run(specs, quotes, [new(T0, OrderType.BUY, 1.0), close(T0 + 2 * S, 1001, 1.0)])
    d = done(r)
    assert d["price"].tolist() == [190.000, close_bid]
    assert eq_at(r, T0 + S)["equity"] == pytest.approx(10_000.00 + profit, abs=1e-9)
    assert d[1]["profit"] == profit
    assert r.account[0]["balance"] == pytest.approx(10_000.00 + profit, abs=1e-9)


def test_t09_convert_profit_is_checked():
    with pytest.raises(ValueError, match="convert_profit"):
        dataclasses.replace(GBPJPY, convert_profit="by_market_rate")


# a CFD quoted in EUR on the USD account, EURUSD replayed at 1.09990/1.10010
DE40 = SymbolSpec("DE40", 1, 0.1, 1.0, "cfdleverage", "EUR", "EUR", "EUR", 0.1, 0.1, 100.0)


@pytest.mark.parametrize("convert", ["by_deal", "by_market"])
@pytest.mark.parametrize("otype,close_quote,profit", [
    # buy 10 at ask 18 000.0, close at bid 18 100.0: +1 000 EUR x BID 1.09990 = +1 099.90
    (OrderType.BUY, (18_100.0, 18_101.0), 1_099.90),
    # buy, close at bid 17 900.0: -1 000 EUR x ASK 1.10010 = -1 100.10
    (OrderType.BUY, (17_900.0, 17_901.0), -1_100.10),
    # sell 10 at bid 17 999.0, close at ask 18 099.0: -1 000 EUR x ASK 1.10010 = -1 100.10
    (OrderType.SELL, (18_098.0, 18_099.0), -1_100.10),
    # sell, close at ask 17 899.0: +1 000 EUR x BID 1.09990 = +1 099.90
    (OrderType.SELL, (17_898.0, 17_899.0), 1_099.90),
])
def test_cfd_profit_at_bid_loss_at_ask(convert, otype, close_quote, profit):
    # non-Forex calc modes convert profit at the bid, loss at the ask, whatever the option (2.2)
    quotes = {0: [(T0, 17_999.0, 18_000.0), (T0 + S, *close_quote), (T0 + 2 * S, *close_quote)],
              1: [(T0 - S, 1.09990, 1.10010)]}
    specs = [dataclasses.replace(DE40, convert_profit=convert), EURUSD]
    r = run(specs, quotes, [new(T0, otype, 10.0), close(T0 + 2 * S, 1001, 10.0)])
    d = done(r)
    assert len(d) == 2
    assert eq_at(r, T0 + S)["equity"] == pytest.approx(10_000.00 + profit, abs=1e-9)
    assert d[1]["profit"] == profit
    assert r.account[0]["balance"] == pytest.approx(10_000.00 + profit, abs=1e-9)


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
    assert len(r.positions) == 0
    assert r.account[0]["balance"] == 1_000.0 and r.account[0]["margin"] == 0.0


def test_t10c_just_enough_money():
    # 0.90 lot needs 990.09 <= 1 000 free margin
    r = run([EURUSD], {0: [(T0, 1.10000, 1.10010)]}, [new(T0, OrderType.BUY, 0.9)],
            balance=1_000.0)
    assert r.deals["retcode"].tolist() == [Retcode.DONE]
    assert r.account[0]["margin"] == pytest.approx(990.09, abs=1e-9)


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




# -- T17 netting average and reversal, commission 3.50 per lot per side --

def test_t17_netting_average_and_reversal():
    eu = plain("EURUSD", commission_per_lot=3.5)
    q = {0: [(T0, 1.09990, 1.10000), (T0 + S, 1.10090, 1.10100),
             (T0 + 2 * S, 1.10150, 1.10160), (T0 + 3 * S, 1.10150, 1.10160)]}
    rows = [new(T0, OrderType.BUY, 1.0), new(T0 + S, OrderType.BUY, 1.0),
            new(T0 + 2 * S, OrderType.SELL, 3.0)]
    sim = make([eu], q, rows, mode="netting", commission=True)
    r = sim.run()
    d = done(r)
    assert d["order"].tolist() == [1001, 1002, 1003]
    assert d["entry"].tolist() == [DealEntry.IN, DealEntry.IN, DealEntry.INOUT]
    assert d["position_id"].tolist() == [1001, 1001, 1001]
    assert d["commission"].tolist() == [-3.50, -3.50, -10.50]
    assert d[2]["profit"] == 200.00
    assert r.trades[0]["open_price"] == pytest.approx(1.10050, abs=1e-12)
    assert r.trades[0]["volume"] == 2.0
    p = r.positions
    assert len(p) == 1
    assert p[0]["ident"] == 1001 and p[0]["ticket"] == 1003
    assert p[0]["side"] == -1 and p[0]["volume"] == 1.0 and p[0]["price"] == 1.10150
    a = r.account[0]
    assert a["balance"] == pytest.approx(10_000.00 + 200.00 - 17.50, abs=1e-9)
    assert a["commission_total"] == pytest.approx(17.50, abs=1e-9)
    # decision-side mirror agrees
    book = sim.D[3][sim.D[3]["active"]]
    assert len(book) == 1 and book[0]["side"] == -1 and book[0]["volume"] == 1.0
    assert sim.D[2][0]["net"] == pytest.approx(-1.0)


def test_t17_netting_average_price_after_two_buys():
    q = {0: [(T0, 1.09990, 1.10000), (T0 + S, 1.10090, 1.10100)]}
    r = run([EURUSD], q, [new(T0, OrderType.BUY, 1.0), new(T0 + S, OrderType.BUY, 1.0)],
            mode="netting")
    p = r.positions
    assert len(p) == 1 and p[0]["volume"] == 2.0
    assert p[0]["price"] == pytest.approx(1.10050, abs=1e-12)
    assert p[0]["ticket"] == 1001


# -- T18 partial close (hedging) --

def test_t18_partial_close():
    q = {0: [(T0, 1.09990, 1.10000), (T0 + S, 1.10050, 1.10060)]}
    r = run([EURUSD], q, [new(T0, OrderType.BUY, 1.0), close(T0 + S, 1001, 0.4)])
    d = done(r)
    assert d[1]["entry"] == DealEntry.OUT and d[1]["volume"] == 0.4
    assert d[1]["position_id"] == 1001
    assert d[1]["profit"] == 20.00
    p = r.positions
    assert len(p) == 1
    assert p[0]["ticket"] == 1001 and p[0]["volume"] == pytest.approx(0.6)
    assert p[0]["price"] == 1.10000
    assert p[0]["margin"] == pytest.approx(660.00, abs=1e-9)


# -- T19 Close By (hedging): two OUT_BY deals, no spread --

# buy 1.00 at ask 1.10000 (ticket 1001), sell 0.60 at bid 1.10020 (ticket 1002)
T19_Q = {0: [(T0, 1.09990, 1.10000), (T0 + S, 1.10020, 1.10030), (T0 + 2 * S, 1.10050, 1.10060)]}
T19_OPEN = [new(T0, OrderType.BUY, 1.0), new(T0 + S, OrderType.SELL, 0.6)]


def test_t19_close_by():
    # close 1001 by 1002 on quote 1.10050/1.10060 (the quote plays no part): two OUT_BY
    # deals of 0.60 at 1.10020 (the opposite position's open price); the whole profit on the
    # first: (1.10020 - 1.10000) x 60 000 = +12.00 USD, the second 0.00; sum +12.00
    sim = make([EURUSD], T19_Q, T19_OPEN + [close_by(T0 + 2 * S, 1001, 1002)])
    r = sim.run()
    d = done(r)
    assert d["entry"].tolist() == [DealEntry.IN, DealEntry.IN, DealEntry.OUT_BY, DealEntry.OUT_BY]
    by = d[2:]
    assert by["order"].tolist() == [1003, 1003]
    assert by["position_id"].tolist() == [1001, 1002]
    assert by["type"].tolist() == [1, 0]                  # a sell closes the buy, and back
    assert by["volume"].tolist() == [0.6, 0.6]
    assert by["price"].tolist() == [1.10020, 1.10020]
    assert by["profit"].tolist() == [12.00, 0.00]
    assert by["spread_cost"].tolist() == [0.0, 0.0]
    assert by["ts"].tolist() == [T0 + 2 * S] * 2
    # remaining buy 0.40 at 1.10000 under its own ticket; margin 0.4 x 1 100.00 = 440.00
    p = r.positions
    assert len(p) == 1 and p[0]["ticket"] == 1001 and p[0]["side"] == 1
    assert p[0]["volume"] == pytest.approx(0.4) and p[0]["price"] == 1.10000
    a = r.account[0]
    assert a["balance"] == pytest.approx(10_012.00, abs=1e-9)
    assert a["margin"] == pytest.approx(440.00, abs=1e-9)
    # floating of 0.40 at bid 1.10050: 44 020.00 - 44 000.00 = 20.00
    assert a["equity"] == pytest.approx(10_032.00, abs=1e-9)
    assert [t["profit"] for t in r.trades] == [12.00, 0.00]
    # the decision side mirrors it: one position of 0.40, net +0.40, nothing in flight
    book = sim.D[3][sim.D[3]["active"]]
    assert len(book) == 1 and book[0]["ident"] == 1001
    assert book[0]["volume"] == pytest.approx(0.4)
    assert sim.D[2][0]["net"] == pytest.approx(0.4) and sim.D[2][0]["working"] == 0.0
    assert sim.D[0][0]["n_fills"] == 4


def test_t19_close_by_the_smaller_named_position():
    # close the sell 1002 by the buy 1001: the sell closes at 1.10000 (the buy's open price),
    # profit (1.10020 - 1.10000) x 60 000 = +12.00; 0.60 of the buy closes at its own 1.10000
    r = run([EURUSD], T19_Q, T19_OPEN + [close_by(T0 + 2 * S, 1002, 1001)])
    by = done(r)[2:]
    assert by["position_id"].tolist() == [1002, 1001]
    assert by["price"].tolist() == [1.10000, 1.10000]
    assert by["profit"].tolist() == [12.00, 0.00]
    p = r.positions
    assert len(p) == 1 and p[0]["ticket"] == 1001 and p[0]["volume"] == pytest.approx(0.4)
    assert r.account[0]["balance"] == pytest.approx(10_012.00, abs=1e-9)


@pytest.mark.parametrize("entry,comms,balance", [
    # ENTRY_ALL: 3.50 and 0.6 x 3.50 = 2.10 on the entries, no commission on Close By deals;
    # 10 000 - 3.50 - 2.10 + 12.00 = 10 006.40
    ("all", [-3.50, -2.10, 0.00, 0.00], 10_006.40),
    # ENTRY_IN: the entries only
    ("in", [-3.50, -2.10, 0.00, 0.00], 10_006.40),
    # ENTRY_OUT: both out-by deals, 2 x 0.60 x 3.50 = 4.20, on the first; 10 012.00 - 4.20
    ("out", [0.00, 0.00, -4.20, 0.00], 10_007.80),
])
def test_t19_close_by_commission(entry, comms, balance):
    eu = plain("EURUSD", commission_per_lot=3.5, commission_entry=entry)
    r = run([eu], T19_Q, T19_OPEN + [close_by(T0 + 2 * S, 1001, 1002)], commission=True)
    d = done(r)
    assert d["commission"].tolist() == comms
    assert d["balance"].tolist()[-2:] == [pytest.approx(balance, abs=1e-9)] * 2
    assert r.account[0]["balance"] == pytest.approx(balance, abs=1e-9)
    assert r.account[0]["commission_total"] == pytest.approx(-sum(comms), abs=1e-9)


@pytest.mark.parametrize("case,retcode", [
    ("netting", Retcode.INVALID_ORDER),      # Close By needs a hedging account
    ("not_allowed", Retcode.INVALID_ORDER),  # symbol without SYMBOL_ORDER_CLOSEBY
    ("same_side", Retcode.INVALID),
    ("same_ticket", Retcode.INVALID),
    ("other_symbol", Retcode.INVALID),
    ("unknown", Retcode.POSITION_CLOSED),
])
def test_t19_close_by_rejections(case, retcode):
    specs, quotes, mode = [EURUSD], T19_Q, "hedging"
    rows = T19_OPEN + [close_by(T0 + 2 * S, 1001, 1002)]
    if case == "netting":
        mode = "netting"
    elif case == "not_allowed":
        specs = [dataclasses.replace(EURUSD, close_by=False)]
    elif case == "same_side":
        rows = [new(T0, OrderType.BUY, 1.0), new(T0 + S, OrderType.BUY, 0.6),
                close_by(T0 + 2 * S, 1001, 1002)]
    elif case == "same_ticket":
        rows = T19_OPEN + [close_by(T0 + 2 * S, 1001, 1001)]
    elif case == "other_symbol":
        specs = [EURUSD, GBPUSD]
        quotes = {**T19_Q, 1: [(T0 - S, 1.27000, 1.27010)]}
        rows = [new(T0, OrderType.BUY, 1.0), new(T0 + S, OrderType.SELL, 0.6, symbol=1),
                close_by(T0 + 2 * S, 1001, 1002)]
    else:
        rows = T19_OPEN + [close_by(T0 + 2 * S, 1001, 1005)]
    sim = make(specs, quotes, rows, mode=mode)
    r = sim.run()
    # journaled like every rejection, reported to the decision side; nothing closed
    assert r.deals["retcode"].tolist()[-1] == retcode
    assert r.deals[-1]["ts"] == T0 + 2 * S
    assert len(done(r)) == 2
    assert sim.D[0][0]["n_rejected"] == 1
    assert all(sim.D[2]["working"] == 0.0)


# -- T20 commission per lot per side --

def test_t20_commission_per_lot_per_side():
    eu = plain("EURUSD", commission_per_lot=3.5)
    q = {0: [(T0, 1.09990, 1.10000), (T0 + S, 1.10100, 1.10110)]}
    r = run([eu], q, [new(T0, OrderType.BUY, 1.0), close(T0 + S, 1001, 1.0)], commission=True)
    d = done(r)
    assert d["commission"].tolist() == [-3.50, -3.50]
    assert d[1]["profit"] == 100.00
    assert eq_at(r, T0)["equity"] == pytest.approx(10_000.00 - 3.50 - 10.00, abs=1e-9)
    assert r.trades[0]["commission"] == -7.00
    assert r.account[0]["balance"] == pytest.approx(10_000.00 + 100.00 - 7.00, abs=1e-9)


@pytest.mark.parametrize("kw,comms", [
    # $7 once, at entry
    ({"commission_per_lot": 7.0, "commission_entry": "in"}, [-7.00, 0.00]),
    # $7 once, at exit
    ({"commission_per_lot": 7.0, "commission_entry": "out"}, [0.00, -7.00]),
    # $30 per million notional per side: 110 000 x 0.00003 = 3.30; 110 100 x 0.00003 = 3.303
    ({"commission_mode": "per_million", "commission_per_million": 30.0}, [-3.30, -3.30]),
    # 0.002 % = $20 per million: 110 000 x 0.00002 = 2.20; 110 100 x 0.00002 = 2.202
    ({"commission_mode": "per_million", "commission_per_million": 20.0}, [-2.20, -2.20]),
])
def test_t20_other_commission_models(kw, comms):
    eu = plain("EURUSD", **kw)
    q = {0: [(T0, 1.09990, 1.10000), (T0 + S, 1.10100, 1.10110)]}
    r = run([eu], q, [new(T0, OrderType.BUY, 1.0), close(T0 + S, 1001, 1.0)], commission=True)
    d = done(r)
    assert d["commission"].tolist() == comms
    assert d[1]["profit"] == 100.00
    assert r.trades[0]["commission"] == pytest.approx(sum(comms), abs=1e-9)
    assert r.account[0]["balance"] == pytest.approx(10_000.00 + 100.00 + sum(comms), abs=1e-9)


def test_commission_options_are_checked():
    with pytest.raises(ValueError, match="commission_mode"):
        dataclasses.replace(EURUSD, commission_mode="percent")
    with pytest.raises(ValueError, match="commission_entry"):
        dataclasses.replace(EURUSD, commission_entry="both")


@pytest.mark.parametrize("entry,comms,trade_comm,pos_comm", [
    # ALL: 3.50 + 3.50 + 3 x 3.50; the closed 2.00 carry 7.00 entry + 7.00 of the reversal
    ("all", [-3.50, -3.50, -10.50], -14.00, -3.50),
    # IN: the reversal pays for the newly opened 1.00 only
    ("in", [-3.50, -3.50, -3.50], -7.00, -3.50),
    # OUT: the reversal pays for the closed 2.00 only
    ("out", [0.00, 0.00, -7.00], -7.00, 0.00),
])
def test_t17_commission_entry_on_reversal(entry, comms, trade_comm, pos_comm):
    eu = plain("EURUSD", commission_per_lot=3.5, commission_entry=entry)
    q = {0: [(T0, 1.09990, 1.10000), (T0 + S, 1.10090, 1.10100), (T0 + 2 * S, 1.10150, 1.10160)]}
    rows = [new(T0, OrderType.BUY, 1.0), new(T0 + S, OrderType.BUY, 1.0),
            new(T0 + 2 * S, OrderType.SELL, 3.0)]
    r = run([eu], q, rows, mode="netting", commission=True)
    d = done(r)
    assert d["commission"].tolist() == comms
    assert d[2]["entry"] == DealEntry.INOUT
    assert d[2]["profit"] == 200.00
    assert r.trades[0]["commission"] == pytest.approx(trade_comm, abs=1e-9)
    assert r.positions[0]["commission"] == pytest.approx(pos_comm, abs=1e-9)
    assert r.account[0]["balance"] == pytest.approx(10_000.00 + 200.00 + sum(comms), abs=1e-9)


# -- T25 pending activation without margin --

def test_t25_pending_activation_without_margin():
    q = {0: [(T0, 1.09990, 1.10000), (T0 + S, 1.09790, 1.09800), (T0 + 2 * S, 1.09700, 1.09710)]}
    sim = make([EURUSD], q, [new(T0, OrderType.BUY_LIMIT, 1.0, price=1.09800)],
               balance=1_000.0)
    r = sim.run()
    assert r.deals["retcode"].tolist() == [Retcode.REJECT_CANCEL]
    assert r.deals[0]["ts"] == T0 + S
    assert len(r.positions) == 0
    assert r.account[0]["balance"] == 1_000.0
    o = sim.V[1][: sim.V[5][0]["n_orders"]]
    assert o[o["ticket"] == 1001][0]["state"] == OrderState.REJECTED
    assert sim.V[5][0]["n_pending"] == 0


# -- T22 server time: NY+7 vs EET around the US/EU DST gap --
