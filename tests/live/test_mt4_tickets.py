"""MT4 tickets: a partial close leaves the rest of the position under a new ticket
(commented "from #<old>"), which the EA reports in its order result (``old_ticket``,
``new_ticket``).  ticklab's book follows, so the next reconciliation matches the broker,
and a restart that rebuilds the book from the journal follows it again."""

from types import SimpleNamespace

import numpy as np
import pytest

import strategies.scripted as sc
from live import protocol as P
from live.broker_record import BrokerRecord
from live.clock import ServerClock
from live.ea_venue import EAVenue, InFlight
from live.reconcile import differences
from sim.config import AccountConfig, ExecutionConfig
from sim.core.decision import DecisionCore
from sim.core.enums import AccountMode, Action, OrderType
from sim.core.records import order_dt
from sim.core.state import make_limits
from sim.data.symbols import load_symbol
from sim.venue.sim_venue import SimVenue

MSC = 1_705_400_000_000                       # server ms
OUT = 2**32                                   # MT4: a closing deal's id is the ticket + 2^32


class Journal:
    def __init__(self):
        self.rows = []

    def add(self, kind, ts=0, cid="", **body):
        self.rows.append((kind, cid, body))


def venue():
    """An EAVenue of an MT4 hedging session on EURUSD, its core holding nothing yet."""
    syms = SimVenue.create([load_symbol("EURUSD")], ExecutionConfig(),
                           AccountConfig(mode="hedging"), 0, 0).syms
    core = DecisionCore(sc, sc.make_params(sc.Params()), syms, AccountMode.HEDGING, 10_000.0,
                        make_limits(), data=sc.make_data(sc.Params()))
    clock = ServerClock("UTC+2")
    clock.to_utc_ns(MSC)
    runner = SimpleNamespace(core=core, journal=Journal(), platform="MT4", session="s",
                             index={"EURUSD": 0}, names=["EURUSD"], clock=clock, metrics=None)
    ea = EAVenue(runner, ttl_ms=1_000)
    ea.record = BrokerRecord(["EURUSD"], 2, ["all"])    # as Runner.start gives it
    return ea


def deal(ticket, entry, side, volume, cid="", position=None):
    return P.Deal(symbol="EURUSD", deal=ticket + (OUT if entry else 0), order=ticket,
                  position=position or ticket, deal_type=0 if side > 0 else 1, entry=entry,
                  reason=3, volume=volume, price=1.1, time_msc=MSC, cid=cid, order_type=0)


def book(ea):
    b = ea.r.core.record["book"]
    return [(int(p["ticket"]), int(p["ident"]), int(p["side"]), round(float(p["volume"]), 8))
            for p in b[b["active"]]]


def feed(ea, ev):
    if ev is not None:
        ea.r.core.on_event(ev)


def close_in_flight(ea, cid, ticket, volume):
    row = np.zeros(1, dtype=order_dt)
    row[0]["cid"], row[0]["action"], row[0]["type"] = cid, Action.CLOSE, OrderType.SELL
    row[0]["volume"], row[0]["pos_ticket"], row[0]["symbol"] = volume, ticket, 0
    ea.inflight[cid] = InFlight(row, ea.wire_cid(cid), 0.0)


def broker(ticket, volume):
    return P.Snapshot(account=P.AccountRow(balance=10_000, equity=10_000, margin=0),
                      positions=[P.PositionRow(ticket=ticket, symbol="EURUSD", side=1,
                                               volume=volume, price=1.1, open_time_msc=MSC)])


@pytest.mark.parametrize("deal_first", [False, True])
def test_a_partial_close_leaves_the_rest_under_its_new_ticket(deal_first):
    # Arrange: ticket 5001 long 0.30 in the book; a close of 0.10 of it in flight
    ea = venue()
    feed(ea, ea.on_deal(deal(5001, 0, 1, 0.3), 0))
    close_in_flight(ea, 7, 5001, 0.1)
    result = P.OrderResult(cid=ea.wire_cid(7), retcode=0, order=5001, position=5001,
                           volume=0.1, price=1.1, old_ticket=5001, new_ticket=5002)
    out = deal(5001, 1, -1, 0.1, cid=ea.wire_cid(7))
    # Act: the result and the closing deal, in either order
    for msg in ((out, result) if deal_first else (result, out)):
        feed(ea, ea.on_result(msg, 0) if isinstance(msg, P.OrderResult) else ea.on_deal(msg, 0))
    # Assert: the rest, 0.20, is position 5002 in the book, as at the broker
    assert book(ea) == [(5002, 5002, 1, 0.2)]
    assert not ea.inflight
    assert differences(ea.r.core, ["EURUSD"], broker(5002, 0.2)) == []
    assert ("renumber", ea.wire_cid(7), {"old": 5001, "new": 5002}) in ea.r.journal.rows


def test_without_the_new_ticket_the_reconciliation_would_see_two_positions():
    # the same close, reported without old/new tickets (as before MT4 was followed): the
    # book keeps 5001 and the broker shows 5002, which reconciliation reports
    ea = venue()
    feed(ea, ea.on_deal(deal(5001, 0, 1, 0.3), 0))
    close_in_flight(ea, 7, 5001, 0.1)
    feed(ea, ea.on_result(P.OrderResult(cid=ea.wire_cid(7), retcode=0, order=5001,
                                        position=5001, volume=0.1, price=1.1), 0))
    feed(ea, ea.on_deal(deal(5001, 1, -1, 0.1, cid=ea.wire_cid(7)), 0))
    assert len(differences(ea.r.core, ["EURUSD"], broker(5002, 0.2))) == 2


def test_a_restart_rebuilds_the_book_under_the_new_ticket(tmp_path):
    # Arrange: an earlier demo session's journal: 5001 opened, 0.10 of it closed, its rest
    # renumbered 5002 (journal order: the result's renumber row before the closing deal)
    from live.journal import Journal as Real
    from live.journal import previous_session

    store = tmp_path / "s.sqlite"
    j = Real(store, "old")
    j.add("config", hash="h", mode="demo", yaml="")
    j.add("hello", platform="MT4", login=7)
    keep = ("symbol", "deal", "order", "position", "deal_type", "entry", "reason", "volume",
            "price", "time_msc", "order_type", "profit", "commission", "swap", "balance",
            "equity", "margin")
    opened, closed = deal(5001, 0, 1, 0.3), deal(5001, 1, -1, 0.1, cid="old-7")
    j.add("deal", 1, "", **{k: getattr(opened, k) for k in keep})
    j.add("renumber", 2, "old-7", old=5001, new=5002)
    j.add("deal", 3, "old-7", **{k: getattr(closed, k) for k in keep})
    j.commit()
    j.close()
    # Act: a restart's resume (BrokerSession.resume) on the same store and account
    from live.broker_session import BrokerSession

    ea = venue()
    r = ea.r
    session = SimpleNamespace(cfg=SimpleNamespace(store=store), mode="demo", session="new",
                              login=7, ea=ea, journal=r.journal, index=r.index, core=r.core,
                              prev_basis=None, absorb=lambda orders, ts: None,
                              restore_strategy_state=lambda prev, ts: None,
                              replay=lambda *a: BrokerSession.replay(session, *a))
    BrokerSession.resume(session, 10)
    # Assert: the book as at the broker, and the renumbering journaled again for the next
    assert previous_session(store, "demo", "new", 7)[0] == "old"
    assert book(ea) == [(5002, 5002, 1, 0.2)]
    assert differences(ea.r.core, ["EURUSD"], broker(5002, 0.2)) == []
    assert [k for k, _, _ in r.journal.rows] == ["deal", "renumber", "deal", "resume"]
    # the run's record: history, not this session's deals; the rest open under 5002 for
    # the pairing of a close to come
    assert not len(ea.record.trades()) and not ea.record.acct[0]["n_deals"]
    # ... and when this session closes the rest, its trade opened with 5001's deal
    rest = P.msgspec.structs.replace(deal(5002, 1, -1, 0.2, position=5002), price=1.2,
                                     time_msc=MSC + 60_000)
    ea.on_deal(rest, 20)
    t = ea.record.trades()
    assert len(t) == 1 and t[0]["position_id"] == 5002 and t[0]["volume"] == pytest.approx(0.2)
    assert (t[0]["open_price"], t[0]["close_price"]) == (1.1, 1.2)
    assert t[0]["close_ts"] - t[0]["open_ts"] == 60 * 10**9


def test_a_stop_loss_on_a_filled_pending_order_is_not_booked_to_its_command():
    # MT4: a buy stop placed as order 555 fills as position 555; its SL closes it by a deal
    # with order = position = 555 and no cid.  The order ticket its result named must not
    # make that close look like a fill of the old command (a market fill of a command of
    # ours would take volume off what the core counts as in flight)
    ea = venue()
    row = np.zeros(1, dtype=order_dt)
    row[0]["cid"], row[0]["action"], row[0]["type"] = 7, Action.NEW, OrderType.BUY_STOP
    row[0]["volume"] = 0.1
    ea.inflight[7] = InFlight(row, ea.wire_cid(7), 0.0)
    ea.on_result(P.OrderResult(cid=ea.wire_cid(7), retcode=0, order=555), 0)
    assert ea.by_order == {555: 7}
    feed(ea, ea.on_deal(deal(555, 0, 1, 0.1, cid=ea.wire_cid(7)), 0))
    sl = P.Deal(symbol="EURUSD", deal=555 + OUT, order=555, position=555, deal_type=1,
                entry=1, reason=4, volume=0.1, price=1.09, time_msc=MSC, order_type=1)
    ev = ea.on_deal(sl, 0)
    assert int(ev[0]["cid"]) == 0
    feed(ea, ev)
    assert book(ea) == [] and float(ea.r.core.record["quote"][0]["working"]) == 0.0
