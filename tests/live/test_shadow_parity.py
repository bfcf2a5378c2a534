"""Parity: the bundled real ticks through ``ticklab backtest`` and through ``ticklab live
mode=shadow`` fed by ``ticklab fake-ea`` give identical orders, deals and trades."""

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from sim.compare import compare_runs
from sim.store import list_runs

ROOT = Path(__file__).resolve().parents[2]
TICKLAB = [sys.executable, "-m", "sim.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("account", ["default", "hedging"])
def test_shadow_session_equals_the_backtest(tmp_path, account):
    store = tmp_path / "runs.sqlite"
    common = [f"store={store}", f"account={account}", "strategy=ema_cross", "risk=default",
              "execution=realistic"]
    bt = subprocess.run([*TICKLAB, "backtest", *common, "report=false"], cwd=ROOT,
                        capture_output=True, text=True, timeout=600)
    assert bt.returncode == 0, bt.stdout + bt.stderr
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    live = subprocess.Popen([*TICKLAB, "live", "mode=shadow", *common, f"live.bind={endpoint}",
                             "live.exit_on_bye=true", "live.max_seconds=600"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ea = subprocess.run([*TICKLAB, "fake-ea", "--ticks", "data/sample/EURUSD", "--symbol",
                         "EURUSD", "--speed", "0", "--connect", endpoint,
                         "--account", "hedging" if account == "hedging" else "netting"],
                        cwd=ROOT, capture_output=True, text=True, timeout=600)
    out, _ = live.communicate(timeout=600)
    assert ea.returncode == 0, ea.stdout + ea.stderr
    assert live.returncode == 0, out
    assert "266,219 ticks" in out and "0 ticks lost" in out, out
    runs = list_runs(store)
    assert list(runs["mode"]) == ["backtest", "shadow"]
    a, b = (int(i) for i in runs["id"])
    rows = compare_runs(store, a, b)
    assert all(same for _, same, _ in rows), rows
    detail = dict((t, d) for t, _, d in rows)
    assert detail["trades"] == "1,650 rows identical" if account == "default" else True
    cmp = subprocess.run([*TICKLAB, "runs", "compare", str(a), str(b), "--db", str(store)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert cmp.returncode == 0 and f"runs {a} and {b} are identical" in cmp.stdout
