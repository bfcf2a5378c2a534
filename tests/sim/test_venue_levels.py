"""Stops level, freeze level, wrong-side pending prices and expiry (mt-execution.md 1.6, 6.5;
cases T07, T08, T23).  Expected numbers are the spec's hand computations."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import venue_cases  # tests/sim is on sys.path (pytest rootdir-less import)

import strategies.scripted as sc
from sim.batch.engine import Simulation
from sim.config import AccountConfig, ExecutionConfig
from sim.core.enums import Action, DealReason, OrderState, OrderTime, OrderType, Retcode
from sim.data.symbols import load_symbol

S = 1_000_000_000
T0 = pd.Timestamp("2024-01-16T08:00:00Z").value     # Tuesday 10:00 server

EURUSD = dataclasses.replace(load_symbol("EURUSD"), commission_per_lot=0.0, stops_level=0,
                             freeze_level=0, swap_mode="disabled")


def make(quotes, rows, mode="hedging", spec=EURUSD, balance=10_000.0, **ex):
    """quotes: [(ts, bid, ask)] of one symbol; rows: scripted rows."""
    return venue_cases.make([spec], {0: quotes}, rows, mode=mode, balance=balance, **ex)


def run(quotes, rows, **kw):
    return make(quotes, rows, **kw).run()


def new(ts, otype, vol=1.0, price=0.0, sl=0.0, tp=0.0, expiry=0, type_time=0):
    return sc.row(ts, Action.NEW, otype, vol, price=price, sl=sl, tp=tp, expiry=expiry,
                  type_time=type_time)


def retcodes(r):
    return r.deals["retcode"].tolist()


def orders(sim):
    o = sim.V[1]
    return o[: sim.V[5][0]["n_orders"]]


# -- T07 stops level --

SL10 = dataclasses.replace(EURUSD, stops_level=10)
Q07 = [(T0, 1.10000, 1.10012), (T0 + S, 1.10000, 1.10012)]


@pytest.mark.parametrize("otype,price,sl,tp,rc", [
    (OrderType.BUY, 0.0, 1.09995, 0.0, Retcode.INVALID_STOPS),        # (a) Bid - SL = 5 < 10
    (OrderType.BUY, 0.0, 1.09990, 0.0, Retcode.DONE),                 # (b) 10 >= 10
    (OrderType.BUY, 0.0, 0.0, 1.10009, Retcode.INVALID_STOPS),        # (c) TP - Bid = 9
    (OrderType.BUY, 0.0, 0.0, 1.10010, Retcode.DONE),                 #     TP - Bid = 10
    (OrderType.BUY_STOP, 1.10020, 0.0, 0.0, Retcode.INVALID_STOPS),   # (d) Open - Ask = 8
    (OrderType.BUY_STOP, 1.10022, 0.0, 0.0, Retcode.DONE),            #     10
    (OrderType.SELL_LIMIT, 1.10008, 0.0, 0.0, Retcode.INVALID_STOPS), # (e) Open - Bid = 8
    (OrderType.SELL_LIMIT, 1.10010, 0.0, 0.0, Retcode.DONE),          #     10
    (OrderType.SELL, 0.0, 1.10021, 0.0, Retcode.INVALID_STOPS),       # SL - Ask = 9
    (OrderType.SELL, 0.0, 1.10022, 0.0, Retcode.DONE),                # SL - Ask = 10
    (OrderType.SELL, 0.0, 0.0, 1.10003, Retcode.INVALID_STOPS),       # Ask - TP = 9
    (OrderType.BUY_LIMIT, 1.10002, 0.0, 0.0, Retcode.DONE),           # Ask - Open = 10
    (OrderType.BUY_LIMIT, 1.10003, 0.0, 0.0, Retcode.INVALID_STOPS),  # 9
    (OrderType.SELL_STOP, 1.09990, 0.0, 0.0, Retcode.DONE),           # Bid - Open = 10
    (OrderType.SELL_STOP, 1.09991, 0.0, 0.0, Retcode.INVALID_STOPS),
    (OrderType.BUY_LIMIT, 1.09900, 1.09891, 0.0, Retcode.INVALID_STOPS),  # Open - SL = 9
    (OrderType.BUY_LIMIT, 1.09900, 1.09890, 1.09910, Retcode.DONE),       # 10 and 10
    (OrderType.SELL_STOP, 1.09900, 1.09909, 0.0, Retcode.INVALID_STOPS),  # SL - Open = 9
])
def test_t07_stops_level(otype, price, sl, tp, rc):
    r = run(Q07, [new(T0, otype, price=price, sl=sl, tp=tp)], spec=SL10)
    assert len(r.deals) == (1 if (rc != Retcode.DONE or otype <= 1) else 0)
    if rc == Retcode.DONE and otype > 1:
        assert len(r.deals) == 0         # pending placed, not filled, not rejected
    else:
        assert r.deals[0]["retcode"] == rc
    if rc == Retcode.INVALID_STOPS:
        assert len(r.positions) == 0


# -- wrong-side pending prices (stops level 0 still needs the strict side) --

@pytest.mark.parametrize("otype,price", [
    (OrderType.BUY_LIMIT, 1.10012),    # at the ask
    (OrderType.BUY_LIMIT, 1.10050),    # above the ask
    (OrderType.BUY_STOP, 1.10012),
    (OrderType.BUY_STOP, 1.09950),
    (OrderType.SELL_LIMIT, 1.10000),   # at the bid
    (OrderType.SELL_LIMIT, 1.09950),
    (OrderType.SELL_STOP, 1.10000),
    (OrderType.SELL_STOP, 1.10050),
])
def test_wrong_side_pending_rejected(otype, price):
    r = run(Q07, [new(T0, otype, price=price)])
    assert retcodes(r) == [Retcode.INVALID_STOPS]
    assert len(r.positions) == 0


@pytest.mark.parametrize("otype,sl,tp", [
    (OrderType.BUY, 1.10000, 0.0),     # long SL at the bid
    (OrderType.BUY, 0.0, 1.09990),     # long TP below the bid
    (OrderType.SELL, 1.10012, 0.0),    # short SL at the ask
    (OrderType.SELL, 0.0, 1.10020),    # short TP above the ask
])
def test_wrong_side_sltp_rejected(otype, sl, tp):
    r = run(Q07, [new(T0, otype, sl=sl, tp=tp)])
    assert retcodes(r) == [Retcode.INVALID_STOPS]
    assert len(r.positions) == 0


def test_pending_price_not_tick_multiple():
    r = run(Q07, [new(T0, OrderType.BUY_LIMIT, price=1.099005)])
    assert retcodes(r) == [Retcode.INVALID_PRICE]


# -- T08 freeze level --

FZ5 = dataclasses.replace(EURUSD, freeze_level=5)


def _t08(second_quote, second_row):
    q = [(T0, 1.09990, 1.10000), (T0 + S, *second_quote), (T0 + 2 * S, *second_quote)]
    rows = [new(T0, OrderType.BUY, sl=1.09900, tp=1.10105), second_row(T0 + S)]
    return run(q, rows, spec=FZ5)


def test_t08_modify_sl_inside_freeze_rejected():
    r = _t08((1.10100, 1.10110),
             lambda t: sc.row(t, Action.MODIFY, OrderType.BUY, 0.0, sl=1.09950, tp=1.10105,
                              ticket=1001))
    assert retcodes(r) == [Retcode.DONE, Retcode.FROZEN]
    assert r.positions[0]["sl"] == 1.09900


def test_t08_close_inside_freeze_rejected():
    r = _t08((1.10100, 1.10110),
             lambda t: sc.row(t, Action.CLOSE, OrderType.SELL, 1.0, ticket=1001))
    assert retcodes(r) == [Retcode.DONE, Retcode.FROZEN]
    assert len(r.positions) == 1


def test_t08_modify_allowed_at_distance_6():
    r = _t08((1.10099, 1.10109),
             lambda t: sc.row(t, Action.MODIFY, OrderType.BUY, 0.0, sl=1.09950, tp=1.10105,
                              ticket=1001))
    assert retcodes(r) == [Retcode.DONE]
    assert r.positions[0]["sl"] == 1.09950


def test_t08_close_allowed_at_distance_6():
    r = _t08((1.10099, 1.10109),
             lambda t: sc.row(t, Action.CLOSE, OrderType.SELL, 1.0, ticket=1001))
    assert retcodes(r) == [Retcode.DONE, Retcode.DONE]
    assert r.deals[1]["price"] == 1.10099 and r.deals[1]["profit"] == 99.00


def test_t08_tp_still_triggers_inside_freeze():
    q = [(T0, 1.09990, 1.10000), (T0 + S, 1.10100, 1.10110), (T0 + 2 * S, 1.10105, 1.10115)]
    r = run(q, [new(T0, OrderType.BUY, sl=1.09900, tp=1.10105)], spec=FZ5)
    d = r.deals
    assert d[1]["reason"] == DealReason.TP and d[1]["ts"] == T0 + 2 * S
    assert d[1]["price"] == 1.10105 and d[1]["profit"] == 105.00


@pytest.mark.parametrize("action", [Action.MODIFY, Action.CANCEL])
def test_t08_pending_inside_freeze(action):
    # Buy Limit 1.09996, ask 1.10000: distance 4 <= 5 -> frozen; at distance 6 allowed
    q = [(T0, 1.09990, 1.10010), (T0 + S, 1.09990, 1.10000), (T0 + 2 * S, 1.09992, 1.10002),
         (T0 + 3 * S, 1.09992, 1.10002)]
    lim = 1001
    rows = [new(T0, OrderType.BUY_LIMIT, price=1.09996),
            sc.row(T0 + S, action, OrderType.BUY_LIMIT, 0.0, price=1.09980, ticket=lim),
            sc.row(T0 + 2 * S, action, OrderType.BUY_LIMIT, 0.0, price=1.09980, ticket=lim)]
    sim = make(q, rows, spec=FZ5)
    r = sim.run()
    assert retcodes(r) == [Retcode.FROZEN]
    assert r.deals[0]["ts"] == T0 + S
    o = orders(sim)
    placed = o[o["ticket"] == lim]
    assert len(placed) == 1
    if action == Action.CANCEL:
        assert placed[0]["state"] == OrderState.CANCELED
    else:
        assert placed[0]["state"] == OrderState.PLACED
        assert placed[0]["price"] == 1.09980


# -- T23 expiry --

def test_t23_specified_time_expiry():
    # ORDER_TIME_SPECIFIED 2024-05-01 12:30:00 server (UTC+3 in May) = 09:30 UTC
    exp = pd.Timestamp("2024-05-01T09:30:00Z").value
    q = [(exp - 3600 * S, 1.10000, 1.10010),
         (exp - S, 1.10000, 1.10010),
         (exp, 1.09700, 1.09710),          # would trigger, but the order expired at 12:30:00
         (exp + S, 1.09700, 1.09710)]
    sim = make(q, [new(exp - 3600 * S, OrderType.BUY_LIMIT, price=1.09800, expiry=exp)])
    r = sim.run()
    assert len(r.positions) == 0
    # journaled like a rejection, at the expiry instant, and reported to the decision side
    assert retcodes(r) == [Retcode.EXPIRED]
    assert r.deals[0]["ts"] == exp and r.deals[0]["order"] == 1001
    assert r.decision[0]["n_rejected"] == 1
    o = orders(sim)
    assert o[0]["state"] == OrderState.EXPIRED
    assert sim.V[5][0]["n_pending"] == 0


def test_t23_specified_not_yet_expired_triggers():
    exp = pd.Timestamp("2024-05-01T09:30:00Z").value
    q = [(exp - 3600 * S, 1.10000, 1.10010), (exp - S, 1.09700, 1.09710)]
    r = run(q, [new(exp - 3600 * S, OrderType.BUY_LIMIT, price=1.09800, expiry=exp)])
    assert retcodes(r) == [Retcode.DONE]
    assert r.deals[0]["price"] == 1.09710


def test_t23_expiry_in_the_past_rejected():
    q = [(T0, 1.10000, 1.10010), (T0 + S, 1.10000, 1.10010)]
    r = run(q, [new(T0, OrderType.BUY_LIMIT, price=1.09800, expiry=T0)])
    assert retcodes(r) == [Retcode.INVALID_EXPIRATION]


def test_t23_gtc_survives_days():
    # GTC (expiry 0) stays working over several server days and triggers later
    q = [(T0, 1.10000, 1.10010), (T0 + 3 * 86400 * S, 1.09900, 1.09910),
         (T0 + 4 * 86400 * S, 1.09700, 1.09710)]
    r = run(q, [new(T0, OrderType.BUY_LIMIT, price=1.09800)])
    assert retcodes(r) == [Retcode.DONE]
    assert r.deals[0]["ts"] == T0 + 4 * 86400 * S


# ORDER_TIME_DAY: Tuesday 2024-01-16 10:00 server (UTC+2) -> expires at Tuesday 24:00 server
TUE_END = pd.Timestamp("2024-01-16T22:00:00Z").value


def test_t23_day_order_expires_at_server_midnight():
    q = [(T0, 1.10000, 1.10010),
         (TUE_END - S, 1.09900, 1.09910),     # Tuesday 23:59:59: still working, not reached
         (TUE_END + 60 * S, 1.09700, 1.09710)]  # Wednesday: would trigger, but expired
    sim = make(q, [new(T0, OrderType.BUY_LIMIT, price=1.09800, type_time=OrderTime.DAY)])
    r = sim.run()
    assert len(r.positions) == 0
    assert retcodes(r) == [Retcode.EXPIRED]
    assert r.deals[0]["ts"] == TUE_END
    o = orders(sim)
    assert o[o["ticket"] == 1001][0]["state"] == OrderState.EXPIRED
    assert o[o["ticket"] == 1001][0]["expiry"] == TUE_END
    assert r.decision[0]["n_rejected"] == 1


def test_t23_day_order_triggers_before_midnight():
    q = [(T0, 1.10000, 1.10010), (TUE_END - S, 1.09700, 1.09710),
         (TUE_END + 60 * S, 1.09700, 1.09710)]
    r = run(q, [new(T0, OrderType.BUY_LIMIT, price=1.09800, type_time=OrderTime.DAY)])
    assert retcodes(r) == [Retcode.DONE]
    assert r.deals[0]["ts"] == TUE_END - S and r.deals[0]["price"] == 1.09710


def test_t23_expiry_checked_on_other_symbols_ticks():
    # EURUSD limit expires at 12:30 server although only GBPUSD ticks after that
    exp = pd.Timestamp("2024-05-01T09:30:00Z").value
    eu = [(exp - 3600 * S, 1.10000, 1.10010), (exp + 3600 * S, 1.09700, 1.09710)]
    gu = [(exp - 1800 * S, 1.27000, 1.27010), (exp + 5 * S, 1.27000, 1.27010)]
    streams = [tuple(np.array([x[k] for x in q], dtype=np.int64 if k == 0 else float)
                     for k in range(3)) for q in (eu, gu)]
    gbpusd = dataclasses.replace(load_symbol("GBPUSD"), commission_per_lot=0.0,
                                 swap_mode="disabled")
    p = sc.Params(rows=(new(exp - 3600 * S, OrderType.BUY_LIMIT, price=1.09800, expiry=exp),))
    sim = Simulation([EURUSD, gbpusd], streams, sc, sc.make_params(p),
                     ExecutionConfig(commission=False, swaps=False),
                     AccountConfig(mode="hedging", equity_bucket_s=1), data=sc.make_data(p))
    r = sim.run()
    assert retcodes(r) == [Retcode.EXPIRED]
    assert r.deals[0]["ts"] == exp
    assert len(r.positions) == 0
