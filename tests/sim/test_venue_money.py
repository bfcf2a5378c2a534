"""Money cases of the simulated venue (mt-execution.md 2, 4-5, 7; cases T09, T15-T20, T25;
margin cases are in test_venue_margin.py).

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

from sim.core.enums import DealEntry, DealType, OrderState, OrderType, Retcode
from sim.data.symbols import SymbolSpec

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
    book = sim.core.record["book"][sim.core.record["book"]["active"]]
    assert len(book) == 1 and book[0]["side"] == -1 and book[0]["volume"] == 1.0
    assert sim.core.record["quote"][0]["net"] == pytest.approx(-1.0)


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
    assert by["slippage"].tolist() == [0.0, 0.0]
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
    assert r.account[0]["next_ticket"] == 1004         # the Close By order took 1003
    # the decision side mirrors it: one position of 0.40, net +0.40, nothing in flight
    book = sim.core.record["book"][sim.core.record["book"]["active"]]
    assert len(book) == 1 and book[0]["ident"] == 1001
    assert book[0]["volume"] == pytest.approx(0.4)
    assert sim.core.record["quote"][0]["net"] == pytest.approx(0.4) and sim.core.record["quote"][0]["working"] == 0.0
    assert sim.core.record["n_fills"] == 4
    # every report reached it as what it is: nothing out of the event contract
    assert sim.core.record["n_bad_events"] == 0


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
    sim = make([eu], T19_Q, T19_OPEN + [close_by(T0 + 2 * S, 1001, 1002)], commission=True)
    r = sim.run()
    d = done(r)
    assert d["commission"].tolist() == comms
    assert d["balance"].tolist()[-2:] == [pytest.approx(balance, abs=1e-9)] * 2
    assert r.account[0]["balance"] == pytest.approx(balance, abs=1e-9)
    assert r.account[0]["commission_total"] == pytest.approx(-sum(comms), abs=1e-9)
    # the trades carry it too: the net P&L of the closed trades plus what the open 0.40
    # already paid is the balance's change
    t = r.trades
    open_paid = r.positions["commission"].sum()
    assert (t["profit"] + t["commission"] + t["swap"]).sum() + open_paid == \
        pytest.approx(balance - 10_000.0, abs=1e-9)
    # ... and the decision side books the same money as the journal (the FILL reports)
    assert sim.core.record["realized"] == pytest.approx(
        (d["profit"] + d["commission"] + d["swap"]).sum(), abs=1e-9)


@pytest.mark.parametrize("case,retcode", [
    ("netting", Retcode.INVALID_ORDER),      # Close By needs a hedging account
    ("not_allowed", Retcode.INVALID_ORDER),  # symbol without SYMBOL_ORDER_CLOSEBY
    ("same_side", Retcode.INVALID),
    ("same_ticket", Retcode.INVALID),
    ("other_symbol", Retcode.INVALID),
    ("unknown", Retcode.POSITION_CLOSED),
    ("unknown_named", Retcode.POSITION_CLOSED),
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
    elif case == "unknown_named":
        rows = T19_OPEN + [close_by(T0 + 2 * S, 1005, 1002)]
    else:
        rows = T19_OPEN + [close_by(T0 + 2 * S, 1001, 1005)]
    sim = make(specs, quotes, rows, mode=mode)
    r = sim.run()
    # journaled like every rejection, reported to the decision side; nothing closed
    assert r.deals["retcode"].tolist()[-1] == retcode
    assert r.deals[-1]["ts"] == T0 + 2 * S
    assert len(done(r)) == 2
    assert sim.core.record["n_rejected"] == 1
    # the rejection row: no deal, no ticket, no money; typed as the close of the named
    # position (a sell for the buy 1001)
    rej = r.deals[-1]
    assert (rej["deal"], rej["order"], rej["reason"], rej["position_id"]) == (0, 0, 0, 0)
    assert (rej["profit"], rej["commission"], rej["swap"]) == (0.0, 0.0, 0.0)
    assert (rej["spread_cost"], rej["slippage"]) == (0.0, 0.0)
    assert rej["type"] == DealType.SELL
    assert all(sim.core.record["quote"]["working"] == 0.0)


# -- T20 commission per lot per side --

def test_t20_commission_per_lot_per_side():
    eu = plain("EURUSD", commission_per_lot=3.5)
    q = {0: [(T0, 1.09990, 1.10000), (T0 + S, 1.10100, 1.10110)]}
    sim = make([eu], q, [new(T0, OrderType.BUY, 1.0), close(T0 + S, 1001, 1.0)],
               commission=True)
    r = sim.run()
    d = done(r)
    assert d["commission"].tolist() == [-3.50, -3.50]
    assert d[1]["profit"] == 100.00
    assert eq_at(r, T0)["equity"] == pytest.approx(10_000.00 - 3.50 - 10.00, abs=1e-9)
    assert r.trades[0]["commission"] == -7.00
    assert r.account[0]["balance"] == pytest.approx(10_000.00 + 100.00 - 7.00, abs=1e-9)
    # the decision side's realized money is the journal's: 100.00 - 7.00; its account view
    # is the venue's after the last deal (carried by the FILL)
    assert sim.core.record["realized"] == pytest.approx(93.00, abs=1e-9)
    assert sim.core.record["balance"] == pytest.approx(10_093.00, abs=1e-9)
    assert sim.core.record["equity"] == pytest.approx(10_093.00, abs=1e-9)


def test_t20_entry_commission_sits_on_each_open_position():
    # hedging, 3.50 per lot per side: two buys of 0.10 pay 0.35 each, and each position
    # (the second in the next slot of the table) carries its own -0.35 until it closes
    eu = plain("EURUSD", commission_per_lot=3.5)
    q = {0: [(T0, 1.09990, 1.10000), (T0 + S, 1.09990, 1.10000)]}
    r = run([eu], q, [new(T0, OrderType.BUY, 0.1), new(T0 + S, OrderType.BUY, 0.1)],
            commission=True)
    assert done(r)["commission"].tolist() == [-0.35, -0.35]
    assert r.positions["ticket"].tolist() == [1001, 1002]
    assert r.positions["commission"].tolist() == [-0.35, -0.35]
    assert r.account[0]["balance"] == pytest.approx(10_000.00 - 0.70, abs=1e-9)


def test_t20_a_negative_commission_is_a_rebate_booked_like_a_charge():
    # -2.00 per lot (a rebate): buy 1.0 credits 2.00, carried by the open position; closing
    # it credits 2.00 more, and the trade carries 4.00: balance 10 000 + 100.00 + 4.00
    eu = plain("EURUSD", commission_per_lot=-2.0)
    q = {0: [(T0, 1.09990, 1.10000), (T0 + S, 1.10100, 1.10110), (T0 + 2 * S, 1.10100, 1.10110)]}
    r = run([eu], q, [new(T0, OrderType.BUY, 1.0)], commission=True)
    assert done(r)["commission"].tolist() == [2.00]
    assert r.positions["commission"].tolist() == [2.00]
    r = run([eu], q, [new(T0, OrderType.BUY, 1.0), close(T0 + S, 1001, 1.0)], commission=True)
    assert done(r)["commission"].tolist() == [2.00, 2.00]
    assert r.trades[0]["commission"] == pytest.approx(4.00, abs=1e-9)
    assert r.account[0]["balance"] == pytest.approx(10_104.00, abs=1e-9)


@pytest.mark.parametrize("first", [[], [new(T0, OrderType.BUY, 0.1)]], ids=["slot0", "slot1"])
def test_t19_close_by_rejection_of_a_short_is_typed_a_buy(first):
    # the named position is a sell (in the first slot, or the second): its refused Close By
    # (same side) is journaled as the buy that would have closed it
    k = 1001 + len(first)
    rows = first + [new(T0, OrderType.SELL, 1.0), new(T0 + S, OrderType.SELL, 0.6),
                    close_by(T0 + 2 * S, k, k + 1)]
    r = run([EURUSD], T19_Q, rows)
    assert r.deals["retcode"].tolist()[-1] == Retcode.INVALID
    assert r.deals[-1]["type"] == DealType.BUY


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


def test_t20_per_million_commission_of_a_cross_in_account_money():
    # GBPJPY on a USD account, 30 per million, buy 0.50 at ask 190.02: notional 0.5 x
    # 100 000 x 190.02 = 9 501 000 JPY, x 30e-6 = 285.03 JPY, into USD as a profit
    # converts, through USDJPY 149.00/151.00: 1 / ask (mirrored bid of JPY/USD) ->
    # 285.03 / 151.00 = 1.8876 -> 1.89
    gj = plain("GBPJPY", commission_mode="per_million", commission_per_million=30.0)
    uj = plain("USDJPY")
    q = {0: [(T0, 190.00, 190.02)], 1: [(T0 - S, 149.00, 151.00)]}
    r = run([gj, uj], q, [new(T0, OrderType.BUY, 0.5)], commission=True,
            rates={"GBPUSD": 1.27})
    assert done(r)["commission"].tolist() == [-1.89]
    # the half spread paid, at the same rate: 0.5 x 0.02 x 50 000 = 500 JPY / 151.00 = 3.31
    assert done(r)["spread_cost"].tolist() == [3.31]


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


def test_t17_commission_out_on_a_netting_close_of_a_second_symbol():
    # netting, EURUSD and GBPUSD at 3.50 per lot charged on the way out: EURUSD opens
    # first (the first position slot), GBPUSD second; selling GBPUSD's 0.50 closes it and
    # pays 0.5 x 3.50 = 1.75, whichever slot its position sits in
    eu = plain("EURUSD", commission_per_lot=3.5, commission_entry="out")
    gu = plain("GBPUSD", commission_per_lot=3.5, commission_entry="out")
    q = {0: [(T0, 1.09990, 1.10000), (T0 + 2 * S, 1.09990, 1.10000)],
         1: [(T0 + S, 1.26990, 1.27000), (T0 + 2 * S, 1.26990, 1.27000)]}
    rows = [new(T0, OrderType.BUY, 1.0), new(T0 + S, OrderType.BUY, 0.5, symbol=1),
            new(T0 + 2 * S, OrderType.SELL, 0.5, symbol=1)]
    r = run([eu, gu], q, rows, mode="netting", commission=True)
    d = done(r)
    assert d["symbol"].tolist() == [0, 1, 1]
    assert d["commission"].tolist() == [0.00, 0.00, -1.75]
    assert r.trades[0]["commission"] == pytest.approx(-1.75, abs=1e-9)


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
