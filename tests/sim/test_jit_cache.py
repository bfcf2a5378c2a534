"""The numba cache is shared across processes and never stale (numba issue #1833)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sim import jit_cache

ROOT = Path(__file__).resolve().parents[2]

PROBE = '''
from sim.jit_cache import kernel, CACHE_DIR
from sim.venue.money import round_money_nb


@kernel
def probe_nb(x):
    return round_money_nb(x, 2)   # a kernel in strategies/ calling one in sim/


if __name__ == "__main__":
    print(probe_nb(1.005), CACHE_DIR)
'''


@pytest.fixture
def tree(tmp_path):
    # a private copy of the numba packages, with a probe kernel in strategies/
    for pkg in ("sim", "strategies"):
        shutil.copytree(ROOT / pkg, tmp_path / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "strategies" / "probe.py").write_text(PROBE)
    return tmp_path


def _run(tree, cache):
    env = dict(os.environ, PYTHONPATH=str(tree), TICKLAB_NUMBA_CACHE=str(cache),
               NUMBA_DEBUG_CACHE="1")
    env.pop("NUMBA_DISABLE_JIT", None)
    out = subprocess.run([sys.executable, "-m", "strategies.probe"], cwd=tree, env=env,
                         capture_output=True, text=True, check=True)
    value, cache_dir = out.stdout.strip().splitlines()[-1].split()
    return float(value), Path(cache_dir), out.stdout


def test_jit_cache_edit_of_called_kernel_seen_by_fresh_process(tree, tmp_path):
    # Arrange: first process compiles and caches; a second one must load, not compile
    cache = tmp_path / "cache"
    v1, dir1, _ = _run(tree, cache)
    v2, dir2, log2 = _run(tree, cache)
    # Act: edit the *callee* in sim/ (rounding halves down instead of away from zero)
    money = tree / "sim" / "venue" / "money.py"
    money.write_text(money.read_text().replace("+ 0.5 + 1e-9)", "+ 0.0 + 1e-9)"))
    v3, dir3, _ = _run(tree, cache)
    # Assert
    assert v1 == v2 == 1.01
    assert dir1 == dir2 and "data loaded" in log2          # warm cache reused across processes
    assert v3 == 1.0 and dir3 != dir1                      # the edit is seen, not the stale kernel


def test_source_hash_changes_with_any_numba_source(tree):
    # Arrange
    before = jit_cache.source_hash(tree)
    # Act
    (tree / "strategies" / "probe.py").write_text(PROBE + "\n# edited\n")
    # Assert
    assert jit_cache.source_hash(tree) != before


@pytest.mark.parametrize("rel, changes", [
    ("sim/core/enums.py", True),        # constants frozen into kernels: imported by them
    ("sim/venue/records.py", True),     # record layouts
    ("sim/config.py", True),            # imported by a kernel module
    ("sim/__init__.py", True),          # the package of every kernel module
    ("sim/store.py", False),            # Python edges: no kernel sees them
    ("sim/report.py", False),
    ("sim/batch/engine.py", False),     # calls replay_nb; nothing compiled imports it
])
def test_source_hash_covers_what_kernels_import_and_nothing_else(tree, rel, changes):
    before = jit_cache.source_hash(tree)
    path = tree / rel
    path.write_text(path.read_text() + "\n# edited\n")
    assert (jit_cache.source_hash(tree) != before) is changes
    assert (rel in jit_cache.kernel_sources(tree)) is changes


def test_prune_keeps_the_newest_caches_and_any_in_use(tmp_path):
    from sim.jit_cache import _prune

    now = 1_800_000_000.0
    ages = {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "busy": 6, "old1": 3 * 86_400,
            "old2": 4 * 86_400}
    for name, age_h in ages.items():
        d = tmp_path / name
        d.mkdir()
        age = age_h if name.startswith("old") else age_h * 3600
        os.utime(d, (now - age, now - age))
    current = tmp_path / "current"
    current.mkdir()
    _prune(tmp_path, current, now=now)
    # the 4 newest stay, and so do e and busy (touched within a day): a process started
    # before an edit may still be compiling into them; only caches idle for days go
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "busy", "c", "current",
                                                          "d", "e"]
