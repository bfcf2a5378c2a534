"""A demo session stopped with stop orders working at the broker, and the next session on
the same store and account: it adopts them at its first reconciliation (no HALT), its
strategy sees them and places no second pair, and their fill, cancel and expiry reach the
core under the old session's cids (docs/operations.md, "After a crash")."""

import time
from collections import Counter

import pytest
from live_session import live_config, run_session, sample

from live import protocol as P
from live.fake_ea import EAOptions, FakeEA
from live.journal import read_journal
from live.reconcile import differences

# the breakout strategy on M15 ranges, all day: at tick 1,657 of the sample it places a
# buy stop and a sell stop; the sell stop fills at tick 2,545 (the buy stop would expire
# at 2,776)
BREAKOUT = ["strategy=breakout", "strategy.range=M15", "strategy.start=00:00",
            "strategy.end=23:59"]
CUT, END = 1_700, 3_300           # the first session's ticks; the second's run on to END


def fake_ea(endpoint, lo, hi, broker=None, speed=0.0):
    """A fake EA replaying ticks [lo, hi) of the sample, on ``broker`` if given (the same
    demo account across both sessions: its positions, orders and deal history)."""
    ea = FakeEA(endpoint, [sample(END)], EAOptions(speed=speed, mode="demo", linger_s=3.0))
    for name in ("ts", "sym", "bid", "ask", "server_ms"):
        setattr(ea, name, getattr(ea, name)[lo:hi])
    if broker is not None:
        ea.broker = broker
    return ea


def stall_at_the_first_deal(seconds):
    """``run_session``'s ``during``: ticklab stops for ``seconds`` before its first deal (a
    loaded machine), while the fake EA replays on."""
    def during(runner, ea):
        on_report = runner.on_report

        def slow(msg):
            if isinstance(msg, P.Deal) and not slow.done:
                slow.done = True
                time.sleep(seconds)
            return on_report(msg)
        slow.done = False
        runner.on_report = slow
    return during


# the buy stop's end: canceled by the strategy (the fake EA at 100x: the 274 s of ticks
# from the fill to its expiry take 2.7 s), or expired at the broker before the cancel
# reached it (ticklab 3 s behind a fake EA replaying as fast as it can)
@pytest.mark.parametrize("lag_s, speed, end", [(0, 100.0, "canceled"), (3, 0.0, "expired")])
def test_a_restarted_session_adopts_the_stop_orders_left_at_the_broker(tmp_path, lag_s, speed,
                                                                       end):
    store = tmp_path / "s.sqlite"
    cfg = live_config(store, "mode=demo", *BREAKOUT)
    first, ea1, why = run_session(cfg, None, make_ea=lambda ep: fake_ea(ep, 0, CUT))
    assert why == "bye"
    left = ea1.broker.snapshot(0, 0, "").orders
    assert sorted(o.order_type for o in left) == [4, 5]          # BUY_STOP, SELL_STOP
    cfg = live_config(store, "mode=demo", *BREAKOUT)
    second, ea2, why = run_session(cfg, None, during=stall_at_the_first_deal(lag_s),
                                   make_ea=lambda ep: fake_ea(ep, CUT, END, ea1.broker, speed))
    assert why == "bye"
    rows = read_journal(store, second.session)
    kinds = Counter(r["kind"] for r in rows)
    # adopted at the first reconciliation, which passed: no HALT
    assert sorted(r["order"] for r in rows if r["kind"] == "adopt") == \
        sorted(o.ticket for o in left)
    recon = [r for r in rows if r["kind"] == "reconcile"]
    assert recon and all(r["ok"] for r in recon), recon
    assert not [r for r in rows if r["kind"] == "state" and r["to"] == "HALTED"]
    # the sell stop's fill, under the first session's cid, reached the core; the strategy
    # (its state restored, the adopted orders in core["pending"]) asked to cancel the buy
    # stop as its rules say, and placed no second pair for that range
    first_cids = {r["cid"] for r in read_journal(store, first.session) if r["kind"] == "command"}
    filled = [r for r in rows if r["kind"] == "deal" and r["cid"] in first_cids]
    assert [r["order_type"] for r in filled] == [5]                       # SELL_STOP
    cancels = [r for r in rows if r["kind"] == "command" and '"type":"cancel"' in r["frame"]]
    buy_stop = [o for o in left if o.order_type == 4][0]
    assert len(cancels) == 1 and f'"order":{buy_stop.ticket},' in cancels[0]["frame"]
    assert filled[0]["n"] < cancels[0]["n"]
    # the buy stop's end, under its first-session cid (after an expiry, the cancel is
    # answered "no such order")
    buy_cid = next(r["cid"] for r in rows if r["kind"] == "adopt" and r["order"] == buy_stop.ticket)
    gone = [r for r in rows if r["cid"] == buy_cid and r["kind"] == "order_update"
            and r["state"] in ("canceled", "expired")]
    assert [r["state"] for r in gone] == [end], [r for r in rows if r["cid"] == buy_cid]
    assert end == "expired" or gone[0]["n"] > cancels[0]["n"]
    # and the cancel was answered (done, or "no such order"): nothing left without an outcome
    assert not [r for r in rows if r["kind"] in ("overdue", "no_outcome")]
    places = [r for r in rows if r["kind"] == "command" and '"type":"place"' in r["frame"]]
    assert all(p["n"] > gone[0]["n"] for p in places)
    assert kinds["adopt"] == 2
    # and at the end the core's book and pending orders are the broker's
    assert differences(second.core, second.names, ea2.broker.snapshot(0, 0, "")) == []
