"""Stop-limit orders (mt-execution.md 1.4, 10 step 4; case T24)."""

from __future__ import annotations

import pytest
from venue_cases import (  # tests/sim is on sys.path (pytest rootdir-less import)
    EURUSD,
    T0,
    S,
    done,
    make,
    run,
)

import strategies.scripted as sc
from sim.core.enums import Action, OrderState, OrderType, Retcode

# -- T24 stop-limit --

def stop_limit(ts, otype, price, stoplimit, vol=1.0, **kw):
    return sc.row(ts, Action.NEW, otype, vol, price=price, stoplimit=stoplimit, **kw)


def test_t24_stop_limit():
    # Buy Stop Limit 1.10100 / stoplimit 1.10080: ask 1.10103 >= 1.10100 places a Buy Limit
    # 1.10080 (ask 1.10103 > 1.10080: no fill yet); ask 1.10080 fills it at 1.10080
    q = {0: [(T0, 1.10000, 1.10010), (T0 + S, 1.10095, 1.10103), (T0 + 2 * S, 1.10070, 1.10080),
             (T0 + 3 * S, 1.10070, 1.10080)]}
    sim = make([EURUSD], q, [stop_limit(T0, OrderType.BUY_STOP_LIMIT, 1.10100, 1.10080)])
    r = sim.run()
    d = r.deals
    assert d["retcode"].tolist() == [Retcode.DONE]
    assert d[0]["ts"] == T0 + 2 * S and d[0]["price"] == 1.10080 and d[0]["type"] == 0
    assert len(r.positions) == 1 and r.positions[0]["price"] == 1.10080


def test_t24_stop_limit_becomes_limit_on_trigger():
    q = {0: [(T0, 1.10000, 1.10010), (T0 + S, 1.10095, 1.10103)]}
    sim = make([EURUSD], q, [stop_limit(T0, OrderType.BUY_STOP_LIMIT, 1.10100, 1.10080)])
    r = sim.run()
    assert len(r.deals) == 0
    o = sim.V[1][: sim.V[5][0]["n_orders"]]
    o = o[o["ticket"] == 1001][0]
    assert o["state"] == OrderState.PLACED
    assert o["type"] == OrderType.BUY_LIMIT and o["price"] == 1.10080


def test_t24_stop_limit_not_triggered_below_stop():
    # ask 1.10099 < 1.10100: the stop is not reached, so ask 1.10080 later fills nothing
    q = {0: [(T0, 1.10000, 1.10010), (T0 + S, 1.10090, 1.10099), (T0 + 2 * S, 1.10070, 1.10080)]}
    r = run([EURUSD], q, [stop_limit(T0, OrderType.BUY_STOP_LIMIT, 1.10100, 1.10080)])
    assert len(r.deals) == 0 and len(r.positions) == 0


def test_t24_sell_stop_limit():
    # Sell Stop Limit 1.09900 / stoplimit 1.09920: bid 1.09900 reaches the stop and places a
    # Sell Limit 1.09920 (bid below it: waits); bid 1.09920 fills it at 1.09920
    q = {0: [(T0, 1.10000, 1.10010), (T0 + S, 1.09900, 1.09910), (T0 + 2 * S, 1.09920, 1.09930)]}
    r = run([EURUSD], q, [stop_limit(T0, OrderType.SELL_STOP_LIMIT, 1.09900, 1.09920)])
    d = done(r)
    assert len(d) == 1 and d[0]["ts"] == T0 + 2 * S
    assert d[0]["price"] == 1.09920 and d[0]["type"] == 1


@pytest.mark.parametrize("otype,price,stoplimit,rc", [
    (OrderType.BUY_STOP_LIMIT, 1.10100, 1.10100, Retcode.INVALID_PRICE),   # limit not below
    (OrderType.BUY_STOP_LIMIT, 1.10100, 1.10120, Retcode.INVALID_PRICE),
    (OrderType.BUY_STOP_LIMIT, 1.10100, 0.0, Retcode.INVALID_PRICE),
    (OrderType.BUY_STOP_LIMIT, 1.10005, 1.09990, Retcode.INVALID_STOPS),   # stop below ask
    (OrderType.SELL_STOP_LIMIT, 1.09900, 1.09880, Retcode.INVALID_PRICE),  # limit not above
    (OrderType.SELL_STOP_LIMIT, 1.10005, 1.10020, Retcode.INVALID_STOPS),  # stop above bid
])
def test_stop_limit_validation(otype, price, stoplimit, rc):
    q = {0: [(T0, 1.10000, 1.10010), (T0 + S, 1.10000, 1.10010)]}
    r = run([EURUSD], q, [stop_limit(T0, otype, price, stoplimit)])
    assert r.deals["retcode"].tolist() == [rc]


def test_stop_limit_sl_measured_from_stoplimit():
    # buy limit-to-be at 1.10080: SL 1.10085 is above it (wrong side) even though below the stop
    q = {0: [(T0, 1.10000, 1.10010), (T0 + S, 1.10000, 1.10010)]}
    r = run([EURUSD], q, [stop_limit(T0, OrderType.BUY_STOP_LIMIT, 1.10100, 1.10080,
                                     sl=1.10085)])
    assert r.deals["retcode"].tolist() == [Retcode.INVALID_STOPS]
