"""The running adapter's control socket (loopback only): ``ticklab kill`` and ``status``.

A ROUTER on ``live.control`` (default tcp://127.0.0.1:5558) takes one small JSON request
per frame, decoded as strictly as the EA's messages; the answer is one JSON object.

    {"type": "kill", "scope": "all" | "EURUSD", "flatten": false}
    {"type": "status"}
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Literal

import msgspec
import zmq
from msgspec import Meta

from live.link import LinkError, is_loopback

DEFAULT = "tcp://127.0.0.1:5558"


class Request(msgspec.Struct, forbid_unknown_fields=True):
    type: Literal["kill", "status"]
    scope: Annotated[str, Meta(min_length=1, max_length=32)] = "all"
    flatten: bool = False


class Control:
    def __init__(self, endpoint: str, ctx: zmq.Context | None = None):
        if not is_loopback(endpoint):
            raise LinkError(f"live.control={endpoint}: the control socket binds on loopback only")
        self.sock = (ctx or zmq.Context.instance()).socket(zmq.ROUTER)
        self.sock.setsockopt(zmq.LINGER, 0)
        try:
            self.sock.bind(endpoint)
        except zmq.ZMQError as exc:
            self.sock.close(0)
            raise LinkError(f"cannot bind the control socket {endpoint}: {exc} (another "
                            f"ticklab live running? set live.control)") from None
        self.dec = msgspec.json.Decoder(Request)

    def poll(self, handle) -> None:
        """Answer every waiting request with ``handle(Request) -> dict``."""
        while self.sock.getsockopt(zmq.EVENTS) & zmq.POLLIN:   # (no zmq.Again per turn)
            try:
                rid, frame = self.sock.recv_multipart(zmq.NOBLOCK)[:2]
            except (zmq.Again, ValueError):
                return
            try:
                answer = handle(self.dec.decode(frame)) if len(frame) < 4096 else \
                    {"ok": False, "error": "request too large"}
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                answer = {"ok": False, "error": f"bad request: {exc}"}
            self.sock.send_multipart([rid, json.dumps(answer, default=str).encode()])

    def close(self) -> None:
        self.sock.close(0)


def request(endpoint: str, req: dict, timeout_ms: int = 3000) -> dict | None:
    s = zmq.Context.instance().socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.connect(endpoint)
    try:
        s.send(json.dumps(req).encode())
        if not s.poll(timeout_ms):
            return None
        return json.loads(s.recv())
    finally:
        s.close(0)


def kill_main(argv: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="ticklab kill",
                                 description="Trip the kill switch of a running ticklab live: "
                                             "no new exposure in scope (HALTED for all), "
                                             "pending orders canceled; --flatten closes positions.")
    ap.add_argument("scope", nargs="?", default="all", help="all (default) or one symbol")
    ap.add_argument("--flatten", action="store_true", help="also close the positions in scope")
    ap.add_argument("--control", default=DEFAULT, help=f"the adapter's live.control ({DEFAULT})")
    a = ap.parse_args(argv)
    answer = request(a.control, {"type": "kill", "scope": a.scope, "flatten": a.flatten})
    if answer is None:
        print(f"ticklab kill: no ticklab live answered on {a.control} within 3 s", file=sys.stderr)
        return 1
    print(json.dumps(answer))
    return 0 if answer.get("ok") else 1


class Operator:
    """``Runner``'s answers to the control socket: the kill switch and the status.  (The
    core's modules are imported when used: ``ticklab kill`` itself starts without them.)"""

    def on_control(self, req) -> dict:
        if req.type == "status":
            return self.status()
        if req.scope != "all" and req.scope not in self.index:
            return {"ok": False, "error": f"scope {req.scope!r}: 'all' or one of "
                                          f"{', '.join(self.names)}"}
        return self.kill(req.scope, req.flatten)

    def kill(self, scope: str, flatten: bool) -> dict:
        """The kill switch: no new exposure in ``scope`` until a human re-arms (a restart);
        scope ``all`` also HALTS (pending orders canceled; ``flatten`` closes positions).
        In demo and production the EA is told too: it closes what is in scope (with
        ``flatten``) and refuses every command until a new hello_ack."""
        from live import protocol as P
        from sim.core.enums import TradingState

        self.journal.add("kill", self.last_ts, scope=scope, flatten=flatten)
        self.kill_scope = scope
        if self.core is not None:
            self.trip(scope, flatten)
        if self.ea is not None and self.peer is not None and scope == "all":
            # the EA's kill stops all its trading (closes too): only for scope all; a
            # symbol's kill is the core's (no new exposure there, exits still pass)
            self.kills += 1
            msg = P.Kill(cid=f"{self.session}-k{self.kills}", scope=scope, flatten=flatten)
            self.journal.add("command", self.last_ts, msg.cid, kill=scope, flatten=flatten)
            self.journal.commit()
            self.link.send(self.peer, msg)
        self.journal.commit()
        return {"ok": True, "scope": scope, "flatten": flatten,
                "state": TradingState._fields[self.trading_state()]}

    def trip(self, scope: str, flatten: bool) -> None:
        from sim.core.enums import TradingState

        lim = self.core.state["limits"]
        lim["kill"][0] = True
        lim["kill_symbol"][0] = -1 if scope == "all" else self.index[scope]
        self.link_reducing = False
        if scope == "all":               # flatten exactly as asked, whatever the risk group says
            keep = bool(lim["flatten_on_halt"][0])
            lim["flatten_on_halt"][0] = flatten
            self.set_state(TradingState.HALTED, self.last_ts, "ticklab kill")
            lim["flatten_on_halt"][0] = keep

    def status(self) -> dict:
        import time

        from sim.core.enums import TradingState

        st, peer = self.stats, self.peer
        now = time.monotonic()
        book = self.core.record["book"] if self.core is not None else None
        return {"ok": True, "mode": self.mode, "session": self.session, "ticks": st.ticks,
                "decisions": st.decisions, "denials": st.denials, "ticks_lost": st.ticks_lost,
                "state": TradingState._fields[self.trading_state()],
                "ea_connected": peer is not None and now - peer.last_rx < 3 * self.hb_ms / 1000,
                "last_tick_age_s": round(now - st.last_tick_wall, 3) if st.ticks else None,
                "positions": int(book["active"].sum()) if book is not None else 0,
                "balance": float(self.core.record["balance"]) if self.core is not None else None,
                "reconciled": self.reconciled, "bad_frames": dict(self.link.counters.bad)}
