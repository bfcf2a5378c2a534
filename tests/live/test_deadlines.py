"""A command the EA never answers: past its deadline ticklab stops new exposure, asks for a
snapshot, and, the broker showing no trace of it, books it as not executed and resumes."""

import json
import time

import zmq
from live_session import live_config, sample

from live import protocol as P
from live.journal import read_journal
from live.link import Link
from live.runner import Runner


def test_unanswered_command_is_resolved_by_reconciliation(tmp_path):
    cfg = live_config(tmp_path / "s.sqlite", "mode=demo", "live.command_ttl_ms=200",
                      "live.heartbeat_ms=100", "live.ea_timeout_beats=1000")
    link = Link(str(cfg.live.bind))
    runner = Runner(cfg, link)
    ea = zmq.Context.instance().socket(zmq.DEALER)
    ea.setsockopt(zmq.LINGER, 0)
    ea.connect(link.endpoint)
    codec, seq = P.ticklab_codec(), iter(range(1, 10**9))
    heard = []

    def send(msg):
        ea.send(codec.encode(msg, next(seq)))

    def pump(seconds):
        end = time.monotonic() + seconds
        while True:
            runner.turn()
            while ea.poll(0):
                heard.append(codec.decode(ea.recv()))
            if time.monotonic() >= end:
                return

    try:
        send(P.Hello(platform="MT5", build=1, ea_version="t", login=1, server="s", company="c",
                     currency="USD", leverage=100, margin_mode="netting", trade_mode="demo",
                     ea_mode="demo", limits=P.Limits(max_lots=5, max_orders=5, symbols=[]),
                     server_time_ms=1549245600000, gmt_offset_s=7200, dlls_allowed=True,
                     trade_allowed=True))
        pump(0.3)
        req = next(m for m in heard if isinstance(m, P.SnapshotReq))
        send(P.Snapshot(account=P.AccountRow(balance=10_000, equity=10_000, margin=0),
                        cid=req.cid))
        t = sample(40_000)
        ms = (t.ts // 1_000_000 + 7200 * 1000).tolist()
        for i in range(len(t)):           # ticks until the strategy sends its first order
            send(P.Tick(symbol="EURUSD", time_msc=ms[i], bid=float(t.bid[i]),
                        ask=float(t.ask[i]), sym_seq=i + 1))
            if i % 50:
                continue
            pump(0.0)
            if any(isinstance(m, P.Place) for m in heard):
                break
        place = next(m for m in heard if isinstance(m, P.Place))
        assert runner.trading_state() == 0 and runner.ea.inflight
        pump(1.6)                          # no answer: past 200 ms + 1 s of grace
        assert runner.trading_state() == 1                       # REDUCING
        req = [m for m in heard if isinstance(m, P.SnapshotReq)][-1]
        send(P.Snapshot(account=P.AccountRow(balance=10_000, equity=10_000, margin=0),
                        cid=req.cid))
        pump(0.3)
        assert runner.trading_state() == 0 and not runner.ea.inflight   # ACTIVE again
        rows = read_journal(tmp_path / "s.sqlite", runner.session)
        kinds = [r["kind"] for r in rows]
        assert "overdue" in kinds and "no_outcome" in kinds
        assert [r["cid"] for r in rows if r["kind"] == "no_outcome"] == [place.cid]
        assert runner.core.record["n_rejected"] == 1 and not runner.core.record["n_fills"]
        late = json.dumps({"v": 1, "type": "ack", "seq": next(seq), "sent_ms": 1,
                           "cid": place.cid, "ok": False, "reason": "EXPIRED"})
        ea.send(late.encode())            # the EA refusing it later changes nothing
        pump(0.2)
        assert runner.trading_state() == 0
    finally:
        ea.close(0)
        link.close()
