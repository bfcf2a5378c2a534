"""Hand-computed fill cases of the simulated venue (mt-execution.md 11: T01-T06, T21).

Expected numbers come from the spec's hand computations, not from the code's output.
Common setup (11): USD account, leverage 100, EURUSD 5 digits, contract 100 000,
stops/freeze level 0, commission 0, zero latency, market execution, trigger_fill mt5.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import venue_cases  # tests/sim is on sys.path (pytest rootdir-less import)

import strategies.scripted as sc
from sim.batch.engine import Simulation
from sim.config import AccountConfig, Dist, ExecutionConfig
from sim.core.enums import (
    Action,
    DealEntry,
    DealReason,
    EventKind,
    OrderState,
    OrderType,
    Retcode,
)
from sim.data.symbols import load_symbol

MS = 1_000_000
S = 1_000_000_000
# Tuesday 2024-01-16 10:00 server (NY+7 = UTC+2 in winter) = 08:00 UTC
T0 = pd.Timestamp("2024-01-16T08:00:00Z").value

EURUSD = dataclasses.replace(load_symbol("EURUSD"), commission_per_lot=0.0, stops_level=0,
                             freeze_level=0, swap_mode="disabled")


def make(quotes, rows, mode="hedging", spec=EURUSD, balance=10_000.0, **ex):
    """quotes: [(ts, bid, ask)] of one symbol; rows: scripted rows."""
    return venue_cases.make([spec], {0: quotes}, rows, mode=mode, balance=balance, **ex)


def run(*a, **kw):
    return make(*a, **kw).run()


def done(r):
    return r.deals[r.deals["retcode"] == Retcode.DONE]


def buy(ts, vol, **kw):
    return sc.row(ts, Action.NEW, OrderType.BUY, vol, **kw)


def sell(ts, vol, **kw):
    return sc.row(ts, Action.NEW, OrderType.SELL, vol, **kw)


def close(ts, ticket, vol):
    return sc.row(ts, Action.CLOSE, OrderType.BUY, vol, ticket=ticket)


def eq_at(r, ts):
    row = r.equity[r.equity["ts"] == ts]
    assert len(row) == 1
    return row[0]


# -- T01 / T02 round trips --

@pytest.mark.parametrize("mode", ["hedging", "netting"])
def test_t01_long_round_trip(mode):
    q = [(T0, 1.10000, 1.10010), (T0 + S, 1.10110, 1.10120)]
    if mode == "hedging":
        rows = [buy(T0, 1.0), close(T0 + S, 1001, 1.0)]
    else:
        rows = [sc.target(T0, 1.0), sc.target(T0 + S, 0.0)]
    r = run(q, rows, mode)
    d = done(r)
    assert len(d) == 2
    assert d["price"].tolist() == [1.10010, 1.10110]
    assert d["entry"].tolist() == [DealEntry.IN, DealEntry.OUT]
    assert d["type"].tolist() == [0, 1]
    assert d["profit"].tolist() == [0.0, 100.00]
    assert r.account[0]["balance"] == 10_100.00
    assert len(r.positions) == 0
    assert r.trades[0]["profit"] == 100.00


def test_t01_spread_cost_on_entry():
    q = [(T0, 1.10000, 1.10012), (T0 + S, 1.10000, 1.10012)]
    r = run(q, [buy(T0, 1.0), close(T0 + S, 1001, 1.0)])
    e = eq_at(r, T0)
    assert e["balance"] == 10_000.00
    assert e["equity"] == pytest.approx(10_000.00 - 12.00, abs=1e-9)
    d = done(r)
    assert d["price"].tolist() == [1.10012, 1.10000]
    assert d[1]["profit"] == -12.00
    assert r.account[0]["balance"] == 10_000.00 - 12.00


@pytest.mark.parametrize("mode", ["hedging", "netting"])
def test_t02_short_round_trip(mode):
    q = [(T0, 1.10000, 1.10008), (T0 + S, 1.10040, 1.10050)]
    if mode == "hedging":
        rows = [sell(T0, 0.5), close(T0 + S, 1001, 0.5)]
    else:
        rows = [sc.target(T0, -0.5), sc.target(T0 + S, 0.0)]
    r = run(q, rows, mode)
    d = done(r)
    assert d["price"].tolist() == [1.10000, 1.10050]
    assert d["type"].tolist() == [1, 0]
    assert d[1]["profit"] == -25.00
    assert r.account[0]["balance"] == 10_000.00 - 25.00


# -- T03 trigger sides --

@pytest.mark.parametrize("mode", ["hedging", "netting"])
def test_t03_trigger_sides(mode):
    q = [(T0, 1.10000, 1.10010),
         (T0 + 1 * S, 1.10090, 1.10098),   # (a) nothing
         (T0 + 2 * S, 1.10092, 1.10103),   # (b) buy stop at 1.10103
         (T0 + 3 * S, 1.10193, 1.10205),   # (c) sell limit NOT triggered by the ask
         (T0 + 4 * S, 1.10200, 1.10210)]   # (d) sell limit at 1.10200
    rows = [sc.row(T0, Action.NEW, OrderType.BUY_STOP, 1.0, price=1.10100),
            sc.row(T0, Action.NEW, OrderType.SELL_LIMIT, 1.0, price=1.10200)]
    r = run(q, rows, mode)
    d = done(r)
    assert d["ts"].tolist() == [T0 + 2 * S, T0 + 4 * S]
    assert d["price"].tolist() == [1.10103, 1.10200]
    assert d["type"].tolist() == [0, 1]
    if mode == "hedging":
        assert d["entry"].tolist() == [DealEntry.IN, DealEntry.IN]
        assert len(r.positions) == 2
        assert sorted(r.positions["side"].tolist()) == [-1, 1]
    else:
        assert d["entry"].tolist() == [DealEntry.IN, DealEntry.OUT]
        assert d[1]["profit"] == 97.00
        assert r.account[0]["balance"] == 10_097.00
        assert len(r.positions) == 0


# -- T04 short SL on the ask --

@pytest.mark.parametrize("trigger_fill,price,profit", [
    ("mt5", 1.10102, -102.00),
    ("no_positive_slippage", 1.10102, -102.00),   # a stop: market price either way
    ("order_price", 1.10100, -100.00),
])
def test_t04_short_sl_on_ask(trigger_fill, price, profit):
    q = [(T0, 1.10000, 1.10010),
         (T0 + S, 1.10050, 1.10099),      # ask one point below the SL: no trigger
         (T0 + 2 * S, 1.10085, 1.10102),  # spread widened: ask >= SL, bid far below
         (T0 + 3 * S, 1.10000, 1.10010)]
    r = run(q, [sell(T0, 1.0, sl=1.10100)], trigger_fill=trigger_fill)
    d = done(r)
    assert len(d) == 2
    assert d[1]["ts"] == T0 + 2 * S
    assert d[1]["reason"] == DealReason.SL
    assert d[1]["type"] == 0 and d[1]["entry"] == DealEntry.OUT
    assert d[1]["price"] == price
    assert d[1]["profit"] == profit
    assert r.account[0]["balance"] == 10_000.00 + profit


def test_short_tp_on_ask():
    # short TP is checked on the ask: bid at the TP is not enough
    q = [(T0, 1.10000, 1.10010),
         (T0 + S, 1.09900, 1.09912),      # bid below TP, ask above: no trigger
         (T0 + 2 * S, 1.09898, 1.09900)]  # ask reaches the TP
    r = run(q, [sell(T0, 1.0, tp=1.09900)])
    d = done(r)
    assert d[1]["ts"] == T0 + 2 * S
    assert d[1]["reason"] == DealReason.TP
    assert d[1]["price"] == 1.09900
    assert d[1]["profit"] == 100.00


def test_long_sl_on_bid_not_ask():
    q = [(T0, 1.10000, 1.10010),
         (T0 + S, 1.09905, 1.09895 + 0.00020),   # ask 1.09915, bid 1.09905 > SL: nothing
         (T0 + 2 * S, 1.09900, 1.09930)]         # bid == SL: trigger at the bid
    r = run(q, [buy(T0, 1.0, sl=1.09900)])
    d = done(r)
    assert d[1]["ts"] == T0 + 2 * S
    assert d[1]["reason"] == DealReason.SL
    assert d[1]["price"] == 1.09900
    assert d[1]["profit"] == -110.00
    # as in MT5, the server closes it by an order of its own (ORDER_REASON_SL): the next
    # ticket after the opening order's, and no client id
    assert d["order"].tolist() == [1001, 1002] and d["cid"].tolist()[1] == 0


# -- T05 gap through a long SL --

FRI = pd.Timestamp("2024-01-19T21:58:00Z").value     # Friday 23:58 server
MON = pd.Timestamp("2024-01-21T22:05:00Z").value     # Monday 00:05 server


@pytest.mark.parametrize("trigger_fill,price,profit", [
    ("mt5", 1.09300, -700.00),
    ("no_positive_slippage", 1.09300, -700.00),
    ("order_price", 1.09500, -500.00),
])
def test_t05_gap_through_long_sl(trigger_fill, price, profit):
    q = [(FRI - 60 * S, 1.09990, 1.10000),
         (FRI, 1.09620, 1.09635),
         (MON, 1.09300, 1.09320)]
    r = run(q, [buy(FRI - 60 * S, 1.0, sl=1.09500)], trigger_fill=trigger_fill)
    d = done(r)
    assert d[0]["price"] == 1.10000
    assert d[1]["ts"] == MON and d[1]["reason"] == DealReason.SL
    assert d[1]["price"] == price
    assert d[1]["profit"] == profit


# -- T06 gap through a Buy Limit; gaps through TP and a Sell Stop --

@pytest.mark.parametrize("trigger_fill,price,floating", [
    ("mt5", 1.09600, 100.00),
    ("no_positive_slippage", 1.09800, -100.00),
    ("order_price", 1.09800, -100.00),
])
def test_t06_gap_through_buy_limit(trigger_fill, price, floating):
    q = [(FRI, 1.09900, 1.09910),
         (MON, 1.09580, 1.09600),
         (MON + S, 1.09700, 1.09712)]
    r = run(q, [sc.row(FRI, Action.NEW, OrderType.BUY_LIMIT, 1.0, price=1.09800)],
            trigger_fill=trigger_fill)
    d = done(r)
    assert len(d) == 1
    assert d[0]["ts"] == MON and d[0]["price"] == price
    a = r.account[0]
    assert a["floating"] == pytest.approx(floating, abs=1e-9)
    assert a["equity"] == pytest.approx(10_000.00 + floating, abs=1e-9)
    assert eq_at(r, MON + S)["equity"] == pytest.approx(10_000.00 + floating, abs=1e-9)


@pytest.mark.parametrize("trigger_fill,price,profit", [
    ("mt5", 1.10300, 300.00),                   # TP gains the gap
    ("no_positive_slippage", 1.10200, 200.00),
    ("order_price", 1.10200, 200.00),
])
def test_gap_through_long_tp(trigger_fill, price, profit):
    q = [(FRI, 1.09990, 1.10000), (MON, 1.10300, 1.10310)]
    r = run(q, [buy(FRI, 1.0, tp=1.10200)], trigger_fill=trigger_fill)
    d = done(r)
    assert d[1]["reason"] == DealReason.TP
    assert d[1]["price"] == price and d[1]["profit"] == profit


@pytest.mark.parametrize("trigger_fill,price", [
    ("mt5", 1.09300),                   # a stop slips with the gap
    ("no_positive_slippage", 1.09300),
    ("order_price", 1.09500),
])
def test_gap_through_sell_stop(trigger_fill, price):
    q = [(FRI, 1.09990, 1.10000), (MON, 1.09300, 1.09320)]
    r = run(q, [sc.row(FRI, Action.NEW, OrderType.SELL_STOP, 1.0, price=1.09500)],
            trigger_fill=trigger_fill)
    d = done(r)
    assert len(d) == 1 and d[0]["type"] == 1
    assert d[0]["price"] == price


def test_gap_through_sell_limit_mt5_gains():
    q = [(FRI, 1.09990, 1.10000), (MON, 1.10300, 1.10320)]
    r = run(q, [sc.row(FRI, Action.NEW, OrderType.SELL_LIMIT, 1.0, price=1.10200)])
    assert done(r)[0]["price"] == 1.10300


# -- T21 latency --

T21_Q = [(T0, 1.10000, 1.10010), (T0 + 20 * MS, 1.10002, 1.10012),
         (T0 + 70 * MS, 1.10005, 1.10015)]


def test_t21_zero_latency():
    d = done(run(T21_Q, [buy(T0, 1.0)]))
    assert d[0]["ts"] == T0 and d[0]["price"] == 1.10010


def test_t21_latency_quote_in_force_at_arrival():
    r = run(T21_Q, [buy(T0, 1.0)], submit_latency=Dist("constant", 50.0))
    d = done(r)
    assert len(d) == 1
    assert d[0]["ts"] == T0 + 50 * MS
    assert d[0]["price"] == 1.10012
    assert d[0]["signal_ts"] == T0 and d[0]["signal_price"] == 1.10010


def test_t21_latency_split_submit_and_venue():
    r = run(T21_Q, [buy(T0, 1.0)], submit_latency=Dist("constant", 30.0),
            venue_latency=Dist("constant", 20.0))
    d = done(r)
    assert d[0]["ts"] == T0 + 50 * MS and d[0]["price"] == 1.10012


def test_t21_latency_fill_on_next_tick():
    r = run(T21_Q, [buy(T0, 1.0)], submit_latency=Dist("constant", 50.0), fill_on="next_tick")
    d = done(r)
    assert d[0]["ts"] == T0 + 70 * MS
    assert d[0]["price"] == 1.10015


def test_fill_on_next_tick_waits_for_its_own_symbol():
    # GBPUSD buy sent at T0 with 50 ms latency.  A EURUSD tick at 70 ms must not execute it
    # (against GBPUSD's T0 quote 1.27010); the first GBPUSD tick after arrival, at 100 ms,
    # does: fill at its ask 1.27025.
    gbpusd = dataclasses.replace(load_symbol("GBPUSD"), commission_per_lot=0.0,
                                 swap_mode="disabled")
    eu = [(T0 - S, 1.10000, 1.10010), (T0 + 70 * MS, 1.10005, 1.10015)]
    gu = [(T0, 1.27000, 1.27010), (T0 + 100 * MS, 1.27015, 1.27025)]
    streams = [tuple(np.array([x[k] for x in q], dtype=np.int64 if k == 0 else float)
                     for k in range(3)) for q in (eu, gu)]
    p = sc.Params(rows=(buy(T0, 1.0, symbol=1),))
    for fill_on, ts, price in (("next_tick", T0 + 100 * MS, 1.27025),
                               ("arrival", T0 + 50 * MS, 1.27010)):
        sim = Simulation([EURUSD, gbpusd], streams, sc, sc.make_params(p),
                         ExecutionConfig(commission=False, swaps=False, fill_on=fill_on,
                                         submit_latency=Dist("constant", 50.0)),
                         AccountConfig(mode="hedging", equity_bucket_s=1), data=sc.make_data(p))
        d = done(sim.run())
        assert len(d) == 1 and d[0]["symbol"] == 1
        assert d[0]["ts"] == ts and d[0]["price"] == price


def test_fill_on_next_tick_zero_latency_other_symbol():
    # zero latency, order for GBPUSD decided on a EURUSD tick: it executes on the next
    # GBPUSD tick (1.27025), not at once against GBPUSD's older quote
    gbpusd = dataclasses.replace(load_symbol("GBPUSD"), commission_per_lot=0.0,
                                 swap_mode="disabled")
    eu = [(T0, 1.10000, 1.10010)]
    gu = [(T0 - S, 1.27000, 1.27010), (T0 + S, 1.27015, 1.27025)]
    streams = [tuple(np.array([x[k] for x in q], dtype=np.int64 if k == 0 else float)
                     for k in range(3)) for q in (eu, gu)]
    p = sc.Params(rows=(buy(T0, 1.0, symbol=1),))
    sim = Simulation([EURUSD, gbpusd], streams, sc, sc.make_params(p),
                     ExecutionConfig(commission=False, swaps=False, fill_on="next_tick"),
                     AccountConfig(mode="hedging", equity_bucket_s=1), data=sc.make_data(p))
    d = done(sim.run())
    assert len(d) == 1 and d[0]["ts"] == T0 + S and d[0]["price"] == 1.27025


# -- T21 instant / request execution: deviation and requotes (6.1, 6.2) --

LAT50 = {"submit_latency": Dist("constant", 50.0)}


@pytest.mark.parametrize("exe_mode", ["instant", "request"])
def test_t21_instant_execution_requote(exe_mode):
    # buy requested at 1.10010 (the ask seen at t = 0), 50 ms latency: at arrival the quote
    # in force is 1.10002/1.10012.  Deviation 3: |1.10012 - 1.10010| = 2 points <= 3 ->
    # fill at 1.10012
    d = done(run(T21_Q, [buy(T0, 1.0)], exe_mode=exe_mode, deviation=3, **LAT50))
    assert len(d) == 1
    assert d[0]["ts"] == T0 + 50 * MS and d[0]["price"] == 1.10012
    assert d[0]["signal_price"] == 1.10010
    # deviation 1: 2 > 1 -> 10004 requote carrying 1.10002/1.10012; no order, no position.
    # (a long report latency keeps the requote report in the queue to inspect it)
    sim = make(T21_Q, [buy(T0, 1.0)], exe_mode=exe_mode, deviation=1,
               report_latency=Dist("constant", 10_000.0), **LAT50)
    r = sim.run()
    assert r.deals["retcode"].tolist() == [Retcode.REQUOTE]
    rq = r.deals[0]
    assert rq["ts"] == T0 + 50 * MS and rq["price"] == 1.10012
    assert rq["signal_price"] == 1.10010 and rq["order"] == 0
    assert (rq["profit"], rq["commission"], rq["swap"], rq["deal"]) == (0.0, 0.0, 0.0, 0)
    assert (rq["spread_cost"], rq["slippage"], rq["reason"], rq["position_id"]) == (0.0, 0.0, 0, 0)
    assert len(r.positions) == 0 and r.account[0]["balance"] == 10_000.00
    rep = sim.V[4][0]
    assert rep["kind"] == EventKind.REJECT and rep["retcode"] == Retcode.REQUOTE
    assert (rep["bid"], rep["ask"]) == (1.10002, 1.10012)
    assert (rep["profit"], rep["commission"], rep["swap"], rep["deal_reason"]) == (0.0, 0.0, 0.0, 0)


def test_t21_requote_reaches_the_decision_side():
    sim = make(T21_Q, [buy(T0, 1.0)], exe_mode="instant", deviation=1, **LAT50)
    r = sim.run()
    assert r.deals["retcode"].tolist() == [Retcode.REQUOTE]
    assert sim.core.record["n_rejected"] == 1
    assert sim.core.record["quote"][0]["working"] == 0.0 and sim.core.record["quote"][0]["net"] == 0.0
    # the order journal keeps it, as it ended: refused, no ticket taken
    assert len(r.orders) == 1
    assert (r.orders[0]["state"], r.orders[0]["ticket"]) == (OrderState.REJECTED, 0)


@pytest.mark.parametrize("deviation,retcodes,price", [
    # sell requested at bid 1.10000; at arrival bid 1.10002: 2 points *better*, yet outside a
    # deviation of 1 it is requoted too (one symmetric deviation, 6.2)
    (1, [Retcode.REQUOTE], 1.10002),
    (2, [Retcode.DONE], 1.10002),
])
def test_t21_deviation_is_symmetric(deviation, retcodes, price):
    r = run(T21_Q, [sell(T0, 1.0)], exe_mode="instant", deviation=deviation, **LAT50)
    assert r.deals["retcode"].tolist() == retcodes
    assert r.deals[0]["price"] == price


@pytest.mark.parametrize("deviation,retcodes,n_open", [
    # close of the long requested at bid 1.10005 (seen at 70 ms), arrives at 120 ms on
    # 1.10009/1.10019: 4 points -> requoted with deviation 3, the position stays open
    (3, [Retcode.DONE, Retcode.REQUOTE], 1),
    # deviation 5: closed at 1.10009; profit 110 009.00 - 110 012.00 = -3.00
    (5, [Retcode.DONE, Retcode.DONE], 0),
])
def test_t21_instant_close_is_requoted_too(deviation, retcodes, n_open):
    q = T21_Q + [(T0 + 100 * MS, 1.10009, 1.10019), (T0 + 200 * MS, 1.10009, 1.10019)]
    rows = [buy(T0, 1.0), close(T0 + 70 * MS, 1001, 1.0)]
    r = run(q, rows, exe_mode="instant", deviation=deviation, **LAT50)
    assert r.deals["retcode"].tolist() == retcodes
    assert r.deals[1]["ts"] == T0 + 120 * MS and r.deals[1]["price"] == 1.10009
    assert r.deals[1]["signal_price"] == 1.10005
    assert len(r.positions) == n_open
    if n_open == 0:
        assert r.deals[1]["profit"] == -3.00


def test_instant_execution_bounds_modelled_slippage():
    # zero latency, fixed slippage 2 points: the fill would be 1.10012 against the requested
    # 1.10010, outside a deviation of 1 (requote) and inside a deviation of 2 (fill)
    from sim.config import Slippage
    q = [(T0, 1.10000, 1.10010)]
    slip = Slippage("fixed", 2.0)
    r = run(q, [buy(T0, 1.0)], exe_mode="instant", deviation=1, slippage=slip)
    assert r.deals["retcode"].tolist() == [Retcode.REQUOTE]
    r = run(q, [buy(T0, 1.0)], exe_mode="instant", deviation=2, slippage=slip)
    assert done(r)[0]["price"] == pytest.approx(1.10012, abs=1e-12)


def test_instant_execution_leaves_triggered_orders_alone():
    # pending orders and SL/TP are executed by the server: no requote (T03 b, T04 in
    # instant mode with deviation 0)
    q = [(T0, 1.10000, 1.10010), (T0 + S, 1.10092, 1.10103), (T0 + 2 * S, 1.10085, 1.10202)]
    rows = [sc.row(T0, Action.NEW, OrderType.BUY_STOP, 1.0, price=1.10100),
            sell(T0, 1.0, sl=1.10200)]
    d = done(run(q, rows, exe_mode="instant", deviation=0))
    assert d["price"].tolist() == [1.10000, 1.10103, 1.10202]
    assert d[2]["reason"] == DealReason.SL


def test_market_execution_ignores_deviation():
    r = run(T21_Q, [buy(T0, 1.0)], exe_mode="market", deviation=0, **LAT50)
    assert done(r)[0]["price"] == 1.10012


@pytest.mark.parametrize("preset", ["ideal", "realistic", "pessimistic"])
def test_execution_presets_use_market_execution(preset):
    from omegaconf import OmegaConf

    from sim.api import compose
    from sim.config import from_mapping
    cfg = compose([f"execution={preset}"])
    ex = from_mapping(ExecutionConfig, OmegaConf.to_container(cfg.execution, resolve=True))
    assert (ex.exe_mode, ex.deviation) == ("market", 0)
    cfg = compose([f"execution={preset}", "execution.exe_mode=instant", "execution.deviation=3"])
    ex = from_mapping(ExecutionConfig, OmegaConf.to_container(cfg.execution, resolve=True))
    assert (ex.exe_mode, ex.deviation) == ("instant", 3)


def test_execution_mode_is_checked():
    from sim.config import exec_record
    with pytest.raises(ValueError, match="exe_mode"):
        exec_record(ExecutionConfig(exe_mode="exchange"), AccountConfig())
    with pytest.raises(ValueError, match="deviation"):
        exec_record(ExecutionConfig(deviation=-1), AccountConfig())


def test_fixed_slippage_on_market_and_stop_not_on_limit():
    from sim.config import Slippage
    q = [(T0, 1.10000, 1.10010), (T0 + S, 1.10100, 1.10112), (T0 + 2 * S, 1.09790, 1.09800)]
    rows = [buy(T0, 1.0),
            sc.row(T0, Action.NEW, OrderType.BUY_STOP, 1.0, price=1.10110),
            sc.row(T0, Action.NEW, OrderType.BUY_LIMIT, 1.0, price=1.09800)]
    r = run(q, rows, slippage=Slippage("fixed", 2.0))
    d = done(r)
    assert d["price"].tolist() == pytest.approx([1.10012, 1.10114, 1.09800], abs=1e-12)
    assert d["slippage"].tolist() == [2.00, 2.00, 0.0]
    # a sell slips down from the bid: 1.10000 - 2 points
    d = done(run(q[:1], [sell(T0, 1.0)], slippage=Slippage("fixed", 2.0)))
    assert d["price"].tolist() == pytest.approx([1.09998], abs=1e-12)
    assert d["slippage"].tolist() == [2.00]
    # filled at the order's price (trigger_fill=order_price): no slippage at all
    r = run(q, rows, slippage=Slippage("fixed", 2.0), trigger_fill="order_price")
    d = done(r)
    assert d["price"].tolist() == pytest.approx([1.10012, 1.10110, 1.09800], abs=1e-12)
    assert d["slippage"].tolist() == [2.00, 0.0, 0.0]


def test_spread_slippage_is_a_share_of_the_spread_in_points():
    # slippage "spread" 0.5: half the spread, rounded to whole points.  Ask 1.10010 - bid
    # 1.10000 = 10 points -> 5 points: buy 1.0 at 1.10015, 5 x 0.00001 x 100 000 = 5.00 USD
    from sim.config import Slippage
    d = done(run([(T0, 1.10000, 1.10010)], [buy(T0, 1.0)], slippage=Slippage("spread", 0.5)))
    assert d["price"].tolist() == pytest.approx([1.10015], abs=1e-12)
    assert d["slippage"].tolist() == [5.00]
