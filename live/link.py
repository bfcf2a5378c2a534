"""ticklab's end of the EA link: one ROUTER socket, bound, strict frames, counted faults.

- Loopback by default.  Any other bind needs CURVE with ZAP client authentication (one
  key pair per EA, ``live/keys.py``): without keys ``Link`` refuses to start.
- ``ROUTER_MANDATORY``: a command to an EA that is gone fails at once (never queued to
  fire later); ``ROUTER_HANDOVER``: an EA reconnecting under its routing id takes over
  (without it, libzmq drops the new connection while the old one looks alive).
- Every frame is decoded by ``live.protocol`` (size limit, schema); a bad frame is logged,
  counted by reason and dropped, never fatal.  Sequence numbers are checked per peer: a
  gap (lost messages) and a repeat (duplicated or reordered) are counted and reported to
  the caller with the message.
"""

from __future__ import annotations

import collections
import ipaddress
import logging
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import zmq
from zmq.auth.thread import ThreadAuthenticator

from live import protocol as P
from live.keys import server_keys

log = logging.getLogger("ticklab.live")

SEEN = 4096                   # seqs remembered per peer to drop duplicates
MAX_JUMP = 100_000            # a seq further ahead than this is refused, not a gap
_NOBLOCK, _SNDMORE, _RCVMORE = int(zmq.NOBLOCK), int(zmq.SNDMORE), int(zmq.RCVMORE)
_EVENTS, _POLLIN = int(zmq.EVENTS), int(zmq.POLLIN)


class LinkError(RuntimeError):
    """The link cannot start as configured (one line for the user)."""


def is_loopback(endpoint: str) -> bool:
    """True for ipc://, inproc:// and tcp:// on a loopback address."""
    if endpoint.startswith(("ipc://", "inproc://")):
        return True
    if not endpoint.startswith("tcp://"):
        raise LinkError(f"endpoint {endpoint!r}: expected tcp://HOST:PORT (or ipc://PATH)")
    host = urlsplit(endpoint).hostname or ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False                  # a name (even localhost) could resolve elsewhere


@dataclass
class Peer:
    """One connected EA, by its ZeroMQ routing id."""

    rid: bytes
    seq_out: int = 0          # last seq we sent it
    seq_in: int = 0           # last seq we received from it
    gaps: int = 0             # messages missing in its sequence (so far)
    repeats: int = 0          # duplicates of a message already delivered (dropped)
    late: int = 0             # messages that arrived after a later one (delivered)
    missing: int = 0          # seqs ever found missing (never decreases: the resync trigger)
    seen: set = field(default_factory=set)            # the last SEEN seqs delivered
    order: collections.deque = field(default_factory=collections.deque)
    last_rx: float = 0.0      # time.monotonic() of its last message
    ea_clock: float = 0.0     # its sent_ms minus our monotonic ms at receipt (deadlines)
    hello: P.Hello | None = None


@dataclass
class Counters:
    received: dict = field(default_factory=dict)      # by kind
    sent: dict = field(default_factory=dict)
    bad: dict = field(default_factory=dict)           # by reason
    send_failed: int = 0


class Link:
    """A ROUTER bound at ``endpoint``; ``curve_keys`` a key directory (``ticklab keys``)."""

    def __init__(self, endpoint: str, curve_keys: str | None = None,
                 ctx: zmq.Context | None = None, hwm: int = 1_000_000):
        if not is_loopback(endpoint) and not curve_keys:
            raise LinkError(f"refusing to bind {endpoint} outside loopback without CURVE: "
                            f"run `ticklab keys new <ea-name>` and set live.curve_keys")
        self.ctx = ctx or zmq.Context.instance()
        self.codec = P.ea_codec()
        self.auth = None
        s = self.ctx.socket(zmq.ROUTER)
        s.setsockopt(zmq.ROUTER_MANDATORY, 1)
        s.setsockopt(zmq.ROUTER_HANDOVER, 1)     # an EA reconnecting under its fixed id
                                                 # takes over its old, half-dead connection
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.RCVHWM, hwm)
        s.setsockopt(zmq.SNDHWM, hwm)
        s.setsockopt(zmq.MAXMSGSIZE, 4 * P.MAX_FRAME_BYTES)   # far larger: libzmq drops the peer
        if curve_keys:
            public, secret, authorized = server_keys(curve_keys)
            self.auth = ThreadAuthenticator(self.ctx)
            self.auth.start()
            self.auth.configure_curve(domain="*", location=str(authorized))
            s.curve_server = True
            s.curve_publickey = public
            s.curve_secretkey = secret
        try:
            s.bind(endpoint)
        except zmq.ZMQError as exc:
            s.close(0)
            self.close()
            raise LinkError(f"cannot bind {endpoint}: {exc}") from None
        self.sock = s
        self.endpoint = s.getsockopt_string(zmq.LAST_ENDPOINT)
        self.peers: dict[bytes, Peer] = {}
        self.counters = Counters()
        self.batch_t = 0.0
        self.poller = zmq.Poller()
        self.poller.register(s, zmq.POLLIN)

    def recv(self, timeout_ms: int, budget: int = 10_000,
             spin: bool = False) -> list[tuple[Peer, P.Msg]]:
        """Wait up to ``timeout_ms`` for traffic, then drain up to ``budget`` frames.
        ``spin``: wait without blocking (a core kept busy: no wake-up from sleep and warm
        caches when a tick comes; ``live.idle=spin``)."""
        out = []
        if spin:
            end = time.monotonic() + timeout_ms / 1000
            events = self.sock.getsockopt
            while not events(_EVENTS) & _POLLIN:
                if time.monotonic() >= end:
                    return out
        elif not self.poller.poll(timeout_ms):
            return out
        now = time.monotonic()
        self.batch_t = time.perf_counter()      # when this batch was read (latency metrics)
        recv, more = self.sock.recv, self.sock.getsockopt    # (``sock.rcvmore`` costs µs)
        for _ in range(budget):
            if not more(_EVENTS) & _POLLIN:      # drained (cheaper than recv's zmq.Again)
                break
            try:
                rid = recv(_NOBLOCK)
            except zmq.Again:
                break
            frame = recv(_NOBLOCK) if more(_RCVMORE) else b""
            if not frame or more(_RCVMORE):
                n = 1 + bool(frame)
                while more(_RCVMORE):
                    recv(_NOBLOCK)
                    n += 1
                self._bad("frames", rid, f"{n - 1} frames; expected one JSON frame")
                continue
            try:
                msg = self.codec.decode(frame)
            except P.ProtocolError as exc:
                self._bad(exc.reason, rid, str(exc))
                continue
            peer = self.peers.get(rid)
            if peer is None or isinstance(msg, P.Hello):
                peer = self.peers[rid] = Peer(rid)        # a (re)connection starts afresh
            peer.last_rx = now
            if not self._sequence(peer, msg):
                continue
            peer.ea_clock = msg.sent_ms - now * 1000.0
            kind = msg.__struct_config__.tag
            self.counters.received[kind] = self.counters.received.get(kind, 0) + 1
            out.append((peer, msg))
        return out

    def _sequence(self, peer: Peer, msg: P.Msg) -> bool:
        """Count gaps; False for a message already delivered (a duplicate: dropped).  One
        that arrives late (reordered) fills its gap and is delivered."""
        seq = msg.seq
        if seq in peer.seen:
            peer.repeats += 1
            return False
        if seq > peer.seq_in + MAX_JUMP:      # not a gap: a forged or corrupt seq
            self._bad("seq_jump", peer.rid, f"seq {seq} after {peer.seq_in}")
            return False
        peer.seen.add(seq)
        peer.order.append(seq)
        if len(peer.order) > SEEN:
            peer.seen.discard(peer.order.popleft())
        if seq > peer.seq_in + 1:
            peer.gaps += seq - peer.seq_in - 1
            peer.missing += seq - peer.seq_in - 1
        elif seq < peer.seq_in:
            peer.gaps -= 1
            peer.late += 1
        peer.seq_in = max(peer.seq_in, seq)
        return True

    def _bad(self, reason: str, rid: bytes, text: str) -> None:
        self.counters.bad[reason] = self.counters.bad.get(reason, 0) + 1
        log.warning("bad frame from %r (%s): %s", rid, reason, text)

    def encode(self, peer: Peer, msg: P.Msg) -> bytes:
        """``msg`` as ``peer``'s next frame (its ``seq`` taken): for ``send_frame``."""
        peer.seq_out += 1
        return self.codec.encode(msg, peer.seq_out)

    def send(self, peer: Peer, msg: P.Msg) -> bool:
        """Send ``msg`` to ``peer``; False (counted) if it is gone or its queue is full."""
        return self.send_frame(peer, msg, self.encode(peer, msg))

    def send_frame(self, peer: Peer, msg: P.Msg, frame: bytes) -> bool:
        """Send a frame ``encode`` made (journaled first, by a caller that must)."""
        try:
            self.sock.send(peer.rid, _NOBLOCK | _SNDMORE)
            self.sock.send(frame, _NOBLOCK)
        except (zmq.Again, zmq.ZMQError):
            self.counters.send_failed += 1
            return False
        kind = msg.__struct_config__.tag
        self.counters.sent[kind] = self.counters.sent.get(kind, 0) + 1
        return True

    def deadline_ms(self, peer: Peer, ttl_ms: float) -> int:
        """A deadline ``ttl_ms`` from now in ``peer``'s own clock (its ``sent_ms``)."""
        return max(0, int(peer.ea_clock + time.monotonic() * 1000.0 + ttl_ms))

    def close(self) -> None:
        if getattr(self, "sock", None) is not None:
            self.sock.close(0)
            self.sock = None
        if self.auth is not None:
            self.auth.stop()
            self.auth = None
