"""``EAVenue``: demo and production.  The core's orders become commands to the EA; the EA's
answers become the core's events (FILL, REJECT, ORDER, ACCOUNT), built with the event
contract's own constructors (``sim.core.events``), so the core sees from the EA exactly
what it sees from the simulated venue.

Every command is journaled (and committed) before it is sent, carries a ``cid``
(``<session>-<core cid>``) and a deadline in the EA's clock, and stays *in flight* until
its outcome is known: a fill, a refusal, a broker rejection.  A command the EA cannot be
reached for is refused at once (``EA_UNREACHABLE``: never queued to fire later).  A
command unanswered past its deadline is *unknown*: the runner asks for a snapshot and
reconciles before any new order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from live import protocol as P
from live.retcodes import ACK_TO_RETCODE, SUCCESS, to_retcode
from sim.core.enums import Action, DealEntry, EventKind, OrderState, Retcode, Side
from sim.core.events import account_event_nb, order_event_nb, report_event_nb
from sim.core.order_types import is_buy_type_nb
from sim.core.records import event_dt, order_dt

NS_PER_MS = 1_000_000
UPDATE_STATE = {"placed": OrderState.PLACED, "canceled": OrderState.CANCELED,
                "expired": OrderState.EXPIRED, "filled": OrderState.FILLED,
                "rejected": OrderState.REJECTED}
# a pending order that left the broker unfilled, as the simulated venue reports it: a
# REJECT event (an expiry; a refusal when it triggered, MT5's 10041) rather than an ORDER event
GONE_UNFILLED = {"expired": Retcode.EXPIRED, "rejected": Retcode.REJECT_CANCEL}


@dataclass
class InFlight:
    order: np.ndarray          # the core's order (a 1-row order_dt copy)
    wire: str                  # its cid on the wire
    sent: float                # time.monotonic() when sent
    acked: bool = False
    filled: float = 0.0        # lots filled so far


class EAVenue:
    def __init__(self, runner, ttl_ms: int):
        self.r = runner
        self.ttl_ms = ttl_ms
        self.inflight: dict[int, InFlight] = {}
        self.ev = np.zeros(1, dtype=event_dt)
        self.scratch = np.zeros(1, dtype=order_dt)
        self.sent = 0
        self.refused = 0                    # by the EA's own checks (its ack)
        self.rejected = 0                   # by the broker (a failed retcode)
        self.unknown: set[int] = set()      # past the deadline with no outcome
        self.deals: set[int] = set()        # deal tickets booked (a resent deal is ignored)
        self.last_deal_msc = 0              # server time of the newest deal booked
        self.safe_msc = 0                   # ... as of the last clean reconciliation
        self.adopted: dict[str, int] = {}   # an earlier session's pending order: its wire cid
                                            # -> the core cid given to it (negative)
        self.by_order: dict[int, int] = {}  # broker order ticket -> core cid, from the order
                                            # results: its deals and updates are ours even
                                            # when the broker rewrote the comment
        self.renumbered: dict[int, int] = {}    # MT4: a partly closed position's ticket ->
                                                # the ticket its rest carries now
        self.record = None                  # the session's BrokerRecord, once the core exists

    # -- out --------------------------------------------------------------------------
    def wire_cid(self, cid: int) -> str:
        return f"{self.r.session}-{cid}"

    def core_cid(self, wire: str, order: int = 0) -> int:
        """The core's cid of a wire cid (this session's, an adopted order's), else of the
        broker's ``order`` ticket a result of ours named, else 0."""
        head, _, n = wire.rpartition("-")
        if head == self.r.session and n.isdigit():
            return int(n)
        return self.adopted.get(wire, 0) or self.by_order.get(order, 0)

    def command(self, o, deadline: int) -> P.Msg:
        cid = self.wire_cid(int(o["cid"]))
        act = int(o["action"])
        expiry_ms = self.r.clock.to_server_ms(int(o["expiry"])) if o["expiry"] else 0
        if act == Action.NEW:
            return P.Place(cid=cid, symbol=self.r.names[int(o["symbol"])],
                           order_type=int(o["type"]), volume=float(o["volume"]),
                           deadline_ms=deadline, price=float(o["price"]),
                           stoplimit=float(o["stoplimit"]), sl=float(o["sl"]), tp=float(o["tp"]),
                           type_time=int(o["type_time"]),
                           expiry_ms=expiry_ms)
        if act == Action.CLOSE:
            return P.Close(cid=cid, position=int(o["pos_ticket"]), volume=float(o["volume"]),
                           deadline_ms=deadline)
        if act == Action.CLOSE_BY:
            return P.CloseBy(cid=cid, position=int(o["pos_ticket"]),
                             by_position=int(o["by_ticket"]), deadline_ms=deadline)
        if act == Action.MODIFY:
            return P.Modify(cid=cid, ticket=int(o["pos_ticket"]), deadline_ms=deadline,
                            price=float(o["price"]), sl=float(o["sl"]), tp=float(o["tp"]),
                            expiry_ms=expiry_ms)
        return P.Cancel(cid=cid, order=int(o["pos_ticket"]), deadline_ms=deadline)

    def submit(self, orders: np.ndarray, ts: int) -> list[np.ndarray]:
        """Send the core's orders (denials only journaled); return the REJECT events of
        those that could not leave, for the core."""
        out = []
        r = self.r
        for k in range(len(orders)):
            o = orders[k]
            if o["state"] == OrderState.REJECTED:
                continue
            peer = r.peer
            deadline = r.link.deadline_ms(peer, self.ttl_ms) if peer is not None else 0
            msg = self.command(o, deadline)
            row = orders[k: k + 1].copy()
            if peer is not None:
                frame = r.link.encode(peer, msg)
                r.journal.add("command", ts, msg.cid, frame=frame.decode())
                r.journal.commit()                # write-ahead: journaled before it leaves
            if peer is None or not r.link.send_frame(peer, msg, frame):
                r.journal.add("unreachable", ts, msg.cid)      # refused here, never sent
                out.append(self.reject(row[0], ts, Retcode.EA_UNREACHABLE))
                continue
            self.inflight[int(o["cid"])] = InFlight(row, msg.cid, time.monotonic())
            self.sent += 1
        return out

    # -- in ---------------------------------------------------------------------------
    def reject(self, o, ts: int, retcode: int) -> np.ndarray:
        side = Side.BUY if is_buy_type_nb(int(o["type"])) else Side.SELL
        report_event_nb(self.ev[0], ts, EventKind.REJECT, o, int(o["symbol"]), side,
                        DealEntry.IN, 0, float(o["volume"]), float(o["price"]), retcode,
                        int(o["pos_ticket"]), 0.0, 0.0, 0.0)
        if self.record is not None:
            self.record.rejected(o, ts, side, retcode)
        return self.ev.copy()

    def on_ack(self, msg: P.Ack, ts: int) -> np.ndarray | None:
        f = self.inflight.get(self.core_cid(msg.cid))
        if f is None:
            return None
        f.acked = True
        if self.r.metrics is not None:
            self.r.metrics.decision_to_ack.observe(time.monotonic() - f.sent)
        if msg.ok or msg.reason == "DUPLICATE":      # a duplicate's first result follows
            return None
        self.refused += 1
        del self.inflight[self.core_cid(msg.cid)]
        self.unknown.discard(self.core_cid(msg.cid))
        return self.reject(f.order[0], ts, ACK_TO_RETCODE.get(msg.reason, Retcode.EA_UNKNOWN))

    def on_result(self, msg: P.OrderResult, ts: int) -> np.ndarray | None:
        cid = self.core_cid(msg.cid)
        code = to_retcode(self.r.platform, msg.retcode)
        if cid and code in SUCCESS and msg.old_ticket and msg.new_ticket:
            # (its closing deal may have come first and ended the command already)
            self.r.journal.add("renumber", ts, msg.cid, old=msg.old_ticket,
                               new=msg.new_ticket)
            self.renumber(msg.old_ticket, msg.new_ticket)
        f = self.inflight.get(cid)
        if f is None:
            return None
        if code in SUCCESS:
            o = f.order[0]
            if msg.order and self.deals_name_order(int(o["action"])):
                self.by_order[msg.order] = cid
            if o["action"] in (Action.MODIFY, Action.CANCEL) or code == Retcode.PLACED:
                del self.inflight[cid]            # its ORDER event (order_update) tells the rest
                self.note(cid, OrderState.PLACED if code == Retcode.PLACED else
                          OrderState.FILLED, msg.order)       # (a modify, a cancel: done)
            return None                            # market deals: their ``deal`` messages
        del self.inflight[cid]
        self.unknown.discard(cid)
        self.rejected += 1
        return self.reject(f.order[0], ts, code)

    def deals_name_order(self, action: int) -> bool:
        """Do the deals of a command with ``action`` carry the order ticket its result
        names, and no deal of anyone else's?  A place's do; on MT5 a close's and a Close
        By's too (each a new order).  On MT4 a close names the position's own ticket,
        which its SL or TP close names as well: matched by the comment only."""
        return action == Action.NEW or (self.r.platform == "MT5" and
                                        action in (Action.CLOSE, Action.CLOSE_BY))

    def renumber(self, old: int, new: int) -> None:
        """MT4: a partial close leaves the rest of position ``old`` under a new ticket
        (commented "from #old"): the core's book follows, and a deal still naming ``old``
        (the closing deal of the part) is booked to ``new``."""
        book = self.r.core.record["book"]
        for p in book:
            if p["active"] and p["ident"] == old:
                p["ticket"] = p["ident"] = new
        self.renumbered[old] = new
        if self.record is not None:
            self.record.renumber(old, new)

    def note(self, cid: int, state: int, ticket: int = 0, at: int = 0) -> None:
        """Order ``cid`` is now in ``state`` (at the broker's ``ticket``, at UTC ns ``at``
        by the broker's clock): the run's record."""
        if self.record is not None and cid:
            self.record.state(cid, state, ticket, at)

    def on_deal(self, msg: P.Deal, ts: int) -> np.ndarray | None:
        if msg.deal in self.deals or msg.symbol not in self.r.index:
            return None                 # booked already, or a symbol this session ignores
        self.deals.add(msg.deal)
        self.last_deal_msc = max(self.last_deal_msc, msg.time_msc)
        # 0: not ours (SL, TP, stop-out, manual); a deal may be ours by its order ticket
        # (an opening one; on MT5 a closing one too: see deals_name_order)
        mt5 = self.r.platform == "MT5"
        cid = self.core_cid(msg.cid, msg.order if msg.entry == DealEntry.IN or mt5 else 0)
        f = self.inflight.get(cid)
        o = self.scratch[0]
        o["cid"] = cid
        o["type"] = int(f.order[0]["type"]) if f is not None else msg.order_type
        done = f is None
        if f is not None:
            f.filled += msg.volume
            if f.filled >= float(f.order[0]["volume"]) - 1e-9:
                del self.inflight[cid]
                self.unknown.discard(cid)
                self.by_order.pop(msg.order, None)
                done = True
        as_of = self.r.clock.to_utc_ns(msg.time_msc)
        s, position = self.r.index[msg.symbol], self.renumbered.get(msg.position, msg.position)
        e = self.ev[0]
        report_event_nb(e, max(ts, as_of), EventKind.FILL, o, s,
                        Side.BUY if msg.deal_type == 0 else Side.SELL, msg.entry, msg.reason,
                        msg.volume, msg.price, Retcode.DONE, position, msg.profit,
                        msg.commission, msg.swap)
        e["balance"], e["equity"], e["margin"], e["as_of"] = (msg.balance, msg.equity,
                                                              msg.margin, as_of)
        if self.record is not None:
            self.record.deal(msg, f.order[0] if f is not None else o, as_of, s, position)
            if done:                   # all of it filled (a pending order: when it triggered)
                self.note(cid, OrderState.FILLED, msg.order)
        return self.ev.copy()

    def replay_deal(self, row: dict, ts: int) -> np.ndarray:
        """A deal journaled by an earlier session as this session's FILL event (no cid of
        ours: that session's orders are not in flight here)."""
        msg = P.Deal(cid="", **{k: row[k] for k in row if k in P.Deal.__struct_fields__
                                and k not in ("cid", "v", "seq", "sent_ms")})
        return self.on_deal(msg, ts)

    def on_order_update(self, msg: P.OrderUpdate, ts: int) -> np.ndarray | None:
        cid = self.core_cid(msg.cid, msg.order)
        if msg.state in ("canceled", "expired", "rejected"):
            self.by_order.pop(msg.order, None)       # no deal can follow (after "filled" its
                                                     # deal may still be on the way: kept)
        if msg.state in ("filled",) or msg.symbol not in self.r.index:
            return None                              # its deal carries the fill
        sent = self.inflight.pop(cid, None) is not None
        self.unknown.discard(cid)
        if msg.state in GONE_UNFILLED:
            # the core sees it as the backtest's venue reports it (a REJECT), once: not when
            # its command's result already refused it, nor for an order it never knew
            if not (sent or self.pending_in_core(cid)):
                return None
            return self.reject(self.pending_row(cid, msg, msg.order), ts,
                               GONE_UNFILLED[msg.state])
        self.note(cid, UPDATE_STATE[msg.state], msg.order, self.r.clock.to_utc_ns(msg.time_msc))
        return self.order_event(cid, msg, msg.order, UPDATE_STATE[msg.state], ts)

    def pending_in_core(self, cid: int) -> bool:
        """Is ``cid`` a pending order in the core's mirror?"""
        return cid != 0 and bool((self.r.core.pending["cid"] == cid).any())

    def adopt(self, row: P.OrderRow, wire: str, ts: int) -> np.ndarray:
        """A pending order of ours at the broker the core does not know (its order update
        lost, or placed by an earlier session): the core's ORDER event placing it.  An
        earlier session's order gets a negative core cid, and its wire cid keeps leading
        its fill, cancel or expiry to it."""
        cid = self.core_cid(wire)
        if cid == 0:
            cid = -(len(self.adopted) + 1)
            self.adopted[wire] = cid
        else:                   # this session's place, its update lost: working, so its
            self.inflight.pop(cid, None)         # outcome is known (never ``no_outcome``)
            self.unknown.discard(cid)
            self.note(cid, OrderState.PLACED, row.ticket)
        return self.order_event(cid, row, row.ticket, OrderState.PLACED, ts)

    def order_event(self, cid: int, msg, ticket: int, state: int, ts: int) -> np.ndarray:
        """The core's ORDER event for pending order ``msg`` (an ``order_update`` or a
        snapshot's order row), broker ticket ``ticket``, now in ``state``."""
        order_event_nb(self.ev[0], ts, self.pending_row(cid, msg, ticket),
                       OrderState.PLACED if state == OrderState.PLACED else OrderState.CANCELED)
        return self.ev.copy()

    def pending_row(self, cid: int, msg, ticket: int) -> np.ndarray:
        """Pending order ``msg`` as the core's ``order_dt`` row (the scratch one)."""
        o = self.scratch[0]
        o["cid"], o["type"], o["ticket"], o["pos_ticket"] = cid, msg.order_type, ticket, 0
        o["symbol"], o["volume"], o["price"] = self.r.index[msg.symbol], msg.volume, msg.price
        o["sl"], o["tp"] = msg.sl, msg.tp
        o["expiry"] = self.r.clock.to_utc_ns(msg.expiry_ms) if msg.expiry_ms else 0
        return o

    def on_snapshot(self, msg: P.Snapshot, ts: int) -> np.ndarray:
        a = msg.account
        account_event_nb(self.ev[0], ts, a.balance, a.equity, a.margin)
        if self.record is not None:
            at = self.r.clock.to_utc_ns(msg.time_msc) if msg.time_msc else ts
            self.record.account(at, a.balance, a.equity, a.margin, snapshot=True)
        return self.ev.copy()

    def overdue(self, now: float, grace_s: float = 1.0) -> list[int]:
        """Commands with no outcome past their time to live (+ grace): outcome unknown."""
        late = [cid for cid, f in self.inflight.items()
                if cid not in self.unknown and now - f.sent > self.ttl_ms / 1000 + grace_s]
        self.unknown.update(late)
        return late


