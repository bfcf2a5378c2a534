"""``sim.optimize`` / ``ticklab optimize``: Optuna called directly over the shared ticks: every
finished trial is exactly ``sim.backtest`` of its parameters; refused sets are pruned with
their reason; the study is stored beside the results store and resumes; pruning stops
trials that trail; the space syntax reads as documented."""

import sqlite3

import pytest

import sim
from sim.config import CONF_DIR
from sim.data.loader import load_ticks
from sim.optimizer import Dist, parse_dist, study_storage
from sim.optimizer_cli import main as opt_main
from sim.sweeps import SweepError

optuna = pytest.importorskip("optuna")
SPACE = {"strategy.fast": "5:100", "strategy.slow": "50:600:10"}


@pytest.fixture(scope="module")
def ticks():
    t = load_ticks(CONF_DIR.parent / "data" / "sample" / "EURUSD", symbol="EURUSD")
    return t.between(None, int(t.ts[60_000]))


def test_space_syntax():
    assert parse_dist("k", "5:100") == Dist("int", 5, 100, None)
    assert parse_dist("k", "5:100:5") == Dist("int", 5, 100, 5)
    assert parse_dist("k", "0.5:2.5") == Dist("float", 0.5, 2.5, None)
    assert parse_dist("k", "0.5:2.5:0.25") == Dist("float", 0.5, 2.5, 0.25)
    assert parse_dist("k", "a,b,2") == Dist("choice", values=("a", "b", 2))
    assert parse_dist("k", range(10, 101, 10)) == Dist("int", 10, 100, 10)
    assert parse_dist("k", (0.1, 0.9)) == Dist("float", 0.1, 0.9)
    assert parse_dist("k", [1, 3]) == Dist("choice", values=(1, 3))
    for bad, text in (("9:1", "LOW < HIGH"), ("0.5:2.5:0.3", "multiple of STEP"),
                      ((3, 1), "low < high")):
        with pytest.raises(SweepError, match=text):
            parse_dist("k", bad)
    assert study_storage("/x/runs.sqlite") == "sqlite:////x/runs.optuna.sqlite"


@pytest.mark.slow
def test_trials_are_backtests_refusals_pruned_study_resumes(ticks, tmp_path):
    db = tmp_path / "r.sqlite"
    res = sim.optimize(ticks, SPACE, n_trials=12, seed=3, n_jobs=2, store=db, prune=False,
                       progress=False)
    t = res.trials
    assert len(t) == 12 and set(t["state"]) <= {"complete", "pruned"}
    refused = t[t["state"] == "pruned"]
    assert (refused["strategy.fast"] >= refused["strategy.slow"]).all()
    assert all("fast < slow" in n for n in refused["note"])
    done = t[t["state"] == "complete"]
    assert len(done) >= 3
    for row in done.head(3).to_dict("records"):
        ref = sim.backtest(ticks, [f"strategy.fast={row['strategy.fast']}",
                                   f"strategy.slow={row['strategy.slow']}"])
        assert row["value"] == ref.metrics["net_pnl"] == row["net_pnl"]
    best = done.loc[done["value"].idxmax()]
    assert res.best["value"] == best["value"]
    # stored: the study beside the store, the finished trials as runs of one sweep
    con = sqlite3.connect(db)
    assert con.execute("select kind, n_points from sweeps").fetchall() == [("optuna", len(done))]
    assert con.execute("select count(*) from runs where mode='sweep'").fetchone()[0] == len(done)
    assert (tmp_path / "r.optuna.sqlite").exists()
    # resumed by name: the same study grows
    again = sim.optimize(ticks, SPACE, n_trials=3, seed=4, n_jobs=1, store=db,
                         study_name=res.study.study_name, prune=False, progress=False)
    assert len(again.trials) == 15
    # ... but not as another search: one line, nothing run
    with pytest.raises(SweepError, match="its metric was 'net_pnl', not 'max_dd_pct'"):
        sim.optimize(ticks, SPACE, n_trials=2, store=db, study_name=res.study.study_name,
                     metric="max_dd_pct", progress=False)
    with pytest.raises(SweepError, match="its space was"):
        sim.optimize(ticks, {"strategy.fast": "5:50"}, n_trials=2, store=db,
                     study_name=res.study.study_name, progress=False)


@pytest.mark.slow
def test_pruning_stops_trials_that_trail(ticks):
    # a slow EMA that loses steadily against a space that mostly loses faster
    res = sim.optimize(ticks, {"strategy.fast": "2:40", "strategy.slow": "41:60"},
                       n_trials=25, seed=1, n_jobs=1, store=False, progress=False)
    states = res.trials["state"].value_counts()
    assert states.get("pruned", 0) >= 1 and states.get("complete", 0) >= 5
    pruned = [t for t in res.study.trials if t.state.name == "PRUNED"]
    assert all(t.intermediate_values for t in pruned)     # stopped mid-run, not refused


@pytest.mark.slow
def test_cli_and_one_line_mistakes(tmp_path, capsys):
    code = opt_main(["strategy.fast=20:60", "strategy.slow=200:400:50", "--trials", "4",
                     "--seed", "1", "--db", str(tmp_path / "c.sqlite"), "data.end=2019-02-04T06:00"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Best" in out and "resume with --study" in out
    assert opt_main(["strategy.fats=1:5", "--trials", "2", "--db", str(tmp_path / "c.sqlite")]) == 2
    assert "strategy.fats: not a key of strategy" in capsys.readouterr().out
    assert opt_main(["--trials", "2"]) == 2
    assert "no axis to optimise" in capsys.readouterr().out
    assert opt_main(["strategy.fast=5:50", "--sort", "nope", "--trials", "2"]) == 2
    assert "metric 'nope': not a metric" in capsys.readouterr().out
    assert opt_main(["strategy.fast=5:50", "strategy=nope", "--trials", "2"]) == 2
    assert "no such strategy group" in capsys.readouterr().out
