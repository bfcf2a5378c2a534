"""``sim.sweep`` / ``ticklab sweep``: every parameter set gives exactly what ``sim.backtest``
gives with the same overrides, on threads or not; refused sets are skipped and reported;
axes and ranges are read as documented; the store holds the sweep and its runs."""

import json
import sqlite3

import numpy as np
import pandas as pd
import pytest

import sim
from sim.config import CONF_DIR
from sim.data.loader import load_ticks
from sim.sweep_cli import main as sweep_main
from sim.sweep_cli import split_args
from sim.sweep_report import neighbourhood_mean, ranked, render_sweep, stability
from sim.sweeps import SweepError, axis_values, grid_points, parse_values

SAMPLE = CONF_DIR.parent / "data" / "sample"
N = 60_000
SLOW = pytest.mark.slow        # replays: not for the plain-Python pass (.ci/run)
COMMON = ["execution=realistic", "risk=default"]
GRID = {"strategy.fast": [20, 50, 300], "strategy.slow": [100, 250]}


@pytest.fixture(scope="module")
def ticks():
    t = load_ticks(SAMPLE / "EURUSD", symbol="EURUSD")
    return t.between(None, int(t.ts[N]))


@pytest.fixture(scope="module")
def swept(ticks, tmp_path_factory):
    db = tmp_path_factory.mktemp("sweep") / "s.sqlite"
    return sim.sweep(ticks, GRID, COMMON, n_jobs=2, store=db, progress=False), db


@SLOW
def test_each_point_equals_a_backtest_with_the_same_overrides(swept, ticks):
    frame, _ = swept
    assert len(frame) == 4
    for row in frame.to_dict("records"):
        ref = sim.backtest(ticks, [*COMMON, f"strategy.fast={row['strategy.fast']}",
                                   f"strategy.slow={row['strategy.slow']}"])
        for key, value in ref.metrics.items():
            if isinstance(value, float) and np.isnan(value):
                assert np.isnan(row[key]), key
            else:
                assert row[key] == value, key


@SLOW
def test_metric_names_are_every_metric(swept):
    from sim.metrics import METRIC_NAMES

    frame, _ = swept
    produced = {c for c in frame.columns if "[" not in c} - {*GRID, "run_id", "seconds"}
    assert produced == set(METRIC_NAMES)


@SLOW
def test_threads_change_nothing(swept, ticks):
    frame, _ = swept
    one = sim.sweep(ticks, GRID, COMMON, n_jobs=1, store=False, progress=False)
    cols = [c for c in one.columns if c not in ("seconds",)]
    pd.testing.assert_frame_equal(one[cols], frame[cols])


@SLOW
def test_refused_sets_are_skipped_with_their_reason(swept):
    frame, _ = swept
    skipped = frame.attrs["skipped"]
    assert [(s["strategy.fast"], s["strategy.slow"]) for s in skipped] == [(300, 100), (300, 250)]
    assert "fast < slow" in skipped[0]["reason"]
    assert frame.attrs["failed"] == []
    # grid order, the first axis slowest
    assert list(zip(frame["strategy.fast"], frame["strategy.slow"], strict=True)) == \
        [(20, 100), (20, 250), (50, 100), (50, 250)]


@SLOW
def test_store_has_the_sweep_and_one_run_per_set_without_trade_lists(swept):
    frame, db = swept
    con = sqlite3.connect(db)
    sw = con.execute("select id, n_points, n_skipped, grid, n_ticks from sweeps").fetchall()
    assert sw == [(frame.attrs["sweep_id"], 4, 2, json.dumps(GRID), N)]
    runs = con.execute("select id, mode, sweep_id, params, net_pnl, n_trades from runs "
                       "order by id").fetchall()
    assert [r[0] for r in runs] == list(frame["run_id"])
    assert {r[1] for r in runs} == {"sweep"}
    for r, row in zip(runs, frame.to_dict("records"), strict=True):
        assert json.loads(r[3]) == {"strategy.fast": row["strategy.fast"],
                                    "strategy.slow": row["strategy.slow"]}
        assert r[4] == pytest.approx(row["net_pnl"], abs=1e-9) and r[5] == row["n_trades"]
    assert con.execute("select count(*) from trades").fetchone()[0] == 0


@SLOW
def test_trades_on_request(ticks, tmp_path):
    db = tmp_path / "t.sqlite"
    frame = sim.sweep(ticks, {"strategy.fast": [20, 50]}, COMMON, store=db, trades=True,
                      progress=False)
    con = sqlite3.connect(db)
    for row in frame.to_dict("records"):
        n = con.execute("select count(*) from trades where run_id=?", [row["run_id"]])
        assert n.fetchone()[0] == row["n_trades"] > 0


@SLOW
def test_risk_and_execution_axes(ticks):
    frame = sim.sweep(ticks, {"risk.max_orders": [0, 3], "execution.submit_latency.a": [5.0, 15.0]},
                      ["risk.orders_window_s=60"], store=False, progress=False)
    assert len(frame) == 4
    ref = sim.backtest(ticks, ["risk.orders_window_s=60", "risk.max_orders=3",
                               "execution.submit_latency.a=5.0"])
    row = frame[(frame["risk.max_orders"] == 3) & (frame["execution.submit_latency.a"] == 5.0)]
    assert row["net_pnl"].item() == ref.metrics["net_pnl"]
    assert row["n_risk_denials"].item() == ref.metrics["n_risk_denials"] > 0


@SLOW
@pytest.mark.parametrize("grid, text", [
    ({"strategy.fats": [1]}, "strategy.fats: not a key of strategy (its keys: fast, slow"),
    ({"data.path": ["x"]}, "data.path: sweep axes are keys of strategy, risk, execution"),
    ({"strategy.module": ["x"]}, "one strategy per sweep"),
    ({}, "no axis to sweep"),
])
def test_axis_mistakes_are_one_line(ticks, grid, text):
    with pytest.raises(SweepError, match=text.replace("(", r"\(")):
        sim.sweep(ticks, grid, store=False, progress=False)


def test_ranges_and_lists():
    assert parse_values("k", "10:50:10") == [10, 20, 30, 40, 50]
    assert parse_values("k", "10:45:10") == [10, 20, 30, 40]
    assert parse_values("k", "3:5") == [3, 4, 5]
    assert parse_values("k", "0.1:0.3:0.1") == [0.1, 0.2, 0.3]
    assert parse_values("k", "1.5:2.5:0.25") == [1.5, 1.75, 2.0, 2.25, 2.5]
    assert parse_values("k", "a,b,true,2,2.5") == ["a", "b", True, 2, 2.5]
    for bad in ("5:1:1", "1:5:0", "1:5:-1"):
        with pytest.raises(SweepError, match="START <= STOP"):
            parse_values("k", bad)
    assert parse_values("k", "1e-8:3e-8:1e-8") == [1e-8, 2e-8, 3e-8]
    assert parse_values("k", "-3:-1") == [-3, -2, -1]
    with pytest.raises(SweepError, match="1,000,000,000 values"):
        parse_values("k", "1:1000000000")       # refused before building the list
    # list items: numbers and true/false/null only; anything else stays text as written
    assert parse_values("k", "yes,0x10,08:00,null") == ["yes", "0x10", "08:00", None]
    # a key whose config value is text takes text: times are not ranges
    assert parse_values("k", "08:00,10:30", current="07:00") == ["08:00", "10:30"]
    assert parse_values("k", "07:30", current="07:00") == ["07:30"]
    assert axis_values("k", np.arange(10, 40, 10), 0) == [10, 20, 30]
    assert type(axis_values("k", np.arange(10, 40, 10), 0)[0]) is int
    assert axis_values("k", [10, 20, 10], 0) == [10, 20]        # given twice, runs once
    with pytest.raises(SweepError, match="expected a list of values"):
        axis_values("k", 5, 0)
    grid, overrides = split_args(["strategy.fast=10:30:10", "strategy.slow=100,200",
                                  "execution=ideal", "strategy.lots=0.2",
                                  "risk.sessions=[00:00-12:00,13:00-23:00]"])
    assert grid == {"strategy.fast": "10:30:10", "strategy.slow": "100,200"}
    assert overrides == ["execution=ideal", "strategy.lots=0.2",
                         "risk.sessions=[00:00-12:00,13:00-23:00]"]
    assert len(grid_points({k: parse_values(k, v) for k, v in grid.items()})) == 6


def test_stability_finds_the_plateau_not_the_spike():
    # a lone spike at (0, 0) and a plateau around (3, 3): the robust point is on the plateau
    axes = {"a": list(range(5)), "b": list(range(5))}
    z = np.zeros((5, 5))
    z[0, 0] = 10.0
    z[2:5, 2:5] = 6.0
    rows = [{"a": i, "b": j, "net_pnl": z[i, j]} for i in range(5) for j in range(5)]
    frame = pd.DataFrame(rows)
    st = stability(frame, axes, "net_pnl")
    assert st["best"]["params"] == {"a": 0, "b": 0} and st["best"]["value"] == 10.0
    assert st["best"]["hood_mean"] == pytest.approx(10 / 4)
    assert st["robust"]["params"] == {"a": 3, "b": 3} and st["robust"]["hood_mean"] == 6.0
    assert st["edge"] == ["a", "b"]                  # the spike sits in a corner
    # drawdowns: smaller is better, and the ranking says so
    assert list(ranked(pd.DataFrame({"max_dd": [3.0, 1.0, 2.0]}), "max_dd")["max_dd"]) == \
        [1.0, 2.0, 3.0]
    # a box mostly outside the finite grid is not scored
    m = neighbourhood_mean(np.array([[1.0, np.nan], [np.nan, np.nan]]))
    assert np.isnan(m[0, 0]) and np.isnan(m[1, 1])


@SLOW
def test_cli_prints_the_best_runs_and_writes_the_report(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TICKLAB_STORE", str(tmp_path / "c.sqlite"))
    code = sweep_main(["strategy.fast=40:60:20", "strategy.slow=200,400", "data.end=2019-02-04T06:00",
                       "--report-dir", str(tmp_path), "--top", "3"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "sweep 1: 4 parameter sets ran" in out and "Best 3 by net_pnl" in out
    page = (tmp_path / "sweep-1.html").read_text()
    assert "Stability of the best region" in page and "plotly" in page
    code = sweep_main(["strategy.fast=40:60:20", "--sort", "nope", "data.end=2019-02-04T06:00"])
    assert code == 2 and "metric 'nope': not a metric" in capsys.readouterr().out


@SLOW
def test_refused_execution_is_skipped_times_and_numpy_grids_run(ticks, tmp_path):
    frame = sim.sweep(ticks, {"execution.submit_latency.a": [-5.0, 50.0]}, store=False,
                      progress=False)
    assert list(frame["execution.submit_latency.a"]) == [50.0]
    assert "must be >= 0" in frame.attrs["skipped"][0]["reason"]
    times = sim.sweep(ticks, {"strategy.start": "07:00,08:00"},
                      ["strategy=breakout"], store=False, progress=False)
    assert list(times["strategy.start"]) == ["07:00", "08:00"]
    ref = sim.backtest(ticks, ["strategy=breakout", "strategy.start=08:00"])
    assert times["net_pnl"].iloc[1] == ref.metrics["net_pnl"]
    arr = sim.sweep(ticks, {"strategy.fast": np.arange(20, 60, 20)}, store=tmp_path / "n.sqlite",
                    progress=False)
    assert list(arr["strategy.fast"]) == [20, 40] and arr.attrs["sweep_id"] == 1


@SLOW
def test_cli_mistakes_are_one_line_and_nothing_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TICKLAB_STORE", str(tmp_path / "m.sqlite"))
    for args, text in ((["strategy.fast=10,20", "--sort", "nope"], "metric 'nope': not a metric"),
                       (["strategy.fast=10,20", "strategy.fats=10"], "strategy.fats"),
                       (["strategy.fast=10,20", "execution=ideal,realistic"], "backtest -m"),
                       (["strategy.fast=10,20", "execution=nope"], "no such execution group")):
        assert sweep_main(args) == 2
        out = capsys.readouterr().out
        assert text in out and "Traceback" not in out and len(out.strip().splitlines()) <= 2
    assert not (tmp_path / "m.sqlite").exists()          # nothing ran, nothing stored


def test_report_with_mixed_int_and_float_values():
    frame = pd.DataFrame({"k": [1.0, 1.5, 2.0], "net_pnl": [1.0, 3.0, 2.0]})  # pandas: 1 -> 1.0
    page = render_sweep(frame, {"k": [1, 1.5, 2]}, "net_pnl", "t")
    assert "net_pnl by k" in page


def test_report_renders_one_axis_and_skipped_sets():
    frame = pd.DataFrame({"x": [1, 2, 3], "net_pnl": [1.0, 3.0, 2.0], "n_trades": [1, 2, 3]})
    frame.attrs["skipped"] = [{"x": 4, "reason": "refused"}]
    page = render_sweep(frame, {"x": [1, 2, 3, 4]}, "net_pnl", "t")
    assert "Skipped (1)" in page and "net_pnl by x" in page
