"""A pending order that leaves the broker unfilled (``order_update`` expired / rejected)
reaches the core once, as the backtest's venue reports it: a REJECT with ``EXPIRED`` or
MT5's ``REJECT_CANCEL`` (docs/protocol.md, "Ids, deadlines, idempotence")."""

import numpy as np
import pytest
from test_mt4_tickets import MSC, feed, venue

from live import protocol as P
from live.ea_venue import InFlight
from sim.core.enums import Action, EventKind, OrderType, Retcode
from sim.core.records import order_dt


def in_flight(ea, cid=5):
    """A BUY_STOP of ours sent, no answer yet."""
    row = np.zeros(1, dtype=order_dt)
    row[0]["cid"], row[0]["action"], row[0]["type"] = cid, Action.NEW, OrderType.BUY_STOP
    row[0]["volume"], row[0]["price"], row[0]["symbol"] = 0.1, 1.2, 0
    ea.inflight[cid] = InFlight(row, ea.wire_cid(cid), 0.0)


def placed(ea, cid=5, ticket=777):
    """A BUY_STOP of ours in flight, then reported placed: in the core's mirror."""
    in_flight(ea, cid)
    feed(ea, ea.on_order_update(update(cid, ticket, "placed"), 0))
    return ea.r.core.record


def update(cid, ticket, state, wire=None):
    return P.OrderUpdate(symbol="EURUSD", order=ticket, order_type=OrderType.BUY_STOP,
                         state=state, volume=0.1, price=1.2, time_msc=MSC,
                         cid=f"s-{cid}" if wire is None else wire)


@pytest.mark.parametrize("state, retcode", [("expired", Retcode.EXPIRED),
                                            ("rejected", Retcode.REJECT_CANCEL)])
def test_a_placed_pending_gone_unfilled_is_one_reject_and_leaves_the_mirror(state, retcode):
    ea = venue()
    c = placed(ea)
    assert int(c["n_pending"]) == 1
    ev = ea.on_order_update(update(5, 777, state), 0)
    assert (int(ev[0]["kind"]), int(ev[0]["cid"]), int(ev[0]["retcode"])) == \
        (EventKind.REJECT, 5, retcode)
    feed(ea, ev)
    assert int(c["n_pending"]) == 0 and int(c["n_rejected"]) == 1
    assert ea.on_order_update(update(5, 777, state), 0) is None      # said again: once only


def test_a_place_refused_by_its_result_is_not_refused_again_by_its_update():
    # MT5: OrderSend answers 10006 and the order also lands in history as REJECTED
    ea = venue()
    ea.r.platform = "MT5"
    in_flight(ea)
    feed(ea, ea.on_result(P.OrderResult(cid="s-5", retcode=10006, order=777), 0))
    assert ea.on_order_update(update(5, 777, "rejected"), 0) is None
    assert int(ea.r.core.record["n_rejected"]) == 1


def test_an_order_the_session_never_knew_expiring_reaches_no_one():
    ea = venue()
    assert ea.on_order_update(update(0, 999, "expired", wire=""), 0) is None
    assert int(ea.r.core.record["n_rejected"]) == 0
