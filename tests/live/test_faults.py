"""Each fault the fake EA injects: the adapter keeps running or halts safely, with no
duplicated and no lost order, and a journal that reconciles (docs/operations.md)."""

from collections import Counter

import pandas as pd
import pytest
from live_session import live_config, run_session, sample

import sim
from live.fake_ea import EAOptions
from live.journal import read_journal
from live.reconcile import differences
from sim import frames
from sim.trade_analysis import EXCURSIONS

N = 60_000
COMMON = ["strategy=ema_cross", "risk=default", "execution=realistic", "account=default"]


def backtest_frames():
    r = sim.backtest(sample(N), overrides=COMMON)
    return r.orders, r.fills, r.trades.drop(columns=list(EXCURSIONS))   # read off the ticks


def shadow(tmp_path, faults):
    cfg = live_config(tmp_path / "s.sqlite", "mode=shadow", *COMMON)
    runner, ea, why = run_session(cfg, sample(N), EAOptions(speed=0), faults)
    assert why == "bye"
    return runner, ea


def test_duplicated_and_oversized_frames_change_nothing(tmp_path):
    runner, ea = shadow(tmp_path, "dup=0.03,oversized=0.01")
    assert ea.faults.injected["dup"] > 100 and ea.faults.injected["oversized"] > 50
    peer = runner.peer
    assert 0 <= ea.faults.injected["dup"] - peer.repeats <= 1
    assert runner.link.counters.bad == {"oversized": ea.faults.injected["oversized"]}
    res = runner.result()
    for ours, theirs in zip((frames.orders_frame(res), frames.fills_frame(res),
                             frames.trades_frame(res)), backtest_frames(), strict=True):
        pd.testing.assert_frame_equal(ours.reset_index(drop=True),
                                      theirs.reset_index(drop=True))


def test_lost_reordered_and_malformed_ticks_are_counted_never_fatal(tmp_path):
    runner, ea = shadow(tmp_path, "drop=0.01,reorder=0.01,malformed=0.01")
    st = runner.stats
    inj = ea.faults.injected
    assert min(inj["drop"], inj["reorder"], inj["malformed"]) > 300
    assert runner.link.counters.bad.get("malformed", 0) == inj["malformed"]
    # every tick the EA sent was fed to the core or counted lost (the last one may be lost
    # unseen: no later tick shows its gap)
    assert N - 1 <= st.ticks + st.ticks_lost <= N
    assert st.ticks_lost > 0
    rows = read_journal(tmp_path / "s.sqlite", runner.session)
    assert sum(r["lost"] for r in rows if r["kind"] == "gap") == st.ticks_lost


def test_crossed_and_stale_quotes_never_reach_the_core(tmp_path):
    runner, ea = shadow(tmp_path, "crossed=0.01,stale=0.01")
    st = runner.stats
    assert st.bad_quotes == ea.faults.injected["crossed"] > 100
    assert abs(st.stale - ea.faults.injected["stale"]) <= 1 and st.stale > 100
    assert st.ticks + st.bad_quotes + st.stale == N
    assert int(runner.core.record["n_bad_events"]) == 0


def demo(tmp_path, faults, n=40_000, account="netting"):
    cfg = live_config(tmp_path / "s.sqlite", "mode=demo")
    # the EA stays 5 s after its last tick: a report lost at the end is found (a deadline
    # passes: 2 s + 1 s of grace) and recovered by a resync before its bye
    runner, ea, why = run_session(cfg, sample(n), EAOptions(speed=0, mode="demo",
                                                            account=account, linger_s=5.0),
                                  faults)
    assert why == "bye"
    rows = read_journal(tmp_path / "s.sqlite", runner.session)
    broker = ea.broker.venue.state
    n_deals = int(broker.account["n_deals"])
    # no order twice, none lost: each command has exactly one outcome, the core booked
    # each broker deal once, and its book is the broker's
    outcome = Counter()
    for r in rows:
        if r["kind"] == "deal" and r["cid"]:
            outcome[r["cid"]] += 1
        elif r["kind"] in ("no_outcome", "unreachable") or (r["kind"] == "ack" and not r["ok"]
                                              and r["reason"] != "DUPLICATE"):
            outcome[r["cid"]] += 1
    commands = [r["cid"] for r in rows if r["kind"] == "command"]
    assert len(commands) == len(set(commands)) > 50
    bad = [c for c in commands if outcome[c] != 1]
    assert not bad, [r for r in rows if r.get("cid") in bad]
    assert int(runner.core.record["n_fills"]) == n_deals
    assert differences(runner.core, runner.names, ea.broker.snapshot(0, 0, "")) == []
    assert not runner.ea.inflight
    return runner, ea, rows


def test_demo_duplicated_reports_are_booked_once(tmp_path):
    runner, ea, rows = demo(tmp_path, "dup=0.05")
    # every duplicate was dropped (one of the last frames may arrive after the bye)
    assert 0 <= ea.faults.injected["dup"] - runner.peer.repeats <= 1
    assert runner.peer.repeats > 50


@pytest.mark.parametrize("fault", ["disconnect", "restart"])
def test_demo_reconnect_reconciles_before_trading_again(tmp_path, fault):
    # the EA drops the link (or restarts, forgetting its cids) mid-run and stalls 4 s, so
    # ticklab also sees it fall silent and its commands pass their deadline
    runner, ea, rows = demo(tmp_path, f"{fault}=20000,stall=20001:4")
    kinds = Counter(r["kind"] for r in rows)
    assert kinds["hello"] == 2 and kinds["reconcile"] >= 2
    assert all(r["ok"] for r in rows if r["kind"] == "reconcile")
    states = [(r["to"], r["why"]) for r in rows if r["kind"] == "state"
              and not r["why"].startswith("stopping")]      # the wind-down's own REDUCING
    assert states[0][0] == "REDUCING" and states[-1][0] == "ACTIVE", states


def test_demo_lost_reordered_and_malformed_reports_are_recovered(tmp_path):
    # acks, results and deals go missing or arrive late: each gap makes ticklab reduce, ask
    # for the deals since its last clean reconciliation and reconcile again
    runner, ea, rows = demo(tmp_path, "drop=0.01,reorder=0.01,malformed=0.01")
    assert min(ea.faults.injected.get(k, 0) for k in ("drop", "reorder", "malformed")) > 100
    kinds = Counter(r["kind"] for r in rows)
    assert kinds["seq_gap"] >= 1 and kinds["reconcile"] >= 2
    assert all(r["ok"] for r in rows if r["kind"] == "reconcile")
