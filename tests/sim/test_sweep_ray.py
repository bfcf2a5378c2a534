"""``sim.sweep(..., backend="ray")`` / ``ticklab sweep --backend ray``: on a local Ray instance
every parameter set gives exactly what the threads give, refused sets are reported the same
way, and the runs (with their trades on request) land in the caller's store.  A missing
extra or an unknown backend is one line."""

import sqlite3
import sys

import pandas as pd
import pytest

import sim
from sim.config import CONF_DIR
from sim.data.loader import load_ticks
from sim.sweep_cli import main as sweep_main
from sim.sweeps import SweepError

ROOT = CONF_DIR.parent
SAMPLE = ROOT / "data" / "sample"
N = 50_000
SLOW = pytest.mark.slow        # replays: not for the plain-Python pass (.ci/run)
COMMON = ["execution=realistic", "risk=default"]
GRID = {"strategy.fast": [20, 50, 120], "strategy.slow": [100, 250]}    # (120, 100) refused


@pytest.fixture(scope="module")
def ray_local():
    ray = pytest.importorskip("ray")
    assert not ray.is_initialized()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def ticks():
    t = load_ticks(SAMPLE / "EURUSD", symbol="EURUSD")
    return t.between(None, int(t.ts[N]))


@pytest.fixture(scope="module")
def both(ray_local, ticks, tmp_path_factory):
    db = tmp_path_factory.mktemp("ray") / "s.sqlite"
    threads = sim.sweep(ticks, GRID, COMMON, n_jobs=2, store=db, trades=True, progress=False)
    on_ray = sim.sweep(ticks, GRID, COMMON, store=db, trades=True, progress=False,
                       backend="ray")
    return threads, on_ray, db


def metrics(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=["seconds", "run_id"], errors="ignore")


@SLOW
def test_every_set_gives_what_the_threads_give(both, ticks):
    threads, on_ray, _ = both
    assert len(on_ray) == 5 and on_ray.attrs["backend"] == "ray" and on_ray.attrs["n_jobs"] == 2
    # every metric column, exactly (NaN where the threads have NaN)
    pd.testing.assert_frame_equal(metrics(on_ray), metrics(threads), check_exact=True)
    # chunks of several sets, one chunk at a time (n_jobs=1 -> chunks of 2, 2, 1)
    one = sim.sweep(ticks, GRID, COMMON, n_jobs=1, store=False, progress=False,
                    backend="ray")
    assert one.attrs["n_jobs"] == 1
    pd.testing.assert_frame_equal(metrics(one), metrics(threads), check_exact=True)


@SLOW
def test_refused_set_is_skipped_with_its_reason(both):
    threads, on_ray, _ = both
    skipped = on_ray.attrs["skipped"]
    assert [(s["strategy.fast"], s["strategy.slow"]) for s in skipped] == [(120, 100)]
    assert "fast < slow" in skipped[0]["reason"]
    assert skipped == threads.attrs["skipped"] and on_ray.attrs["failed"] == []


@SLOW
def test_runs_and_trades_land_in_the_callers_store(both):
    threads, on_ray, db = both
    con = sqlite3.connect(db)
    assert con.execute("select id, n_points, n_skipped, n_jobs from sweeps order by id"
                       ).fetchall() == [(threads.attrs["sweep_id"], 5, 1, 2),
                                        (on_ray.attrs["sweep_id"], 5, 1, 2)]
    runs = con.execute("select id from runs where sweep_id = ? order by id",
                       [on_ray.attrs["sweep_id"]]).fetchall()
    assert [r[0] for r in runs] == list(on_ray["run_id"]) and len(runs) == 5
    for a, b in zip(threads.to_dict("records"), on_ray.to_dict("records"), strict=True):
        for table in ("trades", "fills", "orders"):
            n_a, n_b = (con.execute(f"select count(*) from {table} where run_id = ?",
                                    [r["run_id"]]).fetchone()[0] for r in (a, b))
            assert n_b == n_a, table
        assert con.execute("select count(*) from trades where run_id = ?",
                           [b["run_id"]]).fetchone()[0] == b["n_trades"] > 0


@SLOW
def test_cli_backend_ray(ray_local, tmp_path, capsys):
    db = tmp_path / "c.sqlite"
    code = sweep_main(["strategy.fast=40:60:20", "strategy.slow=200,400",
                       "data.end=2019-02-04T06:00", "--backend", "ray", "--db", str(db),
                       "--no-report"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "sweep 1: 4 parameter sets ran" in out and "on 2 Ray workers" in out
    assert sqlite3.connect(db).execute("select count(*) from runs").fetchone()[0] == 4


@SLOW
def test_a_worker_that_cannot_import_the_strategy_stops_the_sweep_in_one_line(
        ray_local, ticks, tmp_path, monkeypatch):
    # importable here only: the workers started without this folder on their path
    (tmp_path / "here_only_ema.py").write_text((ROOT / "strategies" / "ema_cross.py").read_text())
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "here_only_ema", raising=False)
    try:
        with pytest.raises(SweepError) as err:
            sim.sweep(ticks, {"strategy.fast": [20, 50]},
                      ["strategy.module=here_only_ema", "++strategy.fast=20",
                       "++strategy.slow=100"], backend="ray", store=False, progress=False)
    finally:
        sys.modules.pop("here_only_ema", None)
    text = str(err.value)
    assert text.startswith("a Ray worker failed: StrategyError: unknown strategy "
                           "'here_only_ema'") and "\n" not in text
    assert text.endswith("ticklab and the strategy must be importable on every Ray worker "
                         "(docs/research.md, On a cluster)")


def test_unknown_backend_and_missing_extra_are_one_line(monkeypatch, capsys):
    with pytest.raises(SweepError, match=r"^backend='dask': expected one of threads, ray$"):
        sim.sweep(None, {"strategy.fast": [10]}, backend="dask", store=False)
    with pytest.raises(SweepError, match="only with backend='ray'"):
        sim.sweep(None, {"strategy.fast": [10]}, ray_address="auto", store=False)
    assert sweep_main(["strategy.fast=10,20", "--backend", "dask"]) == 2
    out = capsys.readouterr().out
    assert "expected one of threads, ray" in out and len(out.strip().splitlines()) == 1
    monkeypatch.setitem(sys.modules, "ray", None)          # as if the extra were missing
    with pytest.raises(SweepError) as err:
        sim.sweep(None, {"strategy.fast": [10]}, backend="ray", store=False)
    assert str(err.value) == "backend=\"ray\" needs the ray extra: pip install -e '.[ray]'"
