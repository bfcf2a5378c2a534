"""The live runner: the EA's messages in, the same decision core as the backtest, a venue out.

One thread, one loop (``turn``): wait for traffic (at most a heartbeat's share), decode
every frame that arrived (``Link``), hand each to its handler, commit the journal, send a
heartbeat when due, check the EA's.  A tick becomes the core's TICK at the server time the
EA stamped, converted to UTC by ``account.server_tz``; in shadow mode the simulated venue
(``SimVenue``) fills the core's orders exactly as ``ticklab backtest`` would, so the same
ticks give the same orders, deals and trades (tests/live/test_shadow_parity.py).
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from dataclasses import dataclass, field

import numpy as np
from omegaconf import DictConfig, OmegaConf

from live import protocol as P
from live.clock import ServerClock
from live.journal import Journal
from live.link import Link, Peer
from sim.config import ExecutionConfig, from_mapping
from sim.core.enums import OrderState, TradingState
from sim.core_config import account_config, build_core
from sim.data.symbols import load_symbol
from sim.venue.sim_venue import SimVenue

log = logging.getLogger("ticklab.live")

MODES = ("shadow", "demo", "production")
SPEC_FIELDS = ("digits", "contract_size", "volume_step", "volume_min", "stops_level")


class SessionError(RuntimeError):
    """The session cannot go on as configured (one line for the operator)."""


@dataclass
class Stats:
    ticks: int = 0
    decisions: int = 0
    denials: int = 0
    gaps: int = 0
    ticks_lost: int = 0
    errors: list = field(default_factory=list)
    last_tick_wall: float = 0.0
    tick_to_decision: list = field(default_factory=list)   # seconds, sampled


class Runner:
    """A live session for ``cfg`` (the ``ticklab live`` config) on ``link``."""

    def __init__(self, cfg: DictConfig, link: Link, journal: Journal | None = None):
        self.cfg = cfg
        self.mode = str(cfg.mode)
        if self.mode != "shadow":
            raise SessionError(f"mode={self.mode}: this build runs mode=shadow only; the EA "
                               f"venue for demo and production is the next slice (docs/"
                               f"operations.md)")
        self.link = link
        self.session = uuid.uuid4().hex[:8]
        self.names = [str(s) for s in cfg.symbols]
        self.specs = [load_symbol(s) for s in self.names]
        self.index = {n: k for k, n in enumerate(self.names)}
        self.account = account_config(cfg)
        self.execution = from_mapping(ExecutionConfig,
                                      OmegaConf.to_container(cfg.execution, resolve=True),
                                      "execution")
        self.clock = ServerClock(self.account.server_tz)
        yaml = OmegaConf.to_yaml(cfg)
        self.config_hash = hashlib.sha256(yaml.encode()).hexdigest()[:16]
        self.journal = journal or Journal(cfg.store, self.session)
        self.journal.add("config", hash=self.config_hash, mode=self.mode, yaml=yaml)
        self.journal.commit()
        self.core = None
        self.venue: SimVenue | None = None
        self.peer: Peer | None = None
        self.stats = Stats()
        self.stopping: str | None = None
        self.hb_ms = int(cfg.live.heartbeat_ms)
        self.next_hb = 0.0
        self.first_ts = self.last_ts = 0
        self.sym_seq = [0] * len(self.names)

    # -- the loop ---------------------------------------------------------------------
    def run(self, max_seconds: float | None = None) -> str:
        """Turn until stopped (``stop``, the EA's bye with ``live.exit_on_bye``, a fatal
        session error); return why it stopped."""
        end = time.monotonic() + max_seconds if max_seconds else None
        while self.stopping is None:
            self.turn()
            if end is not None and time.monotonic() > end:
                self.stopping = "max_seconds"
        return self.stopping

    def turn(self) -> None:
        batch = self.link.recv(timeout_ms=min(self.hb_ms, 50))
        for peer, msg in batch:
            try:
                self.handle(peer, msg)
            except SessionError as exc:
                self.fail(str(exc))
                break
        now = time.monotonic()
        if self.peer is not None and now >= self.next_hb:
            self.next_hb = now + self.hb_ms / 1000
            self.link.send(self.peer, P.Heartbeat(last_seq_in=self.peer.seq_in,
                                                  state=self.trading_state()))
        self.journal.commit()

    def stop(self, why: str) -> None:
        self.stopping = why

    def fail(self, text: str) -> None:
        self.stats.errors.append(text)
        self.journal.add("error", text=text)
        log.error(text)
        self.stopping = "error: " + text

    def trading_state(self) -> int:
        return int(self.core.record["trading_state"]) if self.core is not None else 0

    # -- messages -----------------------------------------------------------------------
    def handle(self, peer: Peer, msg: P.Msg) -> None:
        if isinstance(msg, P.Tick):
            if peer is self.peer:
                self.on_tick(msg)
            return
        kind = msg.__struct_config__.tag
        if isinstance(msg, P.Hello):
            self.on_hello(peer, msg)
        elif peer is not self.peer:
            log.warning("%s from %r before its hello: ignored", kind, peer.rid)
        elif isinstance(msg, P.SymbolSpec):
            self.on_symbol_spec(msg)
        elif isinstance(msg, P.Bye):
            self.journal.add("bye", reason=msg.reason)
            if self.cfg.live.exit_on_bye:
                self.stop("bye")
        elif isinstance(msg, P.Error):
            self.journal.add("ea_error", code=msg.code, where=msg.where, text=msg.text)
        elif not isinstance(msg, P.Heartbeat):
            self.journal.add(kind, **{k: getattr(msg, k) for k in msg.__struct_fields__
                                      if k not in ("v", "seq", "sent_ms")})

    def on_hello(self, peer: Peer, msg: P.Hello) -> None:
        self.journal.add("hello", platform=msg.platform, login=msg.login, server=msg.server,
                         ea_mode=msg.ea_mode, margin_mode=msg.margin_mode,
                         trade_mode=msg.trade_mode, gmt_offset_s=msg.gmt_offset_s,
                         build=msg.build, ea_version=msg.ea_version)
        want = "hedging" if self.account.mode == "hedging" else "netting"
        if msg.margin_mode != want:
            raise SessionError(f"the EA's account is {msg.margin_mode}, account.mode is {want}: "
                               f"set account={msg.margin_mode} (conf/account/)")
        utc = self.clock.to_utc_ns(msg.server_time_ms)
        ours = self.clock.offset_s_at_utc(utc)
        if abs(ours - msg.gmt_offset_s) > 15 * 60:
            raise SessionError(
                f"the EA's server clock is UTC{msg.gmt_offset_s / 3600:+.2f} h, "
                f"account.server_tz={self.account.server_tz} says UTC{ours / 3600:+.2f} h: "
                f"set account.server_tz to the broker's zone (bars, days and swaps use it)")
        missing = [n for n in self.names if msg.symbols and n not in msg.symbols]
        if missing:
            raise SessionError(f"the EA does not stream {', '.join(missing)} (its symbols: "
                               f"{', '.join(msg.symbols)}): add them to its allow-list")
        if self.peer is not None and self.peer is not peer:
            log.warning("a new EA connection replaces %r", self.peer.rid)
        self.peer = peer
        self.link.send(peer, P.HelloAck(session_id=self.session, mode=self.mode,
                                        heartbeat_ms=self.hb_ms, symbols=self.names))

    def on_symbol_spec(self, msg: P.SymbolSpec) -> None:
        k = self.index.get(msg.symbol)
        if k is None:
            return
        spec = self.specs[k]
        for name in SPEC_FIELDS:
            a, b = float(getattr(msg, name)), float(getattr(spec, name))
            if not np.isclose(a, b, rtol=1e-9, atol=0.0):
                raise SessionError(f"{msg.symbol}: the broker's {name} is {a:g}, conf/symbol/"
                                   f"{msg.symbol}.yaml says {b:g}: fix the symbol config")
        self.journal.add("symbol_spec", symbol=msg.symbol, digits=msg.digits,
                         contract_size=msg.contract_size, stops_level=msg.stops_level)

    def on_tick(self, msg: P.Tick) -> None:
        s = self.index.get(msg.symbol)
        if s is None:
            return
        if msg.sym_seq != self.sym_seq[s] + 1 and self.sym_seq[s]:
            lost = msg.sym_seq - self.sym_seq[s] - 1
            if lost > 0:
                self.stats.ticks_lost += lost
                self.journal.add("gap", symbol=msg.symbol, lost=lost, at=msg.sym_seq)
            else:
                return                       # a repeated or late tick: already seen
        self.sym_seq[s] = msg.sym_seq
        ts = self.clock.to_utc_ns(msg.time_msc)
        if self.core is None:
            self.start(ts)
        if ts < self.last_ts:
            self.journal.add("late_tick", symbol=msg.symbol, ts=ts)
            return
        self.last_ts = ts
        self.stats.ticks += 1
        self.stats.last_tick_wall = time.monotonic()
        self.journal.tick(s, ts, msg.bid, msg.ask)
        self.venue.feed_tick(self.core, ts, s, msg.bid, msg.ask, self.on_orders)

    def start(self, ts: int) -> None:
        """The first tick: the core and the venue, on the server clock at that instant."""
        self.first_ts = ts
        self.core = build_core(self.cfg, self.specs, ts)
        self.venue = SimVenue.create(self.specs, self.execution, self.account, ts, ts)

    def on_orders(self, orders: np.ndarray, ts: int) -> None:
        for o in orders:
            denied = o["state"] == OrderState.REJECTED
            self.stats.denials += denied
            self.stats.decisions += not denied
            self.journal.add("denial" if denied else "decision", ts, str(int(o["cid"])),
                             action=int(o["action"]), type=int(o["type"]),
                             symbol=self.names[int(o["symbol"])], lots=float(o["volume"]),
                             price=float(o["price"]), sl=float(o["sl"]), tp=float(o["tp"]),
                             retcode=int(o["retcode"]))

    # -- the end ------------------------------------------------------------------------
    def result(self):
        from sim.results import run_result

        return run_result(self.venue.state, self.core, self.stats.ticks)

    def finish(self, why: str) -> int | None:
        """Journal the stop, store the session as a run (``runs.mode``); return its id."""
        from sim.metrics import compute_metrics
        from sim.store import code_version, save_run

        st = self.stats
        self.journal.add("stop", why=why, ticks=st.ticks, decisions=st.decisions,
                         denials=st.denials, ticks_lost=st.ticks_lost,
                         bad_frames=dict(self.link.counters.bad),
                         state=TradingState._fields[self.trading_state()])
        self.journal.commit()
        if self.core is None:
            return None
        result = self.result()
        metrics = compute_metrics(result, self.account.balance, self.account.server_tz)
        return save_run(self.cfg.store, result, metrics, OmegaConf.to_yaml(self.cfg),
                        f"live:{self.session}", code_version(), self.account.balance,
                        mode=self.mode, session=self.session)
