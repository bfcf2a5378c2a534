"""The strategy called by address (``strategy_call=pointer``) gives the inlined run's results,
and the replay loop it runs in is compiled once for every strategy."""

import os
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pytest

import strategies.ema_cross as ec
from sim.api import compose
from sim.batch.engine import Simulation
from sim.config import AccountConfig, Dist, ExecutionConfig, Slippage
from sim.data import load_ticks
from sim.data.symbols import load_symbol
from sim.pipeline import strategy_call
from sim.strategy_cli import new_strategy
from sim.strategy_wrapper import strategy_address
from tests.conftest import SAMPLE

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(numba.config.DISABLE_JIT, reason="addresses need the JIT")


def test_strategy_call_by_address_equals_inline_on_the_real_sample():
    # Arrange
    t = load_ticks(SAMPLE / "EURUSD")
    p = ec.Params(fast=20, slow=80, lots=0.5)
    ex = ExecutionConfig(submit_latency=Dist("uniform", 5.0, 60.0),
                         report_latency=Dist("exponential", 2.0, 20.0),
                         slippage=Slippage("sampled", 2.0, 10.0))

    def run(address):
        return Simulation([load_symbol("EURUSD")], [(t.ts, t.bid, t.ask)], ec, ec.make_params(p),
                          ex, AccountConfig(mode="hedging"), fn_address=address).run()

    address = strategy_address(ec, ec.make_state(), ec.make_params(p), ec.make_data(p))
    # Act
    inline, pointer = run(0), run(address)
    # Assert
    assert len(inline.deals) > 1000
    for name in ("orders", "deals", "trades", "equity", "positions", "sstate", "decision"):
        assert np.array_equal(getattr(inline, name), getattr(pointer, name)), name


def test_strategy_call_auto_chooses_by_size_and_refuses_a_typo():
    assert strategy_call(compose([]), 266_219) == "pointer"
    assert strategy_call(compose([]), 10_000_000) == "inline"
    assert strategy_call(compose(["strategy_call=inline"]), 1) == "inline"
    with pytest.raises(ValueError, match="strategy_call=pointr: expected one of auto, inline"):
        strategy_call(compose(["strategy_call=pointr"]), 1)


PROBE = '''
import sys
import numpy as np
from sim.batch.engine import Simulation
from sim.batch.replay import replay_nb
from sim.config import AccountConfig, ExecutionConfig
from sim.data.symbols import load_symbol
from sim.strategy_loader import load_strategy
from sim.strategy_wrapper import strategy_address

mod = load_strategy(sys.argv[1])
p = mod.Params()
ts = 1_700_000_000_000_000_000 + np.arange(500, dtype=np.int64) * 1_000_000_000
bid = 1.1 + np.cumsum(np.where(np.arange(500) % 60 < 30, 1e-5, -1e-5))
address = strategy_address(mod, mod.make_state(), mod.make_params(p), mod.make_data(p))
r = Simulation([load_symbol("EURUSD")], [(ts, bid, bid + 1e-4)], mod, mod.make_params(p),
               ExecutionConfig(), AccountConfig(), data=mod.make_data(p), fn_address=address).run()
print("MISSES", sum(replay_nb.stats.cache_misses.values()), "DEALS", len(r.deals))
'''


def test_strategy_call_by_address_compiles_the_loop_once_for_all_strategies(tmp_path):
    # Arrange: ema_cross first, then a user's strategy never seen before, each in a new
    # process (the session's numba cache: the first may load what an earlier run compiled)
    new_strategy("mine", tmp_path)
    (tmp_path / "mine.py").write_text((tmp_path / "mine.py").read_text()
                                      + f"\n# {tmp_path.name}: a source no cache has seen\n")
    (tmp_path / "probe.py").write_text(PROBE)
    env = dict(os.environ, PYTHONPATH=f"{tmp_path}{os.pathsep}{ROOT}")
    env.pop("NUMBA_DISABLE_JIT", None)

    def run(ref):
        out = subprocess.run([sys.executable, "probe.py", ref], cwd=tmp_path, env=env,
                             capture_output=True, text=True, check=True).stdout.split()
        return int(out[out.index("MISSES") + 1]), int(out[out.index("DEALS") + 1])

    # Act
    first = run("ema_cross")
    second = run(str(tmp_path / "mine.py"))
    # Assert: the second strategy ran in the loop compiled for the first, not a new one
    assert first[0] in (0, 1) and first[1] > 0
    assert second[0] == 0 and second[1] > 0


def test_strategy_raising_by_address_stops_the_run_with_a_clear_error(tmp_path):
    # a C function cannot raise: its wrapper catches, the core counts, Python raises
    new_strategy("raiser", tmp_path)
    src = tmp_path / "raiser.py"
    src.write_text(src.read_text().replace('    mid = 0.5 * (e["bid"] + e["ask"])',
                                           '    if e["ts"] > 0:\n        raise ValueError("boom")\n'
                                           '    mid = 0.5 * (e["bid"] + e["ask"])'))
    with pytest.raises(RuntimeError, match=r"raiser: the strategy raised an exception in \d+ "):
        sim_backtest([f"strategy.module={src}", "strategy_call=pointer"])


def test_strategy_by_address_refuses_records_it_cannot_view(tmp_path):
    new_strategy("rows", tmp_path)
    src = tmp_path / "rows.py"
    src.write_text(src.read_text().replace("return np.zeros(1, dtype=state_dt)",
                                           "return np.zeros(3, dtype=state_dt)"))
    with pytest.raises(ValueError, match="must return one row"):
        sim_backtest([f"strategy.module={src}", "strategy_call=pointer"])


def sim_backtest(overrides):
    import sim

    return sim.backtest(overrides=overrides)


def test_one_compiled_loop_whatever_the_tick_arrays_origin():
    """Read-only (a Parquet cache), writable (a fresh import), strided and DataFrame
    columns all reach the replay loop as the same array types: one signature, no compile."""
    import pandas as pd

    from sim.batch.replay import replay_nb

    t = load_ticks(SAMPLE / "EURUSD")
    ts, bid, ask = t.ts[:3000], t.bid[:3000], t.ask[:3000]
    frozen = [a.copy() for a in (ts, bid, ask)]
    for a in frozen:
        a.flags.writeable = False
    df = pd.DataFrame({"ts": ts, "bid": bid, "ask": ask})
    origins = {"read-only": frozen, "writable": [a.copy() for a in (ts, bid, ask)],
               "strided": [np.repeat(a, 2)[::2] for a in (ts, bid, ask)],
               "dataframe": [df[c].to_numpy() for c in ("ts", "bid", "ask")]}
    p = ec.Params(fast=5, slow=20)
    address = strategy_address(ec, ec.make_state(), ec.make_params(p), ec.make_data(p))
    runs = {}
    for name, arrays in origins.items():
        sim = Simulation([load_symbol("EURUSD")], [tuple(arrays)], ec, ec.make_params(p),
                         ExecutionConfig(), AccountConfig(), fn_address=address)
        runs[name] = sim.run()
        if name == "read-only":
            compiled = len(replay_nb.signatures)
    assert len(replay_nb.signatures) == compiled
    assert all(np.array_equal(r.deals, runs["read-only"].deals) for r in runs.values())
    assert len(runs["writable"].deals) > 0


def test_compile_status_says_what_compiles_and_why(tmp_path, monkeypatch):
    from sim import jit_cache
    from sim.backtest_app import _compile_status
    from sim.pipeline import build_simulation

    monkeypatch.setattr(jit_cache, "FRESH", False)      # as if ticklab's kernels were cached
    new_strategy("fresh_one", tmp_path)
    cfg = compose([f"strategy.module={tmp_path / 'fresh_one.py'}"])
    tables = [load_ticks(SAMPLE / "EURUSD").between("2019-02-04 10:00", "2019-02-04 10:05")]
    assert _compile_status(cfg, tables) == \
        "compiling fresh_one: new or edited since its last run (a few seconds)"
    build_simulation(cfg, tables)                   # compiles its wrapper
    assert _compile_status(cfg, tables) == "loading the compiled kernels"
    inline = compose([f"strategy.module={tmp_path / 'fresh_one.py'}", "strategy_call=inline"])
    assert "fresh_one inlined" in _compile_status(inline, tables)
    monkeypatch.setattr(jit_cache, "FRESH", True)
    monkeypatch.setattr(jit_cache, "FIRST", False)
    assert _compile_status(cfg, tables).startswith("ticklab's code changed since the last run")
    monkeypatch.setattr(jit_cache, "FIRST", True)
    assert _compile_status(cfg, tables).startswith("first run on this machine: compiling")
