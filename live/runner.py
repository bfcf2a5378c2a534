"""The live runner: the EA's messages in, the same decision core as the backtest, a venue out.

One thread, one loop (``turn``): wait for traffic (at most a heartbeat's share), decode
every frame that arrived (``Link``), hand each to its handler, commit the journal, send a
heartbeat when due, check the EA's.  A tick becomes the core's TICK at the server time the
EA stamped, converted to UTC by ``account.server_tz``.  In shadow mode the ticks of each
batch go through the backtest's own replay loop (``live.shadow.ShadowFeed``): the simulated
venue fills the core's orders exactly as ``ticklab backtest`` would, so the same ticks give
the same orders, deals and trades (tests/live/test_shadow_parity.py).
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import time
import uuid
from dataclasses import dataclass, field

import numpy as np
from omegaconf import DictConfig, OmegaConf

from live import protocol as P
from live.broker_record import BrokerRecord
from live.broker_session import BrokerSession
from live.clock import ServerClock, next_midnight
from live.control import Operator
from live.ea_venue import EAVenue
from live.journal import Journal
from live.link import Link, Peer
from live.modes import SessionError, check_account, check_arming
from live.shadow import ShadowFeed
from sim.config import ExecutionConfig, from_mapping, money_digits
from sim.core.enums import OrderState, Retcode, TradingState
from sim.core.risk import is_risk_retcode_nb
from sim.core_config import account_config, build_core
from sim.data.symbols import load_symbol
from sim.venue.sim_venue import SimVenue

log = logging.getLogger("ticklab.live")

SPEC_FIELDS = ("digits", "contract_size", "volume_step", "volume_min", "stops_level")


@dataclass
class Stats:
    ticks: int = 0
    decisions: int = 0
    denials: int = 0
    ticks_lost: int = 0
    bad_quotes: int = 0          # crossed or non-positive: refused
    stale: int = 0               # older than the last tick: refused
    errors: list = field(default_factory=list)
    first_tick_wall: float = 0.0
    last_tick_wall: float = 0.0


def in_time_order(batch: list) -> list:
    """The batch with each run of consecutive ticks in time order (stable: a symbol's own
    order is kept).  An MT5 EA pumps one symbol's ticks after another's in each timer
    call; the core takes events in time order only."""
    out, run = [], []
    for item in batch:
        if isinstance(item[1], P.Tick):
            run.append(item)
            continue
        if run:
            out += _by_time(run)
            run = []
        out.append(item)
    return out + _by_time(run) if run else out


def _by_time(run: list) -> list:
    """Symbols interleaved by time; each symbol's ticks stay exactly in their arrival order
    (a stale tick is refused later, never moved ahead of its symbol's newer ones)."""
    t = [m.time_msc for _, m in run]
    if all(a <= b for a, b in zip(t, t[1:], strict=False)):
        return run
    per: dict[str, list] = {}
    for item in run:
        per.setdefault(item[1].symbol, []).append(item)
    if len(per) == 1:
        return run
    return list(heapq.merge(*per.values(), key=lambda item: item[1].time_msc))


class Runner(BrokerSession, Operator):
    """A live session for ``cfg`` (the ``ticklab live`` config) on ``link``."""

    def __init__(self, cfg: DictConfig, link: Link, journal: Journal | None = None,
                 control=None):
        self.cfg = cfg
        self.mode = str(cfg.mode)
        check_arming(cfg)
        idle = str(cfg.live.get("idle", "sleep"))
        if idle not in ("sleep", "spin"):
            raise SessionError(f"live.idle={idle}: expected sleep (wait for the EA in the "
                               f"kernel) or spin (poll without sleeping: a core kept busy)")
        self.spin = idle == "spin"
        self.link = link
        self.control = control
        self.metrics = None                  # live.metrics.Metrics, set by attach_metrics
        self.kill_scope: str | None = None   # ticklab kill before the core existed
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
        self.feed: ShadowFeed | None = None  # shadow: the ticks on their way to the loop
        self.peer: Peer | None = None
        self.stats = Stats()
        self.stopping: str | None = None
        self.hb_ms = int(cfg.live.heartbeat_ms)
        self.next_hb = 0.0
        self.first_ts = self.last_ts = 0
        self.sym_seq = [0] * len(self.names)
        self.platform = "MT5"
        self.ea = EAVenue(self, int(cfg.live.command_ttl_ms)) if self.mode != "shadow" else None
        self.warm()
        self.reconciled = self.mode == "shadow"
        self.link_reducing = False           # the runner (not risk) put the core in REDUCING
        self.held_state: int | None = None   # a state to apply once the core exists
        self.next_day = None                 # demo/production: the next server midnight
        self.snap_n = 0
        self.kills = 0
        self.terminal_up = True
        self.login = 0
        self.snap_sent = 0.0                 # time.monotonic() of the last snapshot_req
        self.snap_missing = 0                # the EA's missing-message count at that request
        self.snap_doubts = 0                 # differences doubted in a row (messages lost)
        self.gaps_seen = 0
        self.based = False                   # the loss rules' bases are the broker's
        self.basis_noted: dict | None = None     # the last risk_basis row journaled
        self.basis_looked_at = 0.0               # monotonic s: turn() looks once a second
        self.prev_basis: dict | None = None      # the resumed session's last one
        strategy = OmegaConf.to_yaml(cfg.strategy) + ",".join(self.names)
        self.strategy_key = hashlib.sha256(strategy.encode()).hexdigest()[:16]
        self.state_saved = b""               # the strategy state last journaled
        self.state_saved_at = 0.0

    def warm(self) -> None:
        """Compile (or load from the cache) every kernel a session calls, on a throwaway
        core and venue, before the EA is let in: a first compile takes a minute, which an
        EA would see as ticklab falling silent."""
        from sim.core.enums import TimerKind
        from sim.core.events import account_event_nb, order_event_nb, timer_event_nb
        from sim.core.records import event_dt, order_dt

        ts = 1_549_238_400_000_000_000
        if self.ea is None:
            feed = self.shadow_feed(ts)
            feed.add(ts, 0, 1.0, 1.0001)
            feed.flush()
            return
        core = build_core(self.cfg, self.specs, ts)
        ev = np.zeros(1, dtype=event_dt)
        core.tick(ts, 0, 1.0, 1.0001)
        account_event_nb(ev[0], ts, 1.0, 1.0, 0.0)
        core.on_event(ev)
        timer_event_nb(ev[0], ts, TimerKind.DAY, 1.0, 1.0, 0.0)
        core.on_event(ev)
        o = np.zeros(1, dtype=order_dt)
        core.on_event(self.ea.reject(o[0], ts, Retcode.EA_NO_ANSWER))
        order_event_nb(ev[0], ts, o[0], OrderState.CANCELED)
        core.on_event(ev)
        core.set_trading_state(TradingState.REDUCING, ts)
        BrokerRecord.warm(self.names, ts)

    # -- the loop ---------------------------------------------------------------------
    def run(self, max_seconds: float | None = None, every=None) -> str:
        """Turn until stopped (``stop``, the EA's bye with ``live.exit_on_bye``, a fatal
        session error); return why it stopped.  ``every(runner)`` is called twice a second
        (the dashboard)."""
        end = time.monotonic() + max_seconds if max_seconds else None
        shown = 0.0
        while self.stopping is None:
            self.turn()
            now = time.monotonic()
            if every is not None and now - shown >= 0.5:
                shown = now
                every(self)
            if end is not None and now > end:
                self.stopping = "max_seconds"
        return self.stopping

    def shadow_feed(self, ts: int) -> ShadowFeed:
        """Shadow's core, venue and feed, from the first tick's time: the strategy called
        by address unless ``strategy_call=inline`` (the loop compiled once for every
        strategy is reused; conf/live.yaml)."""
        inline = str(self.cfg.get("strategy_call", "auto")) == "inline"
        core = build_core(self.cfg, self.specs, ts, by_address=not inline)
        venue = SimVenue.create(self.specs, self.execution, self.account, ts, ts)
        return ShadowFeed(venue, core, len(self.specs))

    def turn(self) -> None:
        batch = self.link.recv(timeout_ms=min(self.hb_ms, 50), spin=self.spin)
        # the WAL checkpoint: when idle, off the hot path; on a feed that never idles, at
        # least every 30 s (a few ms once), so the WAL cannot grow without bound
        self.journal.maintain(5.0 if not batch else 30.0)
        for peer, msg in in_time_order(batch):
            if self.feed is not None and not isinstance(msg, P.Tick) \
                    and not self.replay_ticks():      # what came before it, in order
                break
            try:
                self.handle(peer, msg)
            except SessionError as exc:
                self.fail(str(exc))
                break
            except Exception as exc:      # a message we could not act on: never fatal, but
                self.journal.add("error", self.last_ts, "", text=repr(exc)[:500],   # no new
                                 kind=msg.__struct_config__.tag)                    # exposure
                log.exception("handling %s", msg.__struct_config__.tag)
                if self.ea is not None and self.reconciled:
                    self.reconciled = False
                    self.reduce("a message could not be handled")
                    self.request_snapshot()
        if self.feed is not None:
            self.replay_ticks()
        if self.ea is not None:
            self.save_strategy_state()       # both at most once a second
            self.note_basis(self.last_ts, every_s=1.0)  # a cool-down over ends a streak
        if self.control is not None:
            self.control.poll(self.on_control)
        now = time.monotonic()
        if self.peer is not None and now >= self.next_hb:
            self.next_hb = now + self.hb_ms / 1000
            self.journal.commit()            # what the heartbeat says was read is journaled
            self.link.send(self.peer, P.Heartbeat(last_seq_in=self.peer.seq_in,
                                                  state=self.trading_state()))
            self.check_ea(now)
        self.journal.settle(0.1)

    def check_ea(self, now: float) -> None:
        """EA silent for ``live.ea_timeout_beats`` heartbeats, or a command with no outcome
        past its deadline: no new exposure (REDUCING) until a snapshot reconciles."""
        if self.ea is None:
            return
        silent = now - self.peer.last_rx > self.cfg.live.ea_timeout_beats * self.hb_ms / 1000
        late = self.ea.overdue(now)
        if silent and self.reconciled:
            self.journal.add("ea_lost", silent_s=round(now - self.peer.last_rx, 3))
            self.reconciled = False
            self.reduce("EA silent")
        elif not silent and not self.reconciled and self.terminal_up and \
                now - self.snap_sent > self.cfg.live.snapshot_retry_ms / 1000:
            self.request_snapshot()          # heard again (or the last request went unanswered)
        if self.peer.missing > self.gaps_seen:    # messages from the EA went missing
            self.gaps_seen = self.peer.missing
            self.journal.add("seq_gap", missing=self.peer.missing)
            if self.reconciled:
                self.reconciled = False
                self.reduce("messages from the EA lost")
                self.request_snapshot()
        if late:
            self.journal.add("overdue", cids=[self.ea.wire_cid(c) for c in late])
            self.reconciled = False
            self.reduce("commands without an outcome")
            self.request_snapshot()

    def stop(self, why: str) -> None:
        self.stopping = why

    def fail(self, text: str) -> None:
        self.stats.errors.append(text)
        self.journal.add("error", text=text)
        log.error(text)
        self.stopping = "error: " + text

    def peer_alive(self) -> bool:
        return time.monotonic() - self.peer.last_rx < \
            self.cfg.live.ea_timeout_beats * self.hb_ms / 1000

    def trading_state(self) -> int:
        return int(self.core.record["trading_state"]) if self.core is not None else 0

    # -- messages -----------------------------------------------------------------------
    def handle(self, peer: Peer, msg: P.Msg) -> None:
        ours = self.peer is not None and peer.rid == self.peer.rid
        if isinstance(msg, P.Tick):
            if ours:
                self.on_tick(msg)
            return
        kind = msg.__struct_config__.tag
        if isinstance(msg, P.Hello):
            self.on_hello(peer, msg)
        elif not ours:
            log.warning("%s from %r before its hello: ignored", kind, peer.rid)
        elif isinstance(msg, P.SymbolSpec):
            self.on_symbol_spec(msg)
        elif isinstance(msg, P.Bye):
            self.journal.add("bye", reason=msg.reason)
            if self.cfg.live.exit_on_bye:
                self.stop("bye")
        elif isinstance(msg, P.Error):
            self.journal.add("ea_error", code=msg.code, where=msg.where, text=msg.text)
        elif isinstance(msg, P.Heartbeat | P.Status):
            self.on_terminal(msg)
        elif self.ea is not None and isinstance(msg, P.Ack | P.OrderResult | P.Deal |
                                                P.OrderUpdate | P.Snapshot):
            self.on_report(msg)
        elif not isinstance(msg, P.Heartbeat):
            body = P.msgspec.to_builtins(msg)
            self.journal.add(kind, **{k: v for k, v in body.items()
                                      if k not in ("type", "v", "seq", "sent_ms")})

    def on_hello(self, peer: Peer, msg: P.Hello) -> None:
        if self.peer is not None and peer.rid != self.peer.rid and self.peer_alive():
            self.journal.add("hello_ignored", rid=repr(peer.rid), login=msg.login)
            log.warning("hello from %r ignored: EA %r is connected", peer.rid, self.peer.rid)
            return                       # one EA per session; another cannot take it over
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
        check_account(self.cfg, msg)
        if self.peer is not None and self.peer.rid != peer.rid:
            log.warning("EA %r replaces %r", peer.rid, self.peer.rid)
        self.peer, self.platform, self.login = peer, msg.platform, msg.login
        self.sym_seq = [0] * len(self.names)     # each connection streams afresh
        self.gaps_seen = 0
        # demo/production: the core exists from the first hello (its reports and a resumed
        # book must have somewhere to go), built before the ack (the EA streams once acked)
        fresh = self.ea is not None and self.core is None
        if fresh:
            self.start(utc)
        self.link.send(peer, P.HelloAck(session_id=self.session, mode=self.mode,
                                        heartbeat_ms=self.hb_ms, symbols=self.names))
        if fresh:
            self.apply_held(utc)         # orders it makes go out after the ack
        if self.ea is not None:          # every (re)connect: reconcile before any new order
            self.reconciled = False
            self.reduce("reconciling with the EA")
            self.request_snapshot()

    def on_terminal(self, msg) -> None:
        """The EA's terminal lost its broker or Algo Trading was switched off: no new
        exposure until both are back and a reconciliation is clean."""
        up = msg.terminal_connected and msg.trade_allowed
        if up == self.terminal_up:
            return
        self.terminal_up = up
        self.journal.add("terminal", self.last_ts, "", connected=msg.terminal_connected,
                         trade_allowed=msg.trade_allowed)
        if self.ea is None:
            return
        if not up:
            self.reconciled = False
            self.reduce("the terminal cannot trade (no broker connection or Algo Trading off)")
        else:
            self.request_snapshot()

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
        if not 0.0 < msg.bid <= msg.ask:
            self.stats.bad_quotes += 1
            self.journal.add("bad_quote", 0, "", symbol=msg.symbol, bid=msg.bid, ask=msg.ask)
            return                           # a crossed or empty quote never reaches the core
        ts = self.clock.to_utc_ns(msg.time_msc)
        if self.core is None:
            self.start(ts)
            self.apply_held(ts)
        if ts < self.last_ts:
            self.stats.stale += 1
            self.journal.add("late_tick", symbol=msg.symbol, ts=ts)
            return
        self.last_ts = ts
        self.stats.ticks += 1
        self.stats.last_tick_wall = time.monotonic()
        if self.stats.ticks == 1:
            self.stats.first_tick_wall = self.stats.last_tick_wall
        self.journal.tick(s, ts, msg.bid, msg.ask)
        if self.feed is not None:
            self.feed.add(ts, s, msg.bid, msg.ask)      # replayed with its batch
            return
        while ts >= self.next_day:       # the server day rolled over: TIMER DAY, as the venue
            self.server_day()
        self.take(self.core.tick(ts, s, msg.bid, msg.ask), ts)
        if self.metrics is not None:
            self.metrics.tick_to_decision.observe(time.perf_counter() - self.link.batch_t)

    def replay_ticks(self) -> bool:
        """Shadow: the ticks queued since the last call through the replay loop; journal the
        orders the core made meanwhile.  A replay that raised (the strategy, a journal
        overflow) cannot resume mid-block: the session stops with the reason (False)."""
        queued = self.feed.n
        try:
            made = self.feed.flush()
        except Exception as exc:
            self.feed.n = 0
            log.exception("shadow replay")
            self.fail(f"shadow replay of {queued:,} ticks: {exc}")
            return False
        if queued:
            self.stats.last_tick_wall = time.monotonic()
            if self.metrics is not None:       # the batch's last tick, read to decided
                self.metrics.tick_to_decision.observe(time.perf_counter() - self.link.batch_t)
        if len(made):
            self.on_orders(made)
        return True

    def start(self, ts: int) -> None:
        """The first tick: the core and the venue, on the server clock at that instant."""
        self.first_ts = ts
        if self.ea is None:
            self.feed = self.shadow_feed(ts)
            self.core, self.venue = self.feed.core, self.feed.venue
        else:
            self.core = build_core(self.cfg, self.specs, ts)
            self.ea.record = BrokerRecord(self.names, money_digits(self.account.currency),
                                          [s.commission_entry for s in self.specs])
            self.unbase()                    # the broker's figures are the basis, not the
            self.next_day = next_midnight(ts, self.account.server_tz)     # configured ones
            self.last_ts = ts
        if self.ea is not None and self.cfg.live.resume:
            self.resume(ts)

    def apply_held(self, ts: int) -> None:
        """A trading state or a kill asked for before the core existed."""
        if self.held_state is not None:
            self.set_state(self.held_state, ts, "held until the core existed")
        if self.kill_scope is not None:
            self.trip(self.kill_scope, False)

    def attach_metrics(self, port: int | None) -> None:
        from live.metrics import Metrics

        self.metrics = Metrics(self, port)

    def set_state(self, state: int, ts: int, why: str) -> None:
        if self.core is None:
            self.held_state = state if state != TradingState.ACTIVE else None
            if state == TradingState.ACTIVE:
                self.link_reducing = False
            return
        self.held_state = None
        self.journal.add("state", ts, "", to=TradingState._fields[state], why=why)
        orders = self.core.set_trading_state(state, ts).copy()
        if self.ea is not None:
            self.take(orders, ts)
        elif len(orders):
            self.venue.submit(orders, ts, int(orders[0]["symbol"]))
            self.replay_ticks()

    def on_orders(self, orders: np.ndarray, ts: int | None = None) -> None:
        """Journal the core's orders (a denial: REJECTED with its risk retcode): a step's
        outbox at ``ts`` (demo, production), or shadow's order-journal rows (``ts`` None:
        each at its decision time; a row the venue refused since is a decision too)."""
        for o in orders:
            denied = o["state"] == OrderState.REJECTED and is_risk_retcode_nb(int(o["retcode"]))
            self.stats.denials += denied
            self.stats.decisions += not denied
            self.journal.add("denial" if denied else "decision",
                             ts if ts is not None else int(o["signal_ts"]),
                             str(int(o["cid"])), action=int(o["action"]), type=int(o["type"]),
                             symbol=self.names[int(o["symbol"])], lots=float(o["volume"]),
                             price=float(o["price"]), sl=float(o["sl"]), tp=float(o["tp"]),
                             retcode=int(o["retcode"]) if denied else 0)

    # -- the end ------------------------------------------------------------------------
    def wind_down(self) -> None:
        """After the loop (SIGINT, SIGTERM, bye): demo and production stop new orders
        (REDUCING), optionally flatten (``live.flatten_on_exit``: the EA closes everything)
        and wait up to ``live.exit_wait_s`` for the outcomes of commands in flight.  Shadow
        has nothing at the broker: it stops as it is (its run stays a backtest's twin)."""
        if self.ea is None or self.core is None:
            return
        if self.trading_state() == TradingState.ACTIVE:       # never lifts a HALT
            self.set_state(TradingState.REDUCING, self.last_ts, f"stopping ({self.stopping})")
        if self.cfg.live.flatten_on_exit and self.peer is not None:
            self.kill("all", True)
        end = time.monotonic() + float(self.cfg.live.exit_wait_s)
        while (self.ea.inflight or self.cfg.live.flatten_on_exit) and time.monotonic() < end:
            self.turn()
        self.save_strategy_state(force=True)
        self.journal.commit()

    def result(self):
        """The session's records, as a backtest's (``sim.results.RunResult``): shadow's
        simulated venue's; demo's and production's from the broker's reports (None if the
        broker never reported the account)."""
        from sim.results import run_result

        if self.ea is not None:
            return self.ea.record.result(self.core, self.stats.ticks)
        return run_result(self.venue.state, self.core, self.stats.ticks)

    def finish(self, why: str) -> int | None:
        """Journal the stop, store the session as a run (``runs.mode``); return its id."""
        from sim.metrics import compute_metrics
        from sim.store import code_version, save_run

        st = self.stats
        self.journal.add("stop", why=why, ticks=st.ticks, decisions=st.decisions,
                         ticks_span_s=round(st.last_tick_wall - st.first_tick_wall, 6),
                         denials=st.denials, ticks_lost=st.ticks_lost,
                         bad_frames=dict(self.link.counters.bad),
                         state=TradingState._fields[self.trading_state()])
        self.journal.close()
        if self.core is None:
            return None
        result = self.result()
        if result is None:
            log.warning("no run stored: the broker never reported the account")
            return None
        # demo, production: the broker's balance when the session began
        balance = self.account.balance if self.ea is None else self.ea.record.initial_balance()
        metrics = compute_metrics(result, balance, self.account.server_tz)
        return save_run(self.cfg.store, result, metrics, OmegaConf.to_yaml(self.cfg),
                        f"live:{self.session}", code_version(), balance,
                        mode=self.mode, session=self.session)
