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
        while True:
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
