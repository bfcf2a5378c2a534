"""The demo / production half of the live runner (``BrokerSession``, mixed into ``Runner``):
the core's orders to the EA through ``EAVenue``, the EA's reports back to the core as its
events, server midnights, and reconciliation with the broker on every (re)connect
(docs/operations.md): REDUCING, the deals since the last clean reconciliation resent and
booked once, a snapshot compared with the core's book, ACTIVE again or HALTED.  A restart
after a crash first rebuilds the book from the previous session's journaled deals."""

from __future__ import annotations

import base64
import functools
import logging
import time

import numpy as np

from live import protocol as P
from live.clock import next_midnight
from live.reconcile import differences
from sim.core.enums import OrderState, Retcode, TradingState
from sim.core.state import RISK_BASIS

log = logging.getLogger("ticklab.live")


def state_layout(st: np.ndarray) -> str:
    """A strategy state array's dtype and shape, as text (restored only into the same)."""
    return _layout(st.dtype, st.shape)


@functools.lru_cache(maxsize=64)
def _layout(dtype: np.dtype, shape: tuple) -> str:
    return f"{np.lib.format.dtype_to_descr(dtype)!r} {shape!r}"     # (tens of µs: once)

SNAPSHOT_DOUBTS = 3     # snapshots asked again when messages went missing before a difference

DEAL_FIELDS = ("deal", "order", "position", "symbol", "deal_type", "entry", "reason", "volume",
               "price", "time_msc", "order_type", "profit", "commission", "swap")
AFTER_DEAL = ("balance", "equity", "margin")     # the account after it (journaled too: a
                                                 # replayed deal restores the core's view)


class BrokerSession:
    """``Runner``'s methods for an EA that trades (``self.ea`` is an ``EAVenue``)."""

    def resume(self, ts: int) -> None:
        """Rebuild the book from the previous session of this mode (its journaled deals,
        replayed as FILL events), so the reconciliation that follows sees the positions it
        left at the broker as ours.  Orders the replay provokes are history: refused at
        once (the old session already acted), never sent."""
        from live.journal import last_row, previous_session

        prev, rows = previous_session(self.cfg.store, self.mode, self.session, self.login)
        basis = last_row(self.cfg.store, prev, "risk_basis") if prev is not None else None
        if basis is not None:                   # the bases the session left
            self.prev_basis = {k: basis[k] for k in (*RISK_BASIS, "day_end")}
        limits = self.core.record["limits"]
        bypass = bool(limits["bypass"])
        limits["bypass"] = True                 # history: no loss rule fires on it again
        self.ea.record.history = True           # nor is it this session's run
        try:
            self.replay(prev, rows, ts)
        finally:
            limits["bypass"] = bypass
            self.ea.record.history = False
        if rows or basis is not None:
            self.ea.safe_msc = self.ea.last_deal_msc
            self.journal.add("resume", ts, "", session=prev,
                             deals=sum(r["kind"] == "deal" for r in rows),
                             positions=int(self.core.record["book"]["active"].sum()))
        if self.prev_basis is not None:
            # the counts go on from where that session left them (the replay above is its
            # history, counted there): a deal made while ticklab was down (an SL, a close
            # by hand), resent before the first snapshot, counts on top, as it would live
            p = self.prev_basis
            self.core.set_risk_basis(consecutive_losses=p["consecutive_losses"],
                                     fills_day=p["fills_day"] if p["day_end"] == self.next_day
                                     else 0)
            self.note_basis(ts, source="carried", session=prev)   # at once: a session that
                                                                  # dies before its snapshot
                                                                  # passes it on
        if prev is not None:
            self.restore_strategy_state(prev, ts)

    def replay(self, prev: str, rows: list[dict], ts: int) -> None:
        """Session ``prev``'s journaled deals (FILL events) and MT4 renumberings, into the
        core and the venue, each deal once."""
        for r in rows:
            if r["kind"] == "renumber":         # MT4: the rest of a partial close's ticket
                self.journal.add("renumber", r["ts"], r["cid"], resumed_from=prev,
                                 old=r["old"], new=r["new"])
                self.ea.renumber(r["old"], r["new"])
                continue
            if not all(k in r for k in DEAL_FIELDS) or r["deal"] in self.ea.deals \
                    or r["symbol"] not in self.index:
                continue
            self.journal.add("deal", r["ts"], r["cid"], resumed_from=prev,
                             **{k: r[k] for k in DEAL_FIELDS + AFTER_DEAL if k in r})
            self.absorb(self.core.on_event(self.ea.replay_deal(r, ts)), ts)

    def save_strategy_state(self, force: bool = False) -> None:
        """Journal the strategy's state if it changed since the last row: with each command
        (``force``, in the command's write-ahead transaction: a restart never forgets an
        order its strategy decided), else at most once a second."""
        now = time.monotonic()
        if self.core is None or (not force and now - self.state_saved_at < 1.0):
            return
        self.state_saved_at = now
        st = self.core.sstate
        data = st.tobytes()
        if data != self.state_saved:
            self.state_saved = data
            self.journal.add("strategy_state", self.last_ts, "", strategy=self.strategy_key,
                             dtype=state_layout(st), state=base64.b64encode(data).decode())

    def restore_strategy_state(self, prev: str, ts: int) -> None:
        """The strategy resumes from session ``prev``'s newest state if the strategy, its
        parameters, the symbols and the state's layout are the same; else it starts afresh
        (journaled with the reason).  The restored state is journaled again at once, as
        this session's (its successor resumes from it)."""
        from live.journal import last_row

        row = last_row(self.cfg.store, prev, "strategy_state")
        st = self.core.sstate
        why = ""
        if row is None:
            why = "the previous session journaled no strategy state"
        elif row.get("strategy") != self.strategy_key:
            why = "the strategy, its parameters or the symbols changed"
        elif row.get("dtype") != state_layout(st):
            why = "the strategy's state has another layout (code changed)"
        else:
            try:
                saved = np.frombuffer(base64.b64decode(row.get("state", ""), validate=True),
                                      dtype=st.dtype).reshape(st.shape)
            except ValueError as exc:
                why = f"the journaled state does not fit: {exc}"
        if why:
            self.journal.add("strategy_fresh", ts, "", session=prev, why=why)
            log.warning("the strategy starts afresh: %s", why)
            return
        st[...] = saved
        self.journal.add("strategy_restored", ts, "", session=prev, row=row["n"],
                         saved_ts=row["ts"])
        self.state_saved = b""
        self.save_strategy_state(force=True)

    def base_risk(self, a: P.AccountRow, ts: int) -> None:
        """The broker's first account figures this session: what the loss rules measure
        from.  A fresh account starts at its balance and equity now; a resumed one keeps
        the previous session's start and peak equity and, on the same server day, its
        day's balance and equity (a restart never resets a daily loss limit); its losing
        streak and the day's fill count were carried on at ``resume``, with the deals
        resent since.  Until then the money bases are unknown (NaN) and those rules wait:
        the configured ``account.balance`` is the backtest's, not the broker's."""
        b = dict(day_balance=a.balance, day_equity=a.equity, start_equity=a.equity,
                 peak_equity=a.equity)
        p = self.prev_basis
        if p is None:
            b["fills_day"] = 0
        else:
            b.update(start_equity=p["start_equity"], peak_equity=max(p["peak_equity"], a.equity))
            if p["day_end"] == self.next_day:
                b.update(day_balance=p["day_balance"], day_equity=p["day_equity"])
        self.core.set_risk_basis(**b)
        self.based = True
        self.note_basis(ts, source="resumed" if p is not None else "broker")

    def unbase(self) -> None:
        """No broker figures yet (a new core): the daily loss and drawdown rules wait (a
        server day that rolls over before them keeps them unknown: ``new_day_nb``)."""
        self.core.set_risk_basis(day_balance=np.nan, day_equity=np.nan, start_equity=np.nan,
                                 peak_equity=np.nan)

    def note_basis(self, ts: int, every_s: float = 0.0, **why) -> None:
        """Journal the loss rules' bases when they changed (a restart resumes from them);
        with ``every_s``, look at most that often (off the hot path).  Before the broker's
        first figures a resumed session carries the previous one's money bases, its counts
        moving with the deals resent meanwhile: a session that dies before its snapshot
        passes them on too."""
        if not self.based and self.prev_basis is None:
            return
        if every_s:
            now = time.monotonic()
            if now - self.basis_looked_at < every_s:
                return
            self.basis_looked_at = now
        if self.based:
            b = {**self.core.risk_basis(), "day_end": self.next_day}
        else:
            b = self.carried_basis()
            if b == self.basis_noted:
                return
            why = why or {"source": "carried"}
        if b != self.basis_noted or why:
            self.journal.add("risk_basis", ts, "", **why, **b)
            self.basis_noted = b

    def carried_basis(self) -> dict:
        """Before the broker's first figures: the previous session's bases, with the
        counts as the deals resent since moved them."""
        now = self.core.risk_basis()
        return {**self.prev_basis, "fills_day": now["fills_day"],
                "consecutive_losses": now["consecutive_losses"]}

    def absorb(self, orders: np.ndarray, ts: int) -> None:
        """Refuse at once what the core decides while replaying history (and what those
        refusals provoke): journaled, never sent."""
        for o in orders.copy():
            if o["state"] != OrderState.REJECTED:
                self.journal.add("resume_refused", ts, str(int(o["cid"])))
                self.absorb(self.core.on_event(self.ea.reject(o, ts, Retcode.EA_NO_ANSWER)), ts)

    def take(self, orders: np.ndarray, ts: int) -> None:
        """The core's orders to the EA; the events of those refused at once back to it."""
        if not len(orders):
            return
        self.on_orders(orders, ts)
        self.ea.record.decided(orders, ts)
        self.save_strategy_state(force=True)
        for ev in self.ea.submit(orders, ts):
            self.take(self.core.on_event(ev), ts)

    def on_report(self, msg) -> None:
        ts = self.last_ts
        if isinstance(msg, P.Ack):
            self.journal.add("ack", ts, msg.cid, ok=msg.ok, reason=msg.reason)
            ev = self.ea.on_ack(msg, ts)
        elif isinstance(msg, P.OrderResult):
            self.journal.add("order_result", ts, msg.cid, retcode=msg.retcode, order=msg.order,
                             deal=msg.deal, position=msg.position, price=msg.price,
                             volume=msg.volume, old_ticket=msg.old_ticket,
                             new_ticket=msg.new_ticket)
            ev = self.ea.on_result(msg, ts)
        elif isinstance(msg, P.Deal):
            booked = msg.deal in self.ea.deals         # resent after a reconnect: once only
            self.journal.add("deal_again" if booked else "deal", ts, msg.cid,
                             **{k: getattr(msg, k) for k in DEAL_FIELDS + AFTER_DEAL})
            ev = self.ea.on_deal(msg, ts)
        elif isinstance(msg, P.OrderUpdate):
            self.journal.add("order_update", ts, msg.cid, order=msg.order, state=msg.state,
                             price=msg.price, volume=msg.volume)
            ev = self.ea.on_order_update(msg, ts)
        else:
            self.journal.add("snapshot", ts, msg.cid, positions=len(msg.positions),
                             orders=len(msg.orders), balance=msg.account.balance,
                             equity=msg.account.equity)
            if msg.cid and msg.cid == self.snap_cid():
                self.reconcile(msg)
            ev = self.ea.on_snapshot(msg, ts) if self.core is not None else None
            if ev is not None and not self.based:
                self.base_risk(msg.account, ts)
        if ev is not None and self.core is not None:
            self.take(self.core.on_event(ev), ts)
            self.note_basis(ts)

    def server_day(self) -> None:
        from sim.core.enums import TimerKind
        from sim.core.events import timer_event_nb
        from sim.core.records import event_dt

        c = self.core.record
        ev = np.zeros(1, dtype=event_dt)
        timer_event_nb(ev[0], self.next_day, TimerKind.DAY, float(c["balance"]),
                       float(c["equity"]), float(c["margin"]))
        day = self.next_day
        self.take(self.core.on_event(ev), day)
        self.next_day = next_midnight(day + 1, self.account.server_tz)
        self.note_basis(day)

    def snap_cid(self) -> str:
        return f"{self.session}-s{self.snap_n}"

    def request_snapshot(self) -> None:
        """Ask for the deals since the last one booked (lost ones are resent) and then the
        positions and orders to reconcile with."""
        self.snap_n += 1
        self.snap_sent = time.monotonic()
        self.snap_missing = self.peer.missing if self.peer is not None else 0
        if self.peer is not None:
            # from the newest deal booked at the last clean reconciliation: every deal
            # since could have been lost with the link (the runner books each ticket once)
            since = self.ea.safe_msc or (self.clock.to_server_ms(self.first_ts) if self.first_ts
                                         else 0)     # 0: before any tick, none
            self.link.send(self.peer, P.SnapshotReq(cid=self.snap_cid(), deals_from_msc=since))

    def reconcile(self, snap: P.Snapshot) -> None:
        """The EA's positions and pending orders against the core's book: equal -> trading
        resumes; different -> HALTED, with what differs.  A difference seen while messages
        from the EA went missing since the request is first doubted: the snapshot (and the
        deals before it) is asked again, up to ``SNAPSHOT_DOUBTS`` times."""
        self.adopt(snap)
        diffs = differences(self.core, self.names, snap)
        lost = self.peer is not None and self.peer.missing > self.snap_missing
        if diffs and lost and self.snap_doubts < SNAPSHOT_DOUBTS:
            # messages went missing since the request (a resent deal among them?): a
            # difference is not yet a fact; ask again (the deals are resent again)
            self.snap_doubts += 1
            self.journal.add("reconcile_doubt", self.last_ts, snap.cid, diffs=diffs[:5],
                             missing=self.peer.missing - self.snap_missing)
            self.request_snapshot()
            return
        self.snap_doubts = 0
        self.journal.add("reconcile", self.last_ts, snap.cid, ok=not diffs, diffs=diffs)
        if diffs:
            text = "reconciliation failed: " + "; ".join(diffs[:5]) + \
                (f" (+{len(diffs) - 5} more)" if len(diffs) > 5 else "")
            self.stats.errors.append(text)
            log.error(text)
            self.link_reducing = False   # only an operator lifts this HALT (a restart)
            self.set_state(TradingState.HALTED, self.last_ts, text)
            return
        self.reconciled = True
        self.ea.safe_msc = self.ea.last_deal_msc
        for cid in sorted(self.ea.unknown):      # no trace at the broker: never executed
            f = self.ea.inflight.pop(cid, None)  # (beyond what it filled, if anything)
            self.journal.add("no_outcome", self.last_ts, self.ea.wire_cid(cid),
                             filled=f.filled if f is not None else 0.0)
            if f is not None and self.core is not None:
                rest = f.order.copy()
                rest[0]["volume"] = float(rest[0]["volume"]) - f.filled
                if rest[0]["volume"] > 1e-9:
                    self.take(self.core.on_event(self.ea.reject(rest[0], self.last_ts,
                                                                Retcode.EA_NO_ANSWER)),
                              self.last_ts)
        self.ea.unknown.clear()
        if self.link_reducing and self.trading_state() == TradingState.REDUCING:
            self.link_reducing = False   # lifts only its own REDUCING, never risk's or a HALT
            if int(self.core.record["risk"]["cause"]) == Retcode.RISK_COMMAND:
                # a reconnect is no cool-down: the losing streak stays counted
                streak = self.core.risk_basis()["consecutive_losses"]
                self.set_state(TradingState.ACTIVE, self.last_ts, "reconciled")
                self.core.set_risk_basis(consecutive_losses=streak)

    def adopt(self, snap: P.Snapshot) -> None:
        """Pending orders at the broker that the core does not know but ticklab placed
        (the ``tl:<cid>`` of their comment names a ``place`` of that symbol journaled in
        this store: an order update lost on the link, or an earlier session's order after
        a restart) are booked into the core before the comparison, so their fills,
        cancels and expiries reach it.  Anything else at the broker stays a difference."""
        if self.core is None:
            return
        known = {int(o["ticket"]) for o in self.core.pending}
        for row in snap.orders:
            wire = row.comment[3:] if row.comment.startswith("tl:") else ""
            if row.ticket in known or row.symbol not in self.index or not wire:
                continue
            sent = self.journal.command(wire)
            if sent is None or sent.get("type") != "place" or sent.get("symbol") != row.symbol:
                continue
            self.journal.add("adopt", self.last_ts, wire, order=row.ticket, symbol=row.symbol,
                             order_type=row.order_type, volume=row.volume, price=row.price)
            self.take(self.core.on_event(self.ea.adopt(row, wire, self.last_ts)), self.last_ts)

    def reduce(self, why: str) -> None:
        if self.trading_state() == TradingState.ACTIVE:
            self.link_reducing = True
            self.set_state(TradingState.REDUCING, self.last_ts, why)
