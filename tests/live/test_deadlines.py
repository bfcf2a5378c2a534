"""A scripted EA (a raw DEALER) and the runner turned by hand: what ticklab does when a
command gets no answer, and when the terminal loses its broker."""

import json
import time

import pytest
import zmq
from live_session import live_config, sample

from live import protocol as P
from live.journal import read_journal
from live.link import Link
from live.runner import Runner
from sim.core.enums import Action, OrderState

EMPTY = P.AccountRow(balance=10_000, equity=10_000, margin=0)


class Scripted:
    def __init__(self, cfg):
        self.link = Link(str(cfg.live.bind))
        self.runner = Runner(cfg, self.link)
        self.sock = zmq.Context.instance().socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(self.link.endpoint)
        self.codec, self.seq, self.heard = P.ticklab_codec(), iter(range(1, 10**9)), []

    def send(self, msg):
        self.sock.send(self.codec.encode(msg, next(self.seq)))

    def pump(self, seconds):
        end = time.monotonic() + seconds
        while True:
            self.runner.turn()
            while self.sock.poll(0):
                self.heard.append(self.codec.decode(self.sock.recv()))
            if time.monotonic() >= end:
                return

    def last(self, kind):
        return [m for m in self.heard if isinstance(m, kind)][-1]

    def hello(self):
        self.send(P.Hello(platform="MT5", build=1, ea_version="t", login=1, server="s",
                          company="c", currency="USD", leverage=100, margin_mode="netting",
                          trade_mode="demo", ea_mode="demo",
                          limits=P.Limits(max_lots=5, max_orders=5, symbols=[]),
                          server_time_ms=1549245600000, gmt_offset_s=7200, dlls_allowed=True,
                          trade_allowed=True))
        self.pump(0.3)

    def start(self):
        """hello, the first reconciliation, then ticks until the strategy's first order."""
        self.hello()
        self.send(P.Snapshot(account=EMPTY, cid=self.last(P.SnapshotReq).cid))
        t = sample(40_000)
        ms = (t.ts // 1_000_000 + 7200 * 1000).tolist()
        for i in range(len(t)):
            self.send(P.Tick(symbol="EURUSD", time_msc=ms[i], bid=float(t.bid[i]),
                             ask=float(t.ask[i]), sym_seq=i + 1))
            if i % 50 == 0:
                self.pump(0.0)
                if any(isinstance(m, P.Place) for m in self.heard):
                    return self.last(P.Place)
        raise AssertionError("no order in 40,000 ticks")

    def close(self):
        self.sock.close(0)
        self.link.close()


def scripted(store) -> Scripted:
    e = Scripted(live_config(store, "mode=demo", "live.command_ttl_ms=200",
                             "live.heartbeat_ms=100", "live.ea_timeout_beats=1000"))
    e.store = store
    return e


@pytest.fixture
def ea(tmp_path):
    e = scripted(tmp_path / "s.sqlite")
    yield e
    e.close()


def test_unanswered_command_is_resolved_by_reconciliation(ea):
    place = ea.start()
    runner = ea.runner
    assert runner.trading_state() == 0 and runner.ea.inflight
    ea.pump(1.6)                           # no answer: past 200 ms + 1 s of grace
    assert runner.trading_state() == 1                       # REDUCING
    ea.send(P.Snapshot(account=EMPTY, cid=ea.last(P.SnapshotReq).cid))
    ea.pump(0.3)
    assert runner.trading_state() == 0 and not runner.ea.inflight   # ACTIVE again
    rows = read_journal(ea.store, runner.session)
    kinds = [r["kind"] for r in rows]
    assert "overdue" in kinds and "no_outcome" in kinds
    assert [r["cid"] for r in rows if r["kind"] == "no_outcome"] == [place.cid]
    assert runner.core.record["n_rejected"] == 1 and not runner.core.record["n_fills"]
    late = json.dumps({"v": 1, "type": "ack", "seq": next(ea.seq), "sent_ms": 1,
                       "cid": place.cid, "ok": False, "reason": "EXPIRED"})
    ea.sock.send(late.encode())            # the EA refusing it later changes nothing
    ea.pump(0.2)
    assert runner.trading_state() == 0 and runner.core.record["n_rejected"] == 1


def test_a_mismatch_halts_and_is_never_lifted_by_a_later_clean_snapshot(ea):
    ea.start()
    runner = ea.runner
    ea.pump(1.6)
    stranger = P.PositionRow(ticket=999, symbol="EURUSD", side=1, volume=1.0, price=1.1,
                             open_time_msc=1)
    ea.send(P.Snapshot(account=EMPTY, positions=[stranger], cid=ea.last(P.SnapshotReq).cid))
    ea.pump(0.3)
    assert runner.trading_state() == 2                        # HALTED, with what differs
    rows = read_journal(ea.store, runner.session)
    bad = [r for r in rows if r["kind"] == "reconcile" and not r["ok"]]
    assert "position 999 EURUSD buy 1 lots is open at the broker" in bad[0]["diffs"][0]
    ea.send(P.Snapshot(account=EMPTY, cid=runner.snap_cid()))  # the position is closed...
    ea.pump(0.3)
    assert runner.trading_state() == 2                        # ...still HALTED: a human lifts it


def test_terminal_without_broker_stops_new_exposure_until_reconciled(ea):
    ea.start()
    runner = ea.runner
    ea.send(P.Snapshot(account=EMPTY, cid=ea.last(P.SnapshotReq).cid))
    ea.send(P.Status(terminal_connected=False, trade_allowed=True, algo_trading=True))
    ea.pump(0.2)
    assert runner.trading_state() == 1
    ea.send(P.Status(terminal_connected=True, trade_allowed=True, algo_trading=True))
    ea.pump(0.2)
    req = ea.last(P.SnapshotReq)
    ea.send(P.Snapshot(account=EMPTY, cid=req.cid))
    ea.pump(0.2)
    assert runner.trading_state() == 0


def test_a_difference_after_lost_messages_is_asked_again_before_it_halts(ea):
    ea.start()
    runner = ea.runner
    ea.pump(1.6)                                    # the order's deadline passes: resync
    stranger = P.PositionRow(ticket=999, symbol="EURUSD", side=1, volume=1.0, price=1.1,
                             open_time_msc=1)
    for k in range(4):                              # a message lost before each snapshot
        next(ea.seq)
        first = ea.last(P.SnapshotReq).cid
        ea.send(P.Snapshot(account=EMPTY, positions=[stranger], cid=first))
        ea.pump(0.3)
        if k < 3:                                   # doubted: asked again, not HALTED
            assert runner.trading_state() == 1 and ea.last(P.SnapshotReq).cid != first
    assert runner.trading_state() == 2              # the fourth time: a fact, HALTED
    rows = read_journal(ea.store, runner.session)
    assert sum(r["kind"] == "reconcile_doubt" for r in rows) == 3


def test_a_doubted_difference_gone_on_the_next_snapshot_reconciles(ea):
    ea.start()
    runner = ea.runner
    ea.pump(1.6)
    stranger = P.PositionRow(ticket=999, symbol="EURUSD", side=1, volume=1.0, price=1.1,
                             open_time_msc=1)
    next(ea.seq)                                    # lost: e.g. the resent deal
    ea.send(P.Snapshot(account=EMPTY, positions=[stranger], cid=ea.last(P.SnapshotReq).cid))
    ea.pump(0.3)
    ea.send(P.Snapshot(account=EMPTY, cid=ea.last(P.SnapshotReq).cid))
    ea.pump(0.3)
    assert runner.trading_state() == 0


def restarted(store, orders):
    """A second session on ``store`` whose first snapshot shows ``orders`` at the broker."""
    e = scripted(store)
    e.hello()
    e.send(P.Snapshot(account=EMPTY, orders=orders, cid=e.last(P.SnapshotReq).cid))
    e.pump(0.3)
    return e


def pending(ticket, comment):
    return P.OrderRow(ticket=ticket, symbol="EURUSD", order_type=2, volume=0.1, price=1.05,
                      comment=comment)                       # 2: BUY_LIMIT


def test_a_restart_adopts_the_pending_order_its_predecessor_placed(tmp_path):
    # Arrange: a first session puts a place on the wire (journaled first), then stops; the
    # broker shows an order commented with that cid (tl:<cid>, as the EA writes it)
    first = scripted(tmp_path / "s.sqlite")
    place = first.start()
    first.close()
    # Act: a restart whose first snapshot shows it
    second = restarted(tmp_path / "s.sqlite", [pending(77, f"tl:{place.cid}")])
    try:
        runner, rec = second.runner, second.runner.core.record
        # Assert: booked into the core (a negative cid: not this session's), reconciled
        assert runner.trading_state() == 0                       # ACTIVE, not HALTED
        assert int(rec["n_pending"]) == 1
        adopted = rec["pending"][0]
        assert (int(adopted["ticket"]), int(adopted["cid"]), float(adopted["volume"]),
                float(adopted["price"])) == (77, -1, 0.1, 1.05)
        rows = read_journal(second.store, runner.session)
        assert [(r["cid"], r["order"]) for r in rows if r["kind"] == "adopt"] == \
            [(place.cid, 77)]
        assert [r["ok"] for r in rows if r["kind"] == "reconcile"] == [True]
        # its fill, under the old cid, reaches the core: a position, no pending order
        second.send(P.Deal(symbol="EURUSD", deal=5, order=77, position=77, deal_type=0,
                           entry=0, reason=0, volume=0.1, price=1.05, time_msc=1,
                           order_type=2, cid=place.cid, balance=10_000, equity=10_000,
                           margin=20))
        second.pump(0.3)
        assert int(rec["n_pending"]) == 0
        book = rec["book"][rec["book"]["active"]]
        assert [(int(p["ticket"]), int(p["side"]), float(p["volume"])) for p in book] == \
            [(77, 1, 0.1)]
    finally:
        second.close()


def test_a_pending_order_ticklab_never_placed_still_halts(tmp_path):
    first = scripted(tmp_path / "s.sqlite")
    place = first.start()
    first.close()
    # no comment, a cid never journaled, our cid on a symbol this session does not trade
    stranger = P.OrderRow(ticket=79, symbol="GBPUSD", order_type=2, volume=0.1, price=1.2,
                          comment=f"tl:{place.cid}")
    second = restarted(tmp_path / "s.sqlite", [pending(77, ""), pending(78, "tl:nobody-1"),
                                               stranger])
    try:
        assert second.runner.trading_state() == 2                   # HALTED
        assert int(second.runner.core.record["n_pending"]) == 0
        rows = read_journal(second.store, second.runner.session)
        assert not [r for r in rows if r["kind"] == "adopt"]
        diffs = [r for r in rows if r["kind"] == "reconcile"][0]["diffs"]
        assert [d.split(":")[0] for d in diffs] == ["pending order 77", "pending order 78",
                                                    "pending order 79"]
    finally:
        second.close()


def filled_first_order(ea, cid=None):
    """The strategy's first market order, accepted, its result naming order 5001 and its
    deal 7001 (position 5001) reported with ``cid`` (None: the command's own; "": none, as
    when the broker rewrote the comment).  Returns (the place command, its deal side)."""
    place = ea.start()
    side = 0 if place.order_type == 0 else 1
    ea.send(P.Ack(cid=place.cid, ok=True))
    ea.send(P.OrderResult(cid=place.cid, retcode=10009, order=5001, deal=7001, position=5001,
                          price=1.1, volume=place.volume))
    ea.pump(0.2)
    ea.send(P.Deal(symbol="EURUSD", deal=7001, order=5001, position=5001, deal_type=side,
                   entry=0, reason=3, volume=place.volume, price=1.1, time_msc=1549245600000,
                   order_type=place.order_type, cid=place.cid if cid is None else cid,
                   balance=10_000, equity=10_000, margin=100))
    ea.pump(0.2)
    return place, side


def test_a_deal_whose_comment_the_broker_rewrote_is_still_ours(ea):
    # Arrange, act: the first market order, filled at the broker; the order result names
    # the order ticket, the deal comes with no cid (the broker replaced "tl:<cid>")
    place, side = filled_first_order(ea, cid="")
    runner = ea.runner
    # Assert: the core books its own order's fill: nothing left in flight, the position held
    # once (not once in flight and once more as a stranger's deal), no overdue command
    q = runner.core.record["quote"][0]
    assert not runner.ea.inflight and not runner.ea.by_order
    assert q["working"] == 0.0
    assert q["net"] == (1 if side == 0 else -1) * place.volume
    assert runner.core.record["n_fills"] == 1
    ea.pump(1.4)
    assert runner.trading_state() == 0
    assert "overdue" not in [r["kind"] for r in read_journal(ea.store, runner.session)]


def test_a_close_whose_deal_comment_the_broker_rewrote_is_still_ours_on_mt5(ea):
    # Arrange: a position of ours (its deal matched by its comment), then the kill
    # switch's flatten: one close command
    place, side = filled_first_order(ea)
    runner = ea.runner
    runner.kill("all", True)
    ea.pump(0.2)
    close = ea.last(P.Close)
    assert close.position == 5001
    # Act: MT5 closes it by a new order, 5002, which the result names; its deal comes
    # without our cid (the broker rewrote the comment)
    ea.send(P.Ack(cid=close.cid, ok=True))
    ea.send(P.OrderResult(cid=close.cid, retcode=10009, order=5002, deal=7002, position=5001,
                          price=1.1, volume=close.volume))
    ea.pump(0.2)
    ea.send(P.Deal(symbol="EURUSD", deal=7002, order=5002, position=5001, deal_type=1 - side,
                   entry=1, reason=3, volume=close.volume, price=1.1,
                   time_msc=1549245601000, order_type=1 - side, balance=10_000,
                   equity=10_000, margin=0))
    ea.pump(0.2)
    # Assert: the close command is done (not left in flight to go overdue), the book flat
    assert not runner.ea.inflight and not runner.ea.by_order
    assert runner.core.record["quote"][0]["net"] == 0.0
    assert not runner.core.record["book"]["active"].any()
    ea.pump(1.4)
    assert "overdue" not in [r["kind"] for r in read_journal(ea.store, runner.session)]


def test_on_mt4_a_close_is_never_matched_by_the_order_ticket(ea):
    # MT4 closes under the position's own ticket, which its SL close carries too: a
    # closing deal with no cid is nobody's command, whatever its order ticket
    venue = ea.runner.ea
    ea.runner.platform = "MT4"
    assert not venue.deals_name_order(Action.CLOSE)
    assert not venue.deals_name_order(Action.CLOSE_BY)
    assert venue.deals_name_order(Action.NEW)
    ea.runner.platform = "MT5"
    assert venue.deals_name_order(Action.CLOSE) and venue.deals_name_order(Action.CLOSE_BY)
    assert not venue.deals_name_order(Action.MODIFY)
    assert not venue.deals_name_order(Action.CANCEL)


def test_an_order_of_this_session_found_working_is_adopted_and_never_refused(tmp_path):
    # Arrange: breakout puts a buy stop and a sell stop on the wire; no answer comes (their
    # results and updates lost), the deadline passes: REDUCING, a snapshot asked
    e = Scripted(live_config(tmp_path / "s.sqlite", "mode=demo", "strategy=breakout",
                             "live.command_ttl_ms=200", "live.heartbeat_ms=100",
                             "live.ea_timeout_beats=1000"))
    e.store = tmp_path / "s.sqlite"
    try:
        e.start()
        runner = e.runner
        e.pump(1.6)
        places = [m for m in e.heard if isinstance(m, P.Place)]
        first = places[0]
        assert [p.order_type for p in places] == [4, 5] and runner.trading_state() == 1
        # Act: the broker shows the buy stop working (commented with its cid), not the sell
        row = P.OrderRow(ticket=77, symbol="EURUSD", order_type=first.order_type,
                         volume=first.volume, price=first.price, comment=f"tl:{first.cid}")
        e.send(P.Snapshot(account=EMPTY, orders=[row], cid=e.last(P.SnapshotReq).cid))
        e.pump(0.3)
        # Assert: the buy stop is the core's working order under its own cid, never refused;
        # the sell stop, nowhere at the broker, has no outcome (a REJECT for the core)
        rec, ea = runner.core.record, runner.ea
        assert runner.trading_state() == 0
        assert [(int(o["cid"]), int(o["ticket"])) for o in runner.core.pending] == \
            [(ea.core_cid(first.cid), 77)]
        rows = read_journal(e.store, runner.session)
        assert [r["cid"] for r in rows if r["kind"] == "no_outcome"] == [places[1].cid]
        assert int(rec["n_rejected"]) == 1
        olog = ea.record.olog
        assert [(int(olog[ea.record.at[ea.core_cid(p.cid)]]["state"])) for p in places] == \
            [OrderState.PLACED, OrderState.REJECTED]
    finally:
        e.close()
