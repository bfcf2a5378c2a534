"""An MT5 EA pumps each symbol's ticks in turn: ticklab restores time order within a burst,
so no tick of the second symbol is refused as late."""

import time

import zmq
from live_session import live_config, sample

from live import protocol as P
from live.link import Link
from live.runner import Runner, in_time_order


def tick(sym, ms, k, bid):
    return P.Tick(symbol=sym, time_msc=ms, bid=bid, ask=bid + 0.0002, sym_seq=k)


def test_in_time_order_keeps_each_symbol_and_reports_in_place():
    a = [(None, tick("EURUSD", 10 + i, i + 1, 1.1)) for i in range(3)]
    b = [(None, tick("GBPUSD", 10 + i, i + 1, 1.3)) for i in range(3)]
    report = (None, P.Bye())
    out = in_time_order([*a, *b, report, *b[:1]])
    ticks = [m for _, m in out[:6]]
    assert [m.time_msc for m in ticks] == [10, 10, 11, 11, 12, 12]
    assert [m.symbol for m in ticks[:2]] == ["EURUSD", "GBPUSD"]
    assert out[6] is report and out[7] is b[0]
    assert in_time_order(a) == a
    # a symbol's own order is never changed, even around a stale tick
    late = [(None, tick("EURUSD", t, k, 1.1)) for k, t in enumerate([5, 9, 1, 12], 1)]
    other = [(None, tick("GBPUSD", t, k, 1.3)) for k, t in enumerate([2, 10], 1)]
    out = [m for _, m in in_time_order([*late, *other])]
    assert [m.sym_seq for m in out if m.symbol == "EURUSD"] == [1, 2, 3, 4]
    assert [m.sym_seq for m in out if m.symbol == "GBPUSD"] == [1, 2]


def test_two_symbols_pumped_in_turn_all_reach_the_core(tmp_path):
    cfg = live_config(tmp_path / "s.sqlite", "mode=shadow", "symbols=[EURUSD,GBPUSD]")
    link = Link(str(cfg.live.bind))
    runner = Runner(cfg, link)
    ea = zmq.Context.instance().socket(zmq.DEALER)
    ea.setsockopt(zmq.LINGER, 0)
    ea.connect(link.endpoint)
    codec, seq = P.ticklab_codec(), iter(range(1, 10**9))
    t = sample(2_000)
    ms = (t.ts // 1_000_000 + 7200 * 1000).tolist()
    try:
        ea.send(codec.encode(P.Hello(
            platform="MT5", build=1, ea_version="t", login=1, server="s", company="c",
            currency="USD", leverage=100, margin_mode="netting", trade_mode="demo",
            ea_mode="shadow", limits=P.Limits(max_lots=1, max_orders=1, symbols=[]),
            server_time_ms=ms[0], gmt_offset_s=7200, dlls_allowed=True, trade_allowed=True),
            next(seq)))
        frames = []
        for start in range(0, len(ms), 100):          # one "timer call": 100 ms of each
            part = range(start, min(start + 100, len(ms)))
            for sym, shift in (("EURUSD", 0.0), ("GBPUSD", 0.18)):
                frames += [codec.encode(tick(sym, ms[i], i + 1, float(t.bid[i]) + shift),
                                        next(seq)) for i in part]
        for f in frames:
            ea.send(f)
        time.sleep(0.5)      # all of them delivered (loopback: ms), so a loaded machine
        end = time.monotonic() + 20             # cannot split the bursts between reads
        while runner.stats.ticks + runner.stats.stale < 2 * len(ms) and time.monotonic() < end:
            runner.turn()
        # without the reordering every GBPUSD tick but the first of each burst would be
        # late (~half of them); a burst split between two reads can still leave a few
        assert runner.stats.ticks + runner.stats.stale == 2 * len(ms)
        assert runner.stats.stale <= 0.02 * len(ms)
        assert int(runner.core.record["n_bad_events"]) == 0
    finally:
        ea.close(0)
        link.close()
