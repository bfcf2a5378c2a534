"""A user's own strategy, outside ticklab: loaded by module or path, coexisting with a bundled
one of the same layout, never served from a stale compile cache, refused with one clear line
when it breaks the contract; and the ``ticklab strategy new`` skeleton backtests as written."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pytest

import strategies.ema_cross as ec
from sim.api import compose
from sim.config import AccountConfig, symbol_records
from sim.core.decision import DecisionCore
from sim.core_config import build_core
from sim.data.symbols import load_symbol
from sim.strategy_cli import new_strategy
from sim.strategy_loader import StrategyError, load_strategy

ROOT = Path(__file__).resolve().parents[2]
EC_SOURCE = (ROOT / "strategies" / "ema_cross.py").read_text()
S = 10**9


def ticks(n=400, seed=5):
    rng = np.random.default_rng(seed)
    mid = 1.10 + np.cumsum(rng.integers(-3, 4, n)) * 1e-5
    ts = 1_700_000_000 * S + np.arange(n, dtype=np.int64) * S
    return ts, np.round(mid - 5e-6, 6), np.round(mid + 5e-6, 6)


def orders_of(core, ts, bid, ask):
    out = []
    for t, b, a in zip(ts.tolist(), bid.tolist(), ask.tolist(), strict=True):
        out += [float(o["volume"]) * (1 if o["type"] == 0 else -1) for o in core.tick(t, 0, b, a)]
    return out


def test_user_strategy_with_the_same_layout_as_a_bundled_one_coexists(tmp_path):
    # Arrange: two copies of ema_cross (same params_dt) from files: a twin and one that
    # trades the other way
    (tmp_path / "twin.py").write_text(EC_SOURCE)
    (tmp_path / "contrarian.py").write_text(
        EC_SOURCE.replace('up = st["fast"] > st["slow"]', 'up = st["fast"] < st["slow"]'))
    syms = symbol_records([load_symbol("EURUSD")], AccountConfig())
    cores = []
    for mod in (ec, load_strategy(str(tmp_path / "twin.py")),
                load_strategy(str(tmp_path / "contrarian.py"))):
        cores.append(DecisionCore(mod, mod.make_params(mod.Params(fast=5, slow=20)), syms, 0,
                                  10_000.0))
    ts, bid, ask = ticks()
    # Act
    bundled, twin, contrarian = (orders_of(c, ts, bid, ask) for c in cores)
    # Assert: three record types, each core ran its own strategy's code
    assert len({c.params.dtype for c in cores}) == 3
    assert len(bundled) > 5 and twin == bundled and contrarian != bundled


PROBE = '''
import sys
import numpy as np
from sim.config import AccountConfig, symbol_records
from sim.core.decision import DecisionCore
from sim.data.symbols import load_symbol
from sim.strategy_loader import load_strategy

mod = load_strategy("my_pkg.scalper")
core = DecisionCore(mod, mod.make_params(mod.Params()), symbol_records([load_symbol("EURUSD")],
                    AccountConfig()), 0, 10_000.0)
out = core.tick(1_700_000_000_000_000_000, 0, 1.1, 1.1001)
print("VOLUME", float(out[0]["volume"]))
'''

SCALPER = '''
from dataclasses import dataclass
import numpy as np
from sim.core.enums import Action
from sim.core.strategy_api import register
from sim.jit_cache import kernel
from my_pkg.helper import LOTS


@dataclass(frozen=True)
class Params:
    symbol: int = 0


params_dt = np.dtype([("symbol", np.int32)], align=True)
state_dt = np.dtype([("n", np.int64)], align=True)


def make_params(p):
    return np.zeros(1, dtype=params_dt)


def make_state():
    return np.zeros(1, dtype=state_dt)


def make_data(p):
    return np.zeros(0)


@kernel
def on_event_nb(sstate, params, data, e, core, intents):
    it = intents[0]
    it["action"] = Action.TARGET
    it["symbol"] = 0
    it["volume"] = LOTS
    return 1


register(params_dt, on_event_nb)
'''


@pytest.mark.whole_run
def test_user_strategy_edit_of_a_helper_is_seen_by_a_fresh_process(tmp_path):
    # Arrange: my_pkg/scalper.py imports its order size from my_pkg/helper.py
    pkg = tmp_path / "my_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "helper.py").write_text("LOTS = 0.3\n")
    (pkg / "scalper.py").write_text(SCALPER)
    (tmp_path / "probe.py").write_text(PROBE)
    env = dict(os.environ, PYTHONPATH=f"{tmp_path}{os.pathsep}{ROOT}",
               TICKLAB_NUMBA_CACHE=str(tmp_path / "cache"), NUMBA_DEBUG_CACHE="1")
    env.pop("NUMBA_DISABLE_JIT", None)

    def run():
        out = subprocess.run([sys.executable, "probe.py"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, check=True).stdout
        return float(out.split("VOLUME")[1].split()[0]), out

    # Act
    v1, _ = run()
    v2, log2 = run()
    (pkg / "helper.py").write_text("LOTS = 0.7\n")       # edit the helper, not the strategy
    v3, _ = run()
    # Assert: the warm cache is reused, and the edit is seen, never the stale kernel
    assert v1 == v2 == 0.3 and "data loaded" in log2
    assert v3 == 0.7


def test_user_strategy_contract_broken_is_one_line_naming_the_file(tmp_path):
    (tmp_path / "half.py").write_text("import numpy as np\nparams_dt = np.dtype([('a', 'f8')])\n")
    with pytest.raises(StrategyError, match=r"half\.py: not a ticklab strategy: it lacks Params"):
        load_strategy(str(tmp_path / "half.py"))
    with pytest.raises(StrategyError, match="no module 'no_such_pkg'"):
        load_strategy("no_such_pkg.scalper")


def test_strategy_module_takes_the_yaml_beside_it_and_the_overrides(tmp_path):
    # Arrange
    new_strategy("streaky", tmp_path)
    (tmp_path / "streaky.yaml").write_text("run: 7\nlots: 0.2\nsymbol: 0\n")
    path = tmp_path / "streaky.py"
    # Act
    cfg = compose([f"strategy.module={path}", "++strategy.lots=0.3"])
    core = build_core(cfg, [load_symbol("EURUSD")])
    # Assert: ema_cross's own keys (fast, slow) are gone; the file's run, the override's lots
    assert dict(cfg.strategy) == {"name": "streaky", "module": str(path), "run": 7, "lots": 0.3,
                                  "symbol": 0}
    assert core.params[0]["run"] == 7 and core.params[0]["lots"] == 0.3
    with pytest.raises(StrategyError, match="strategy.fast: not a parameter of streaky"):
        build_core(compose([f"strategy.module={path}", "strategy.fast=3"]),
                   [load_symbol("EURUSD")])


@pytest.mark.slow
def test_strategy_new_skeleton_backtests_from_outside_the_repo(tmp_path):
    # Arrange: a user's folder far from ticklab, the skeleton written by the CLI
    env = dict(os.environ, TICKLAB_STORE=str(tmp_path / "runs.sqlite"))
    env.pop("NUMBA_DISABLE_JIT", None)
    ticklab = shutil.which("ticklab", path=str(Path(sys.executable).parent))
    user = tmp_path / "work"
    out = subprocess.run([ticklab, "strategy", "new", "my_scalper", "--dir", str(user)],
                         env=env, capture_output=True, text=True, check=True).stdout
    assert "wrote" in out and (user / "test_my_scalper.py").exists()
    # Act: the backtest from the user's folder, then the skeleton's own test
    run = subprocess.run([ticklab, "backtest", f"strategy.module={user / 'my_scalper.py'}",
                          "++strategy.run=4", "report=false"], cwd=user, env=env,
                         capture_output=True, text=True)
    test = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(user / "test_my_scalper.py")], cwd=user, env=env,
                          capture_output=True, text=True)
    # Assert
    assert run.returncode == 0, run.stdout + run.stderr
    assert "run 1: my_scalper on EURUSD" in run.stdout and "Net P&L" in run.stdout
    assert test.returncode == 0, test.stdout + test.stderr


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="nothing compiles without the JIT")
def test_user_strategy_that_does_not_compile_is_one_line_with_its_file_and_line(tmp_path):
    # Arrange: the skeleton with a typo'd record field
    new_strategy("typo", tmp_path)
    src = tmp_path / "typo.py"
    src.write_text(src.read_text().replace('st["streak"] >= pr["run"]', 'st["streak"] >= pr["rum"]'))
    line = next(i for i, ln in enumerate(src.read_text().splitlines(), 1) if '"rum"' in ln)
    # Act / Assert
    from sim.pipeline import run_backtest

    with pytest.raises(StrategyError) as err:
        run_backtest(compose([f"strategy.module={src}"]))
    msg = str(err.value)
    assert msg.startswith(f"{src}:{line}: the strategy does not compile under numba")
    assert "rum" in msg and "\n" not in msg


def test_user_strategy_edited_after_import_is_refused_in_the_same_process(tmp_path):
    new_strategy("edited_live", tmp_path)
    src = tmp_path / "edited_live.py"
    load_strategy(str(src))
    src.write_text(src.read_text() + "\n# an edit after the import\n")
    with pytest.raises(StrategyError, match="changed on disk since this process imported it"):
        load_strategy(str(src))


def test_strategy_new_refuses_a_name_python_already_imports(tmp_path):
    with pytest.raises(ValueError, match="already an importable module"):
        new_strategy("numpy", tmp_path)


def test_strategy_group_file_of_a_module_keeps_its_own_values(tmp_path):
    # conf/strategy/mine.yaml with ``module:`` (here composed by hand): its values are the
    # module's, over the YAML beside the module
    from omegaconf import OmegaConf

    from sim.core_config import resolve_strategy

    new_strategy("grouped", tmp_path)
    cfg = OmegaConf.create({"strategy": {"name": "mine", "module": str(tmp_path / "grouped.py"),
                                         "run": 9, "lots": 0.2}})
    resolve_strategy(cfg, overrides=[])
    assert dict(cfg.strategy) == {"name": "mine", "module": str(tmp_path / "grouped.py"),
                                  "run": 9, "lots": 0.2, "symbol": 0}
