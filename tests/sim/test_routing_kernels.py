"""The routing kernel called directly on a hand-built core: what ``route_nb`` writes to the
outbox, the book's ``closing`` marks and the symbol's ``working`` lots, for the cases a
full run rarely reaches: a full outbox, a CLOSE of a ticket in any book slot (its side,
the price the decision saw, the mark on that position and on no other), a Close By with
a ticket the book does not know.
"""

from __future__ import annotations

import numpy as np
import pytest

import strategies.scripted as sc
from sim.config import AccountConfig, ExecutionConfig
from sim.core.decision import DecisionCore
from sim.core.enums import AccountMode, Action, OrderType, Side
from sim.core.records import OUTBOX, intent_dt
from sim.core.routing import route_nb
from sim.core.state import make_limits
from sim.data.symbols import load_symbol
from sim.venue.sim_venue import SimVenue

T0 = 1_705_392_000 * 1_000_000_000
BID, ASK = 1.10000, 1.10002
NEW, CLOSE, CLOSE_BY, TARGET = (int(Action.NEW), int(Action.CLOSE), int(Action.CLOSE_BY),
                                int(Action.TARGET))
BUY, SELL = int(OrderType.BUY), int(OrderType.SELL)


def core(book=(), mode="hedging"):
    """A core on EURUSD at BID/ASK; ``book``: (slot, ticket, side, lots, active) rows."""
    venue = SimVenue.create([load_symbol("EURUSD")],
                            ExecutionConfig(commission=False, swaps=False, stop_out=False),
                            AccountConfig(mode=mode), T0, T0)
    am = AccountMode.HEDGING if mode == "hedging" else AccountMode.NETTING
    dc = DecisionCore(sc, sc.make_params(sc.Params()), venue.syms, am, 10_000.0,
                      make_limits(), data=sc.make_data(sc.Params()))
    c = dc.state[0]
    c["quote"][0]["bid"], c["quote"][0]["ask"] = BID, ASK
    for slot, ticket, side, lots, active in book:
        p = c["book"][slot]
        p["active"], p["ticket"], p["side"], p["volume"], p["symbol"] = active, ticket, side, lots, 0
        if active:
            c["quote"][0]["net"] += side * lots
    return c


def intent(action, volume=0.0, type=BUY, ticket=0, by_ticket=0):
    it = np.zeros(1, dtype=intent_dt)[0]
    it["action"], it["type"], it["volume"] = action, type, volume
    it["ticket"], it["by_ticket"] = ticket, by_ticket
    return it


def sent(c):
    return [(int(o["action"]), int(o["type"]), round(float(o["volume"]), 8),
             int(o["pos_ticket"]), float(o["signal_price"])) for o in c["outbox"][: c["n_out"]]]


def closing(c):
    return [round(float(x), 8) for x in c["book"]["closing"]]


# -- a full outbox --

def test_a_full_outbox_drops_the_order_counts_it_and_changes_nothing_else():
    # Arrange: the step has already made OUTBOX orders
    c = core()
    c["n_out"] = OUTBOX
    cid, sent_before = int(c["next_cid"]), int(c["n_sent"])
    # Act: a market order, then a pending one
    n1 = route_nb(intent(NEW, 0.1), T0, c)
    n2 = route_nb(intent(NEW, 0.1, OrderType.BUY_LIMIT), T0, c)
    # Assert: nothing sent, two drops counted, no client id used, nothing in flight
    assert (n1, n2) == (0, 0)
    assert int(c["n_dropped"]) == 2
    assert (int(c["n_out"]), int(c["next_cid"]), int(c["n_sent"])) == (OUTBOX, cid, sent_before)
    assert (float(c["quote"][0]["working"]), float(c["quote"][0]["buy_opening"])) == (0.0, 0.0)


def test_a_hedging_target_stops_where_the_outbox_fills_and_marks_only_what_it_sent():
    # Arrange: two longs (0.2, 0.3); room for one more order
    c = core([(0, 7, Side.BUY, 0.2, True), (1, 9, Side.BUY, 0.3, True)])
    c["n_out"] = OUTBOX - 1
    # Act: TARGET -0.1 needs close 7, close 9, open a 0.1 short
    n = route_nb(intent(TARGET, -0.1), T0, c)
    # Assert: only the close of the oldest ticket went out; ticket 9 is not marked closing
    assert n == 1 and int(c["n_dropped"]) == 1
    assert sent(c)[-1] == (CLOSE, SELL, 0.2, 7, BID)
    assert closing(c)[:2] == [0.2, 0.0]
    assert float(c["quote"][0]["working"]) == pytest.approx(-0.2)
    assert float(c["quote"][0]["sell_opening"]) == 0.0


# -- CLOSE of a known ticket --

@pytest.mark.parametrize(("side", "otype", "price"), [(Side.BUY, SELL, BID),
                                                      (Side.SELL, BUY, ASK)])
def test_a_close_is_sent_on_the_other_side_at_that_sides_price_and_marks_its_position(
        side, otype, price):
    # Arrange: the ticket to close sits in slot 2, another active ticket in slot 0, an
    # inactive slot 1 with the same ticket number from an earlier life
    c = core([(0, 5, -side, 0.4, True), (1, 8, side, 0.9, False), (2, 8, side, 0.3, True)])
    # Act: the intent says BUY whatever the position's side
    n = route_nb(intent(CLOSE, 0.1, BUY, ticket=8), T0, c)
    # Assert
    assert n == 1
    assert sent(c) == [(CLOSE, otype, 0.1, 8, price)]
    assert closing(c)[:3] == [0.0, 0.0, 0.1]
    assert float(c["quote"][0]["working"]) == pytest.approx(-side * 0.1)


def test_a_close_of_an_unknown_ticket_goes_as_asked_and_marks_no_position():
    # Arrange: positions in the first and the last slot of the book
    c = core([(0, 5, Side.BUY, 0.4, True), (63, 6, Side.SELL, 0.2, True)])
    # Act
    n = route_nb(intent(CLOSE, 0.1, SELL, ticket=99), T0, c)
    # Assert: a SELL at the bid, as the intent said; no slot marked (the last one included)
    assert n == 1 and sent(c) == [(CLOSE, SELL, 0.1, 99, BID)]
    assert set(closing(c)) == {0.0}


# -- Close By --

@pytest.mark.parametrize(("ticket", "by_ticket"), [(5, 99), (99, 6), (99, 98)])
def test_a_close_by_naming_an_unknown_ticket_carries_no_volume(ticket, by_ticket):
    # the book's volume of a ticket it does not know is 0: the journal says so and the
    # venue refuses the order (no position)
    c = core([(0, 5, Side.BUY, 0.4, True), (1, 6, Side.SELL, 0.2, True)])
    n = route_nb(intent(CLOSE_BY, 0.0, int(OrderType.CLOSE_BY), ticket, by_ticket), T0, c)
    assert n == 1 and sent(c) == [(CLOSE_BY, int(OrderType.CLOSE_BY), 0.0, ticket, 0.0)]
    assert int(c["outbox"][0]["by_ticket"]) == by_ticket
    assert set(closing(c)) == {0.0} and float(c["quote"][0]["working"]) == 0.0


def test_a_close_by_takes_the_smaller_of_the_two_volumes_either_way_round():
    c = core([(0, 5, Side.BUY, 0.4, True), (1, 6, Side.SELL, 0.2, True)])
    route_nb(intent(CLOSE_BY, 0.0, int(OrderType.CLOSE_BY), 5, 6), T0, c)
    route_nb(intent(CLOSE_BY, 0.0, int(OrderType.CLOSE_BY), 6, 5), T0, c)
    assert [v for _, _, v, _, _ in sent(c)] == [0.2, 0.2]


# -- a hedging TARGET: the oldest ticket first, wherever it sits --

@pytest.mark.parametrize("slots", [(1, 2), (2, 1), (0, 3)])
def test_a_hedging_target_closes_the_oldest_ticket_first_in_any_slot(slots):
    # Arrange: longs 7 (older) and 9 of 0.1 each, in the given book slots
    c = core([(slots[0], 7, Side.BUY, 0.1, True), (slots[1], 9, Side.BUY, 0.1, True)])
    # Act: down to 0.1 long
    n = route_nb(intent(TARGET, 0.1), T0, c)
    # Assert: ticket 7 closes, 9 stays
    assert n == 1 and sent(c) == [(CLOSE, SELL, 0.1, 7, BID)]
    assert closing(c)[slots[0]] == 0.1 and closing(c)[slots[1]] == 0.0
