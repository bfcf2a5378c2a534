"""kill -9 of ticklab live in the middle of a demo session: no command reached the EA
without being journaled first, and a restart rebuilds the book from the journal,
recovers the deals the crash swallowed, reconciles with the broker and trades on."""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from live_session import sample

from live.fake_ea import EAOptions, FakeEA
from live.journal import read_journal
from sim.core.enums import Retcode

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(store, endpoint):
    return subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "live", "mode=demo", f"store={store}",
         f"live.bind={endpoint}", f"live.control=tcp://127.0.0.1:{free_port()}",
         "live.exit_on_bye=true", "live.dashboard=false", "live.max_seconds=300"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def ready(proc, seconds=900) -> None:
    """Wait until ``ticklab live`` listens (a cold cache compiles its kernels first)."""
    end = time.monotonic() + seconds
    for line in proc.stdout:
        if "listening on" in line or time.monotonic() > end:
            return
    raise AssertionError("ticklab live exited before listening")


def commands(store) -> list[str]:
    try:
        with sqlite3.connect(store) as db:
            return [r[0] for r in db.execute(
                "SELECT cid FROM live_journal WHERE kind = 'command'")]
    except sqlite3.OperationalError:
        return []


class RecordingEA(FakeEA):
    def command(self, msg, i):
        self.received.append(msg.cid)
        super().command(msg, i)


def test_kill_9_loses_no_command_and_a_restart_resumes(tmp_path):
    store, endpoint = tmp_path / "s.sqlite", f"tcp://127.0.0.1:{free_port()}"
    first = start(store, endpoint)
    ready(first)
    ea = RecordingEA(endpoint, [sample(60_000)], EAOptions(mode="demo", speed=3000,
                                                           hello_timeout_s=120))
    ea.received = []
    th = threading.Thread(target=ea.run, daemon=True)
    th.start()
    end = time.monotonic() + 240
    while len(commands(store)) < 40 and time.monotonic() < end:
        time.sleep(0.05)
    os.kill(first.pid, signal.SIGKILL)                     # mid-session, no warning
    first.wait(timeout=30)
    first.stdout.close()
    received = list(ea.received)
    journaled = set(commands(store))
    assert len(received) >= 30
    assert set(received) <= journaled                      # write-ahead held
    second = start(store, endpoint)                        # the EA says hello again
    out, _ = second.communicate(timeout=300)
    th.join(timeout=60)
    assert second.returncode == 0, out
    sessions = [json.loads(r[0]) for r in sqlite3.connect(store).execute(
        "SELECT body FROM live_journal WHERE kind = 'resume'")]
    assert len(sessions) == 1 and sessions[0]["deals"] > 0
    rows = read_journal(store)                             # the restarted session
    recon = [r for r in rows if r["kind"] == "reconcile"]
    assert recon and all(r["ok"] for r in recon), recon
    broker = ea.broker.venue.state
    booked = {r["deal"] for r in rows if r["kind"] == "deal"}
    deals = broker.V[2][: int(broker.account["n_deals"])]
    assert booked == set(deals["deal"][deals["retcode"] == Retcode.DONE])   # every deal, once
    assert any(r["kind"] == "command" for r in rows)       # and it traded on
