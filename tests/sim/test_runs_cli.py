"""``ticklab runs``: list (a sweep's sets with their parameters, sorted by any metric, JSON
for scripts), show, compare; mistakes in one line."""

import json

import pytest

import sim
from sim.config import CONF_DIR
from sim.data.loader import load_ticks
from sim.runs_cli import main as runs_main


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    t = load_ticks(CONF_DIR.parent / "data" / "sample" / "EURUSD", symbol="EURUSD")
    db = tmp_path_factory.mktemp("runs") / "r.sqlite"
    frame = sim.sweep(t.between(None, int(t.ts[30_000])), {"strategy.fast": [20, 40, 60]},
                      store=db, progress=False)
    return db, frame


@pytest.mark.slow
def test_list_a_sweep_sorted_as_json_matches_the_sweep(store, capsys):
    db, frame = store
    assert runs_main(["runs", "--db", str(db), "--sweep", "1", "--sort", "net_pnl",
                      "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    best = frame.sort_values("net_pnl", ascending=False)
    assert [r["id"] for r in rows] == list(best["run_id"])
    assert [r["strategy.fast"] for r in rows] == list(best["strategy.fast"])
    assert rows[0]["net_pnl"] == pytest.approx(best["net_pnl"].iloc[0], abs=1e-9)
    assert "sharpe" in rows[0] and "profit_factor" in rows[0]
    # drawdown: smallest first
    assert runs_main(["--db", str(db), "--sweep", "1", "--sort", "max_dd_pct", "--json"]) == 0
    dd = [r["max_dd_pct"] for r in json.loads(capsys.readouterr().out)]
    assert dd == sorted(dd)


@pytest.mark.slow
def test_table_fits_80_columns_hides_sweep_sets_show_and_mistakes(store, capsys, monkeypatch):
    db, _ = store
    monkeypatch.setenv("COLUMNS", "80")
    assert runs_main(["--db", str(db), "--sweep", "1", "--sort", "net_pnl"]) == 0
    out = capsys.readouterr().out
    assert "fast" in out and max(len(ln) for ln in out.splitlines()) <= 80
    assert "…" not in out
    assert runs_main(["--db", str(db)]) == 0
    assert "3 parameter sets of 1 sweep(s)" in capsys.readouterr().out
    assert runs_main(["show", "1", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "sweep 1" in out and "Net P&L" in out
    assert runs_main(["--db", str(db), "--sort", "nope"]) == 2
    assert "--sort nope: no such column or metric" in capsys.readouterr().out
    assert runs_main(["show", "99", "--db", str(db)]) == 1


@pytest.mark.slow
def test_merge_copies_runs_sweeps_and_children_once(store, tmp_path, capsys):
    import sqlite3

    db, frame = store
    other = tmp_path / "elsewhere.sqlite"
    t = load_ticks(CONF_DIR.parent / "data" / "sample" / "EURUSD", symbol="EURUSD")
    sim.backtest(t.between(None, int(t.ts[5_000])), store=other)      # run 1 there
    target = tmp_path / "mine.sqlite"
    assert runs_main(["merge", str(db), "--db", str(target)]) == 0
    assert runs_main(["merge", str(other), "--db", str(target)]) == 0
    assert "1 runs, 0 sweeps" in capsys.readouterr().out.splitlines()[-1]
    assert runs_main(["merge", str(other), "--db", str(target)]) == 0      # again: nothing
    assert "0 runs, 0 sweeps (1 already there)" in capsys.readouterr().out
    con = sqlite3.connect(target)
    assert con.execute("select count(*) from runs").fetchone()[0] == len(frame) + 1
    assert con.execute("select count(*) from sweeps").fetchone()[0] == 1
    assert con.execute("select count(*) from runs where sweep_id = 1").fetchone()[0] == len(frame)
    src = sqlite3.connect(other)
    last = con.execute("select max(id) from runs").fetchone()[0]
    assert con.execute("select count(*) from trades where run_id = ?", [last]).fetchone() == \
        src.execute("select count(*) from trades where run_id = 1").fetchone()
    assert runs_main(["merge", str(tmp_path / "none.sqlite"), "--db", str(target)]) == 1


@pytest.mark.slow
def test_compare_three_runs_config_metrics_records_and_report(tmp_path, capsys, monkeypatch):
    # Arrange: the same backtest twice, then with another fast EMA
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.chdir(tmp_path)
    t = load_ticks(CONF_DIR.parent / "data" / "sample" / "EURUSD", symbol="EURUSD")
    t = t.between(None, int(t.ts[20_000]))
    db = tmp_path / "c.sqlite"
    ids = [sim.backtest(t, overrides=ov, store=db).run_id
           for ov in ([], [], ["strategy.fast=30"])]
    # Act
    code = runs_main(["compare", *map(str, ids), "--db", str(db)])
    out = capsys.readouterr().out
    # Assert: the one config key that differs, with each run's value; metrics that differ
    # (not those the same everywhere); the records of the twins identical, the third not
    assert code == 1
    assert "config: 1 key(s) differ" in out
    assert [ln.split() for ln in out.splitlines() if "strategy.fast" in ln] == \
        [["│", "strategy.fast", "│", "50", "│", "50", "│", "30", "│"]]
    assert "Trades" in out and "Rejections" not in out
    assert f"records: run {ids[0]} vs run {ids[1]}" in out and "runs 1, 2 and 3 differ" in out
    twins = out.split(f"records: run {ids[0]} vs run {ids[1]}")[1].split("records:")[0]
    assert twins.count(" yes ") == 6 and " no " not in twins
    assert runs_main(["compare", str(ids[0]), str(ids[1]), "--db", str(db)]) == 0
    assert "runs 1 and 2 are identical" in capsys.readouterr().out
    assert runs_main(["compare", "1", "--db", str(db)]) == 2        # one run: usage
    # ticklab runs report ID writes the run's page
    assert runs_main(["report", str(ids[2]), "--db", str(db)]) == 0
    assert (tmp_path / "reports" / f"run-{ids[2]}.html").exists()
