"""``ticklab fake-ea``: the EA side of the protocol in Python, for tests and rehearsals.

It connects a DEALER to ticklab's ROUTER like the MQL EA, sends ``hello`` and one
``symbol_spec`` per symbol, then replays a tick file (any format ``sim.load_ticks``
reads) as ``tick`` messages in real time, ``speed`` times faster, or as fast as the
socket takes them (``speed=0``).  It enforces the EA's own rules (mode, cid ring,
deadline, allow-list, max lots / orders) and, in demo mode, executes commands like an
MT5 demo account: the simulated venue (``SimVenue``, ideal execution: the current quote,
MT5 retcodes, stops level) is its broker, and its fills go back as ``deal`` and
``order_result`` messages.  Faults (``live/faults.py``) are injected on request.
"""

from __future__ import annotations

import argparse
import collections
import time
from dataclasses import dataclass

import numpy as np
import zmq

from live import protocol as P
from live.broker import FakeBroker
from live.faults import Faults
from sim.data.symbols import load_symbol
from sim.data.timezones import utc_to_server

CID_RING = 1000


@dataclass
class EAOptions:
    """The EA's inputs (``mql/README.md`` lists the real EA's)."""

    mode: str = "shadow"                 # shadow | demo | production
    trade_mode: str = "demo"             # the account: demo | contest | real
    account: str = "netting"             # netting | hedging
    server_tz: str = "NY+7"
    balance: float = 10_000.0
    currency: str = "USD"                # the account's
    max_lots: float = 10.0
    max_orders: int = 50
    login: int = 1_000_001
    magic: int = 7_310
    speed: float = 0.0                   # 0: as fast as the socket takes them
    heartbeat_s: float = 1.0
    snapshot_s: float = 30.0             # demo/production: a snapshot (the account's balance,
                                         # equity, margin) every this many seconds of market
                                         # time, as the EA's InpSnapshotSec (0: never)
    hello_timeout_s: float = 300.0           # ticklab may be compiling its kernels first
    quiet_s: float = 0.5                 # after the last tick: answer until this quiet, then bye
    linger_s: float = 0.0                # ... but for at least this long (time for ticklab to
                                         # find a lost report and resync before the bye)
    curve: dict | None = None            # server_public, client_public, client_secret (Z85)


class FakeEA:
    """One fake EA replaying ``tables`` (``TickTable``s, one per symbol) to ``endpoint``."""

    def __init__(self, endpoint: str, tables, opts: EAOptions | None = None,
                 faults: Faults | None = None, ctx: zmq.Context | None = None):
        self.endpoint = endpoint
        self.opts = opts or EAOptions()
        self.faults = faults or Faults()
        self.ctx = ctx or zmq.Context.instance()
        self.codec = P.ticklab_codec()
        self.symbols = [t.symbol for t in tables]
        ts = np.concatenate([t.ts for t in tables]).astype(np.int64)
        sym = np.concatenate([np.full(len(t), k, np.int32) for k, t in enumerate(tables)])
        order = np.argsort(ts, kind="stable")
        self.ts, self.sym = ts[order], sym[order]
        self.bid = np.concatenate([t.bid for t in tables])[order]
        self.ask = np.concatenate([t.ask for t in tables])[order]
        self.server_ms = utc_to_server(self.ts, self.opts.server_tz) // 1_000_000
        self.specs = [load_symbol(s) for s in self.symbols]
        self.broker = FakeBroker(self.specs, self.opts, int(self.ts[0]), int(self.ts[-1])) \
            if len(self.ts) else None
        self.sock = None
        self.seq = 0
        self.sym_seq = [0] * len(tables)
        self.cmd_seen: collections.OrderedDict[str, list[P.Msg]] = collections.OrderedDict()
        self.armed_mode: str | None = None     # hello_ack's mode, once received
        self.killed = False
        self.sent = collections.Counter()
        self.drops = 0
        self.cmd_recv = 0
        self.last_snap_ms = 0                # server ms of the last periodic snapshot
        self.last_seq_in = 0
        self.peer_read = 0             # our last seq that ticklab has read (its heartbeats)
        self.t0 = time.monotonic()
        self.heard = time.monotonic()            # ticklab's last message

    # -- the link ---------------------------------------------------------------------
    def connect(self) -> None:
        s = self.ctx.socket(zmq.DEALER)
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.SNDHWM, 100_000)
        s.setsockopt(zmq.IMMEDIATE, 1)          # as the EA: nothing queues for a gone peer
        s.setsockopt(zmq.RECONNECT_IVL, 100)
        s.setsockopt(zmq.RECONNECT_IVL_MAX, 5000)
        s.setsockopt(zmq.ROUTING_ID, f"fake:{self.opts.login}:{self.opts.magic}".encode())
        if self.opts.curve:
            s.curve_serverkey = self.opts.curve["server_public"].encode()
            s.curve_publickey = self.opts.curve["client_public"].encode()
            s.curve_secretkey = self.opts.curve["client_secret"].encode()
        s.connect(self.endpoint)
        self.sock, self.seq, self.peer_read = s, 0, 0

    def send(self, msg: P.Msg, faulty: bool = True) -> None:
        """Send ``msg`` through the injected faults (``faulty``), or as it is, after any
        frame the faults held back (the bye: a test's end is never lost)."""
        self.seq += 1
        frame = self.codec.encode(msg, self.seq)
        frames = self.faults.outgoing(frame) if faulty else self.faults.release() + [frame]
        for frame in frames:
            try:
                self.sock.send(frame, zmq.NOBLOCK)
            except zmq.Again:
                self.drops += 1
        self.sent[msg.__struct_config__.tag] += 1

    def hello(self, i: int) -> None:
        o = self.opts
        self.last_snap_ms = 0                # greeted again: a snapshot at once, as the EA
        at = int(self.ts[min(i, len(self.ts) - 1)]) if len(self.ts) else time.time_ns()
        offset = int(utc_to_server(np.array([at]), o.server_tz)[0]) - at
        self.send(P.Hello(
            platform="MT5", build=4755, ea_version="fake-1", login=o.login, server="Fake-Demo",
            company="ticklab", currency=o.currency, leverage=100, margin_mode=o.account,
            trade_mode=o.trade_mode, ea_mode=o.mode,
            limits=P.Limits(max_lots=o.max_lots, max_orders=o.max_orders, symbols=self.symbols),
            server_time_ms=(at + offset) // 1_000_000, gmt_offset_s=offset // 1_000_000_000,
            dlls_allowed=True, trade_allowed=True, symbols=self.symbols))
        for spec in self.specs:
            self.send(P.SymbolSpec(
                symbol=spec.name, digits=spec.digits, point=10.0 ** -spec.digits,
                tick_size=spec.tick_size, tick_value=spec.tick_value,
                contract_size=spec.contract_size, volume_min=spec.volume_min,
                volume_max=spec.volume_max, volume_step=spec.volume_step,
                stops_level=spec.stops_level, freeze_level=spec.freeze_level))

    def wait_hello_ack(self, i: int = 0) -> bool:
        """Wait for ticklab's hello_ack, saying hello again every second (as the EA does:
        with ZMQ_IMMEDIATE a hello sent before the connection is up is dropped)."""
        deadline = time.monotonic() + self.opts.hello_timeout_s
        again = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            if self.sock.poll(100):
                self.drain(i)
                if self.armed_mode is not None:
                    return True
            elif time.monotonic() > again:
                again = time.monotonic() + 1.0
                self.seq = self.peer_read = 0
                self.hello(i)
        return False

    # -- commands ---------------------------------------------------------------------
    def drain(self, i: int, budget: int = 1000) -> None:
        """Read ticklab's messages without blocking (at most ``budget``) and act on them."""
        for _ in range(budget):
            try:
                frame = self.sock.recv(zmq.NOBLOCK)
            except zmq.Again:
                return
            try:
                msg = self.codec.decode(frame)
            except P.ProtocolError as exc:
                self.send(P.Error(code=1, where="decode", text=str(exc)[:256]))
                continue
            self.last_seq_in = msg.seq
            self.heard = time.monotonic()
            if isinstance(msg, P.HelloAck):
                if msg.mode != self.opts.mode:
                    self.send(P.Error(code=2, where="hello_ack", text=(
                        f"ticklab runs {msg.mode}, this EA is set to {self.opts.mode}: "
                        f"staying in shadow")))
                    self.armed_mode = "shadow"
                else:
                    self.armed_mode = msg.mode
                self.killed = False
            elif isinstance(msg, P.Heartbeat):
                self.peer_read = msg.last_seq_in
            elif isinstance(msg, P.SnapshotReq):
                for deal in self.broker.deals_since(msg.deals_from_msc) if self.broker else []:
                    self.send(deal)
                self.send(self.snapshot(i, msg.cid))
            elif isinstance(msg, P.COMMANDS):
                self.cmd_recv += 1
                self.command(msg, i)

    def command(self, msg, i: int) -> None:
        cid = msg.cid
        if cid in self.cmd_seen:
            self.send(P.Ack(cid=cid, ok=False, reason="DUPLICATE"))
            for first in self.cmd_seen[cid]:
                self.send(first)
            return
        refusal = self.refuse(msg)
        if refusal:                  # not remembered: the same cid may be retried
            self.send(P.Ack(cid=cid, ok=False, reason=refusal))
            return
        answers = self.cmd_seen[cid] = []
        if len(self.cmd_seen) > CID_RING:
            self.cmd_seen.popitem(last=False)
        self.send(P.Ack(cid=cid, ok=True))
        if isinstance(msg, P.Kill):
            self.killed = True
        try:
            outs = self.broker.execute(msg, i, self.ts[i], self.server_ms[i])
        except Exception as exc:            # an EA never dies on a command: it says so
            outs = [P.OrderResult(cid=cid, retcode=10011),
                    P.Error(code=3, where=msg.__struct_config__.tag, text=repr(exc)[:256])]
        for out in outs:
            if isinstance(out, P.OrderResult):
                answers.append(out)
            self.send(out)

    def refuse(self, msg) -> str | None:
        """The EA's own checks, in the real EA's order (mql/README.md)."""
        if msg.deadline_ms if hasattr(msg, "deadline_ms") else 0:
            if time.monotonic_ns() // 1_000_000 > msg.deadline_ms:
                return "EXPIRED"
        if self.armed_mode is None:
            return "NOT_READY"
        if isinstance(msg, P.Kill):
            return None
        if self.armed_mode == "shadow":
            return "MODE_SHADOW"
        if self.killed:
            return "KILLED"
        if isinstance(msg, P.Place):
            if msg.symbol not in self.symbols:
                return "SYMBOL_NOT_ALLOWED"
            if msg.volume > self.opts.max_lots:
                return "LIMIT_LOTS"
            if msg.position == 0 and self.broker.n_open() >= self.opts.max_orders:
                return "LIMIT_ORDERS"
        return None

    def snapshot_due(self, i: int) -> None:
        """The periodic snapshot (unasked, no cid): what tells ticklab's loss rules the
        account's equity, open P&L included, between deals."""
        now = int(self.server_ms[i])
        if self.opts.snapshot_s > 0 and now - self.last_snap_ms >= self.opts.snapshot_s * 1000:
            self.last_snap_ms = now
            self.send(self.snapshot(i))

    def snapshot(self, i: int, cid: str = "") -> P.Snapshot:
        return self.broker.snapshot(int(self.server_ms[min(i, len(self.ts) - 1)]), self.last_seq_in,
                                    cid)

    # -- the pump ---------------------------------------------------------------------
    def run(self) -> int:
        """Connect, handshake, replay every tick, say bye. Returns the ticks sent."""
        if self.opts.mode != "shadow" and len(self.ts):
            self.broker.warm(self.specs, self.opts, int(self.ts[0]), float(self.bid[0]),
                             float(self.ask[0]))
        self.connect()
        try:
            self.hello(0)
            if not self.wait_hello_ack():
                raise TimeoutError(f"no hello_ack from {self.endpoint} within "
                                   f"{self.opts.hello_timeout_s:.0f} s")
            n = self.pump()
            last = max(len(self.ts) - 1, 0)
            self.catch_up(last)
            end = time.monotonic() + self.opts.linger_s     # answer what is in flight
            while self.sock.poll(int(max(self.opts.quiet_s, end - time.monotonic()) * 1000)):
                self.drain(last)
            self.send(P.Bye(reason=0), faulty=False)
            return n
        finally:
            time.sleep(0.2)                  # let the last frames leave (linger is 0)
            self.sock.close(0)

    def catch_up(self, i: int) -> None:
        """Before the bye: answer until ticklab has read every message sent so far (the
        ``last_seq_in`` of its heartbeats), however far behind the ticks it is; a ticklab
        silent for 5 heartbeats is gone."""
        target = self.seq
        while self.peer_read < target and \
                time.monotonic() - self.heard < 5 * self.opts.heartbeat_s:
            if self.sock.poll(100):
                self.drain(i)

    def pump(self) -> int:
        o, n = self.opts, len(self.ts)
        start_wall, start_ts = time.monotonic(), int(self.ts[0]) if n else 0
        next_hb = time.monotonic() + o.heartbeat_s
        for i in range(n):
            if o.speed > 0:
                due = start_wall + (int(self.ts[i]) - start_ts) / 1e9 / o.speed
                while (wait := due - time.monotonic()) > 0:
                    if self.sock.poll(min(wait, 0.05) * 1000):
                        self.drain(max(i - 1, 0))
            s = int(self.sym[i])
            if self.armed_mode in ("demo", "production"):     # shadow: nothing to execute
                for out in self.broker.quote(i, int(self.ts[i]), s, self.bid[i], self.ask[i],
                                             int(self.server_ms[i])):
                    self.send(out)
                self.snapshot_due(i)
            self.sym_seq[s] += 1
            self.send(self.faults.tick(P.Tick(
                symbol=self.symbols[s], time_msc=int(self.server_ms[i]), bid=float(self.bid[i]),
                ask=float(self.ask[i]), sym_seq=self.sym_seq[s])))
            self.drain(i)
            if self.faults.due(self, i):
                continue
            if time.monotonic() - self.heard > 5 * o.heartbeat_s:    # ticklab gone: as the
                self.heard = time.monotonic()                          # EA, say hello again
                self.armed_mode, self.sym_seq = None, [0] * len(self.sym_seq)
                self.seq = self.peer_read = 0
                self.hello(i)
                self.wait_hello_ack(i)
            if time.monotonic() >= next_hb:
                next_hb += o.heartbeat_s
                self.send(P.Heartbeat(uptime_s=time.monotonic() - self.t0,
                                      ticks_sent=int(sum(self.sym_seq)), send_drops=self.drops,
                                      cmd_recv=self.cmd_recv, last_seq_in=self.last_seq_in))
        return n


def main(argv: list[str]) -> int:
    from sim.data.loader import load_ticks

    ap = argparse.ArgumentParser(prog="ticklab fake-ea", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ticks", required=True, help="tick file or folder (any sim.load_ticks format)")
    ap.add_argument("--symbol", required=True)
    ap.add_argument("--connect", default="tcp://127.0.0.1:5557")
    ap.add_argument("--speed", type=float, default=1.0,
                    help="replay speed: 1 real time, 10 ten times faster, 0 as fast as possible")
    ap.add_argument("--account", choices=("netting", "hedging"), default="netting")
    ap.add_argument("--mode", choices=("shadow", "demo", "production"), default="shadow")
    ap.add_argument("--trade-mode", choices=("demo", "real"), default="demo",
                    help="the account the EA reports (production needs real)")
    ap.add_argument("--login", type=int, default=1_000_001)
    ap.add_argument("--server-tz", default="NY+7", help="the broker server's clock (account.server_tz)")
    ap.add_argument("--balance", type=float, default=10_000.0, help="the account's balance")
    ap.add_argument("--currency", default="USD", help="the account's currency")
    ap.add_argument("--snapshot-s", type=float, default=30.0,
                    help="demo/production: a snapshot every this many seconds of market time "
                         "(the EA's InpSnapshotSec; 0 never)")
    ap.add_argument("--faults", default="", help="comma list, e.g. drop=0.01,dup=0.01 "
                                                 "(live/faults.py lists them)")
    a = ap.parse_args(argv)
    table = load_ticks(a.ticks, symbol=a.symbol)
    ea = FakeEA(a.connect, [table], EAOptions(mode=a.mode, account=a.account,
                                              trade_mode=a.trade_mode, login=a.login,
                                              server_tz=a.server_tz, speed=a.speed,
                                              balance=a.balance, currency=a.currency,
                                              snapshot_s=a.snapshot_s),
                Faults.parse(a.faults))
    n = ea.run()
    print(f"fake-ea: sent {n} ticks of {a.symbol} to {a.connect} "
          f"({dict(ea.sent)}; drops {ea.drops})")
    return 0
