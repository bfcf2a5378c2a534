"""The decision core mirrors the pending orders working at the venue from ORDER events (and
drops them on their fill, expiry or refusal), after the report latency, in both drives."""

import numpy as np

import strategies.scripted as sc
from sim.config import Dist
from sim.core.enums import Action, OrderState, OrderTime, OrderType
from tests.sim.per_event import run_per_event
from tests.sim.venue_cases import EURUSD, T0, S, make

LAT = dict(report_latency=Dist("constant", 100.0))


def quotes(n=20, bid=1.10000):
    return {0: [(T0 + k * S, bid, bid + 0.0001) for k in range(n)]}


def pending_after(rows, k_ticks, **ex):
    # the core's pending mirror after the first k_ticks ticks
    q = quotes()
    q[0] = q[0][:k_ticks]
    sim = make([EURUSD], q, rows, **{**LAT, **ex})
    sim.run()
    rec = sim.core.record
    return rec["pending"][: rec["n_pending"]].copy()


def test_core_pending_mirror_follows_placement_modify_cancel():
    rows = [sc.row(T0 + S, Action.NEW, OrderType.BUY_LIMIT, 1.0, price=1.09500),
            sc.row(T0 + 3 * S, Action.MODIFY, OrderType.BUY_LIMIT, price=1.09600, ticket=1001),
            sc.row(T0 + 5 * S, Action.CANCEL, OrderType.BUY_LIMIT, ticket=1001)]
    # the placement is known 100 ms after it happened: not at the tick of T0 + S
    assert len(pending_after(rows, 2)) == 0
    placed = pending_after(rows, 3)
    assert len(placed) == 1 and placed[0]["ticket"] == 1001 and placed[0]["price"] == 1.09500
    assert placed[0]["type"] == OrderType.BUY_LIMIT and placed[0]["state"] == OrderState.PLACED
    assert pending_after(rows, 5)[0]["price"] == 1.09600            # the modify, reported
    assert len(pending_after(rows, 7)) == 0                          # the cancel, reported


def test_core_pending_mirror_drops_filled_and_expired_orders():
    rows = [sc.row(T0 + S, Action.NEW, OrderType.BUY_STOP, 1.0, price=1.10050),
            sc.row(T0 + S, Action.NEW, OrderType.SELL_LIMIT, 1.0, price=1.20000,
                   expiry=T0 + 4 * S, type_time=OrderTime.SPECIFIED)]
    q = quotes()
    q[0] = q[0][:3] + [(T0 + 3 * S, 1.10060, 1.10070)] + q[0][4:12]
    sim = make([EURUSD], q, rows, **LAT)
    r = sim.run()
    rec = sim.core.record
    assert rec["n_pending"] == 0 and rec["book"]["active"].sum() == 1
    assert len(r.positions) == 1


def test_core_pending_mirror_identical_per_event():
    rows = [sc.row(T0 + S, Action.NEW, OrderType.BUY_STOP_LIMIT, 1.0, price=1.10050,
                   stoplimit=1.10030),
            sc.row(T0 + S, Action.NEW, OrderType.SELL_LIMIT, 0.5, price=1.20000)]
    q = quotes()
    q[0] = q[0][:3] + [(T0 + k * S, 1.10060, 1.10070) for k in range(3, 20)]   # stays above
    a = make([EURUSD], q, rows, **LAT)
    b = make([EURUSD], q, rows, **LAT)
    ra, rb = a.run(), run_per_event(b)
    assert np.array_equal(ra.decision, rb.decision) and np.array_equal(ra.deals, rb.deals)
    pend = a.core.record["pending"][: a.core.record["n_pending"]]
    # the stop-limit turned into a buy limit at its stoplimit price (reported), the other works
    assert sorted(pend["type"].tolist()) == [OrderType.BUY_LIMIT, OrderType.SELL_LIMIT]
    assert 1.10030 in pend["price"].tolist()


def test_core_pending_is_empty_without_pending_orders():
    sim = make([EURUSD], quotes(), [sc.row(T0 + S, Action.NEW, OrderType.BUY, 1.0)],
               **LAT)
    sim.run()
    assert sim.core.record["n_pending"] == 0


