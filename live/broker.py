"""The fake EA's broker: an MT5 demo account made of the simulated venue.

Commands from the wire become ``order_dt`` rows submitted to a ``SimVenue`` at the
current quote (zero latency, no slippage: the fake EA's ``place`` fills like a demo
account's market order, with MT5 retcodes and the stops level); the venue's reports come
back as protocol messages: ``deal``, ``order_update`` and the ``order_result`` answering
the command.
"""

from __future__ import annotations

import msgspec
import numpy as np

from live import protocol as P
from sim.config import AccountConfig, ExecutionConfig
from sim.core.enums import Action, EventKind, OrderState, OrderType, Retcode, Side
from sim.core.records import order_dt
from sim.venue.sim_venue import SimVenue
from sim.venue.state import DEALS

NS_PER_MS = 1_000_000


class FakeBroker:
    def __init__(self, specs, opts, t_first: int, t_last: int):
        account = AccountConfig(balance=opts.balance, mode=opts.account, server_tz=opts.server_tz)
        self.venue = SimVenue.create(specs, ExecutionConfig(name="fake-ea"), account, t_first,
                                     t_last)
        self.names = [s.name for s in specs]
        self.magic = opts.magic
        self.wire: dict[int, str] = {}          # our cid -> the command's cid
        self.next_cid = 1
        self.deal_row = 0                       # the venue's next deal row to report
        self.offset_ns = 0                      # server clock minus UTC at the last quote
        self.now = t_first
        self.history: list[P.Deal] = []         # every deal, for snapshot_req's resend
        self.placed: dict[int, P.OrderUpdate] = {}   # our cid -> its pending order's update

    def warm(self, specs, opts, ts: int, bid: float, ask: float) -> None:
        """Load the venue's kernels on a throwaway account (a real EA does not stop to
        compile: neither should its stand-in, or ticklab sees it fall silent)."""
        spare = FakeBroker(specs, opts, ts, ts)
        spare.quote(0, ts, 0, bid, ask, ts // NS_PER_MS)
        spare.execute(P.Place(cid="warm-1", symbol=self.names[0], order_type=OrderType.BUY,
                              volume=specs[0].volume_min, deadline_ms=0), 0, ts, 0)
        spare.snapshot(0, 0, "")

    # -- quotes and reports -----------------------------------------------------------
    def quote(self, i: int, ts: int, s: int, bid: float, ask: float, server_ms: int) -> list:
        self.now, self.offset_ns = ts, server_ms * NS_PER_MS - ts
        self.venue.quote(ts, s, bid, ask)
        out = self.reports(ts)
        self.venue.end_tick(ts)
        return out

    def reports(self, now: int) -> list:
        out = []
        for ev in self.venue.events(now):
            e = ev[0]
            kind, cid = int(e["kind"]), self.wire.get(int(e["cid"]), "")
            t_ms = (int(e["ts"]) + self.offset_ns) // NS_PER_MS
            if kind == EventKind.FILL:
                deal, order = self.booked()
                out.append(P.Deal(
                    symbol=self.names[int(e["symbol"])], deal=deal,
                    order=order, position=int(e["position_id"]),
                    deal_type=0 if e["side"] == Side.BUY else 1, entry=int(e["entry"]),
                    reason=int(e["deal_reason"]), volume=float(e["volume"]),
                    price=float(e["price"]), time_msc=t_ms, order_type=int(e["type"]), cid=cid,
                    profit=float(e["profit"]), commission=float(e["commission"]),
                    swap=float(e["swap"]), balance=float(e["balance"]),
                    equity=float(e["equity"]), margin=float(e["margin"])))
                self.history.append(msgspec.structs.replace(out[-1]))
                self.placed.pop(int(e["cid"]), None)
                if cid:
                    out.append(P.OrderResult(cid=cid, retcode=Retcode.DONE, order=order,
                                             deal=deal,
                                             position=int(e["position_id"]),
                                             price=float(e["price"]),
                                             volume=float(e["volume"])))
            elif kind == EventKind.REJECT and int(e["cid"]) in self.placed:
                # a pending order gone unfilled (expired; refused when it triggered): MT5
                # moves it to history, and the EA says so as an order update (Mt5.mqh)
                gone = self.placed.pop(int(e["cid"]))
                out.append(msgspec.structs.replace(
                    gone, time_msc=t_ms,
                    state="expired" if e["retcode"] == Retcode.EXPIRED else "rejected"))
            elif kind == EventKind.REJECT and cid:
                out.append(P.OrderResult(cid=cid, retcode=int(e["retcode"]),
                                         order=0, position=int(e["position_id"])))
            elif kind == EventKind.ORDER:
                state = "placed" if e["state"] == OrderState.PLACED else "canceled"
                out.append(P.OrderUpdate(
                    symbol=self.names[int(e["symbol"])], order=int(e["ticket"]),
                    order_type=int(e["type"]), state=state, volume=float(e["volume"]),
                    price=float(e["price"]), time_msc=t_ms, cid=cid, sl=float(e["sl"]),
                    tp=float(e["tp"]),
                    expiry_ms=self.server_ms(int(e["expiry"]))))
                if state == "placed":
                    self.placed[int(e["cid"])] = out[-1]
                else:
                    self.placed.pop(int(e["cid"]), None)
        return out

    def booked(self) -> tuple[int, int]:
        """The deal and order tickets of the next deal the venue booked (its FILL reports
        come in the order its deals were made): a triggered pending order's deal names the
        pending order's ticket, as on MT5."""
        deals = self.venue.state.V[DEALS]
        while deals[self.deal_row]["retcode"] != Retcode.DONE:
            self.deal_row += 1
        d = deals[self.deal_row]
        self.deal_row += 1
        return int(d["deal"]), int(d["order"])

    def server_ms(self, expiry: int) -> int:
        """A pending order's expiry (ns UTC; 0 or the far future: none) on the server's
        clock in ms, as the EA reports it (0: none)."""
        return (expiry + self.offset_ns) // NS_PER_MS if 0 < expiry < 2**62 else 0

    def comment(self, cid: int) -> str:
        """An order's comment as the EA writes it: ``tl:<the command's cid>``."""
        wire = self.wire.get(cid, "")
        return f"tl:{wire}" if wire else ""

    # -- commands ---------------------------------------------------------------------
    @property
    def positions(self) -> np.ndarray:
        return self.venue.state.V[0]

    @property
    def orders(self) -> np.ndarray:
        return self.venue.state.V[1]

    def _position(self, ticket: int):
        p = self.positions
        hit = np.nonzero(p["active"] & (p["ident"] == ticket))[0]   # MT5 POSITION_IDENTIFIER
        return p[hit[0]] if len(hit) else None

    def _order(self, cid: str, action: int, otype: int, s: int, volume: float, price=0.0,
               sl=0.0, tp=0.0, expiry_ms=0, pos_ticket=0, stoplimit=0.0, type_time=0,
               by_ticket=0) -> np.ndarray:
        self.ords = np.zeros(1, dtype=order_dt)
        o = self.ords[0]
        o["cid"], self.wire[self.next_cid] = self.next_cid, cid
        self.next_cid += 1
        V = self.venue.state.V
        o["action"], o["type"], o["symbol"], o["volume"] = action, otype, s, volume
        o["price"], o["sl"], o["tp"], o["pos_ticket"] = price, sl, tp, pos_ticket
        o["expiry"] = expiry_ms * NS_PER_MS - self.offset_ns if expiry_ms else 0
        o["stoplimit"], o["type_time"], o["by_ticket"] = stoplimit, type_time, by_ticket
        o["signal_ts"] = self.now
        buy = otype in (OrderType.BUY, OrderType.BUY_LIMIT, OrderType.BUY_STOP,
                        OrderType.BUY_STOP_LIMIT)
        o["signal_price"] = V[9][s] if buy else V[8][s]
        return self.ords

    def execute(self, msg, i: int, ts: int, server_ms: int) -> list:
        """Execute one accepted command at the current quote; return the messages."""
        orders = self.orders_for(msg)
        if orders is None:
            return [P.OrderResult(cid=msg.cid, retcode=Retcode.POSITION_CLOSED)]
        out = []
        for o in orders:
            s = int(o["symbol"][0])
            self.venue.submit(o, self.now, s)
            out += self.reports(self.now)
        if isinstance(msg, P.Modify | P.Cancel) and not any(
                isinstance(m, P.OrderResult) and m.cid == msg.cid for m in out):
            # done (no refusal came back): MT5's OrderSend answers it (Mt5.mqh)
            out.append(P.OrderResult(cid=msg.cid, retcode=Retcode.DONE,
                                     order=msg.order if isinstance(msg, P.Cancel) else msg.ticket))
        return out

    def orders_for(self, msg) -> list | None:
        if isinstance(msg, P.Place):
            s = self.names.index(msg.symbol)
            return [self._order(msg.cid, Action.NEW, msg.order_type, s, msg.volume, msg.price,
                                msg.sl, msg.tp, msg.expiry_ms, msg.position, msg.stoplimit,
                                msg.type_time).copy()]
        if isinstance(msg, P.Close | P.CloseBy):
            p = self._position(msg.position)
            if p is None:
                return None
            if isinstance(msg, P.CloseBy):
                return [self._order(msg.cid, Action.CLOSE_BY, OrderType.CLOSE_BY,
                                    int(p["symbol"]), float(p["volume"]),
                                    pos_ticket=msg.position, by_ticket=msg.by_position).copy()]
            otype = OrderType.SELL if p["side"] == Side.BUY else OrderType.BUY
            return [self._order(msg.cid, Action.CLOSE, otype, int(p["symbol"]), msg.volume,
                                pos_ticket=msg.position).copy()]
        if isinstance(msg, P.Modify | P.Cancel):
            ticket = msg.ticket if isinstance(msg, P.Modify) else msg.order
            hit = np.nonzero((self.orders["state"] == OrderState.PLACED)
                             & (self.orders["ticket"] == ticket))[0]
            p = self._position(ticket)
            if p is None and not len(hit):
                return None
            s = int(p["symbol"]) if p is not None else int(self.orders["symbol"][hit[0]])
            if isinstance(msg, P.Cancel):
                return [self._order(msg.cid, Action.CANCEL, 0, s, 0.0, pos_ticket=ticket).copy()]
            return [self._order(msg.cid, Action.MODIFY, 0, s, 0.0, msg.price, msg.sl, msg.tp,
                                msg.expiry_ms, pos_ticket=ticket).copy()]
        if isinstance(msg, P.Kill):
            p = self.positions
            out = []
            for k in np.nonzero(p["active"])[0]:
                if msg.scope in ("all", self.names[int(p["symbol"][k])]):
                    otype = OrderType.SELL if p["side"][k] == Side.BUY else OrderType.BUY
                    out.append(self._order(msg.cid, Action.CLOSE, otype, int(p["symbol"][k]),
                                           float(p["volume"][k]),
                                           pos_ticket=int(p["ident"][k])).copy())
            return out
        return []

    def deals_since(self, from_msc: int) -> list:
        return [msgspec.structs.replace(d) for d in self.history if d.time_msc >= from_msc] \
            if from_msc else []

    def n_open(self) -> int:
        return int(self.positions["active"].sum()
                   + (self.orders["state"] == OrderState.PLACED).sum())

    def snapshot(self, server_ms: int, last_seq_in: int, cid: str) -> P.Snapshot:
        a, p_all, o_all = self.venue.state.account, self.positions, self.orders
        pos = [P.PositionRow(ticket=int(p["ident"]), symbol=self.names[int(p["symbol"])],
                             side=int(p["side"]), volume=float(p["volume"]),
                             price=float(p["price"]),
                             open_time_msc=(int(p["open_ts"]) + self.offset_ns) // NS_PER_MS,
                             sl=float(p["sl"]), tp=float(p["tp"]), swap=float(p["swap"]),
                             commission=float(p["commission"]), profit=float(p["profit"]),
                             magic=self.magic)
               for p in p_all[p_all["active"]]]
        pend = [P.OrderRow(ticket=int(o["ticket"]), symbol=self.names[int(o["symbol"])],
                           order_type=int(o["type"]), volume=float(o["volume"]),
                           price=float(o["price"]), sl=float(o["sl"]), tp=float(o["tp"]),
                           expiry_ms=self.server_ms(int(o["expiry"])), magic=self.magic,
                           comment=self.comment(int(o["cid"])))
                for o in o_all[o_all["state"] == OrderState.PLACED]]
        return P.Snapshot(account=P.AccountRow(balance=float(a["balance"]),
                                               equity=float(a["equity"]),
                                               margin=float(a["margin"])),
                          positions=pos, orders=pend, last_seq_in=last_seq_in,
                          time_msc=server_ms, cid=cid)
