"""Modes: production refuses to start unarmed, demo refuses a real account, the EA's mode
must be ours, and the kill switch works on a running session."""

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from live_session import live_config, run_session, sample

from live.control import request
from live.fake_ea import EAOptions
from live.journal import read_journal
from live.modes import SessionError, check_arming

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("overrides, says", [
    (["mode=production"], "refuses to start unarmed"),
    (["mode=production", "live.arm=true"], "live.confirm must be the trading account's login"),
    (["mode=production", "live.arm=true", "live.confirm=51234567"], "its own risk profile"),
    (["mode=paper"], "expected one of shadow, demo, production"),
])
def test_production_must_be_armed(tmp_path, overrides, says):
    with pytest.raises(SessionError, match=says):
        check_arming(live_config(tmp_path / "s.sqlite", *overrides))


@pytest.mark.parametrize("override, says", [
    ("mode=production", "refuses to start unarmed"),
    ("live.idle=nap", "live.idle=nap: expected sleep"),
])
def test_the_cli_refuses_a_bad_config_in_one_line(tmp_path, override, says):
    out = subprocess.run([sys.executable, "-m", "sim.cli", "live", override,
                          f"store={tmp_path / 's.sqlite'}", "live.bind=tcp://127.0.0.1:0",
                          "live.control=tcp://127.0.0.1:0"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert out.returncode == 2
    lines = [x for x in (out.stdout + out.stderr).splitlines() if x.strip()]
    assert len(lines) == 1 and says in lines[0], lines


def test_a_spinning_session_trades_as_a_sleeping_one(tmp_path):
    # live.idle=spin: the loop polls without sleeping (bench/live_latency.py times it)
    cfg = live_config(tmp_path / "s.sqlite", "mode=demo", "live.idle=spin")
    runner, ea, why = run_session(cfg, sample(5_000), EAOptions(speed=0, mode="demo"))
    assert why == "bye" and runner.spin and runner.stats.ticks == 5_000
    assert int(runner.core.record["n_fills"]) == int(ea.broker.venue.state.account["n_deals"])
    assert runner.ea.sent > 10 and not runner.ea.inflight


def test_armed_production_trades_the_confirmed_account_only(tmp_path):
    args = ["mode=production", "live.arm=true", "live.confirm=777", "risk=production"]
    cfg = live_config(tmp_path / "s.sqlite", *args)
    runner, ea, why = run_session(cfg, sample(20_000), EAOptions(
        speed=0, mode="production", trade_mode="real", login=777))
    assert why == "bye" and runner.ea.sent > 20
    assert int(runner.core.record["n_fills"]) == int(ea.broker.venue.state.account["n_deals"])
    cfg = live_config(tmp_path / "t.sqlite", *args)
    runner, ea, why = run_session(cfg, sample(2_000), EAOptions(
        speed=0, mode="production", trade_mode="real", login=778, hello_timeout_s=3))
    assert why.startswith("error: mode=production is armed for login 777")


def test_an_ea_in_another_mode_is_refused(tmp_path):
    cfg = live_config(tmp_path / "s.sqlite", "mode=demo")
    runner, ea, why = run_session(cfg, sample(2_000), EAOptions(speed=0, mode="shadow",
                                                                hello_timeout_s=3))
    assert why.startswith("error: the EA runs in shadow mode, ticklab in demo")


def test_ticklab_kill_halts_a_running_session(tmp_path):
    cfg = live_config(tmp_path / "s.sqlite", "mode=demo", "live.control=tcp://127.0.0.1:0")
    answers = {}

    def kill_midway(runner, ea):
        def go():
            while runner.stats.ticks < 15_000:
                time.sleep(0.01)
            endpoint = runner.control.sock.getsockopt_string(32)      # ZMQ_LAST_ENDPOINT
            answers["status"] = request(endpoint, {"type": "status"})
            answers["kill"] = request(endpoint, {"type": "kill", "scope": "all",
                                                 "flatten": True})
            answers["bad"] = request(endpoint, {"type": "kill", "scope": "XAUUSD"})
        threading.Thread(target=go, daemon=True).start()

    runner, ea, why = run_session(cfg, sample(40_000), EAOptions(speed=0.0, mode="demo"),
                                  during=kill_midway)
    assert answers["status"]["ok"] and answers["status"]["mode"] == "demo"
    assert answers["kill"] == {"ok": True, "scope": "all", "flatten": True, "state": "HALTED"}
    assert not answers["bad"]["ok"] and "XAUUSD" in answers["bad"]["error"]
    rows = read_journal(tmp_path / "s.sqlite", runner.session)
    k = next(r["n"] for r in rows if r["kind"] == "kill")
    # after the kill the EA was told (it closed the position) and refuses every command: a
    # place sent after it (on this netting account, a reduction the core still believed it
    # needed before the EA's closing deal came back) was refused, nothing opened
    sent_after = [json.loads(r["frame"]) for r in rows
                  if r["kind"] == "command" and r["n"] > k and "frame" in r]
    acks = {r["cid"]: r for r in rows if r["kind"] == "ack"}
    for c in sent_after:
        if c["type"] == "place" and not c.get("position"):
            assert acks[c["cid"]]["ok"] is False and acks[c["cid"]]["reason"] == "KILLED", c
    assert not ea.broker.positions["active"].any()       # flattened (the EA's kill)
    assert any(r["kind"] == "command" and r.get("kill") == "all" for r in rows)
    assert runner.trading_state() == 2
