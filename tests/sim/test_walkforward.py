"""``sim.walk_forward`` / ``ticklab walkforward``: windows as documented; each window's choice
is the best of an independent sweep of its in-sample ticks, and its out-of-sample result
is a plain backtest of the chosen set on the ticks that follow; the stitched curve adds
up."""

import pandas as pd
import pytest

import sim
from sim.config import CONF_DIR
from sim.data.loader import load_ticks
from sim.sweep_report import ranked
from sim.sweeps import SweepError
from sim.walkforward import NS_DAY, span_ns, windows
from sim.walkforward_cli import main as wf_main

H = 3600 * 10**9
GRID = {"strategy.fast": [20, 100], "strategy.slow": [200, 800]}


@pytest.fixture(scope="module")
def ticks():
    return load_ticks(CONF_DIR.parent / "data" / "sample" / "EURUSD", symbol="EURUSD")


def test_windows_roll_or_anchor_on_whole_units():
    t0 = 5 * NS_DAY + 17 * 10**9            # 17 s past a midnight: windows start at it
    spans = windows(t0, t0 + 30 * H, 12 * H, 6 * H)
    day = 5 * NS_DAY
    assert spans == [(day, day + 12 * H, day + 12 * H, day + 18 * H),
                     (day + 6 * H, day + 18 * H, day + 18 * H, day + 24 * H),
                     (day + 12 * H, day + 24 * H, day + 24 * H, day + 30 * H),
                     (day + 18 * H, day + 30 * H, day + 30 * H, t0 + 30 * H + 1)]
    anchored = windows(t0, t0 + 30 * H, 12 * H, 6 * H, anchored=True)
    assert [s[0] for s in anchored] == [day] * 4
    assert [s[1] for s in anchored] == [s[1] for s in spans]
    stepped = windows(t0, t0 + 30 * H, 12 * H, 6 * H, step=12 * H)
    assert [s[2] for s in stepped] == [day + 12 * H, day + 24 * H]
    assert span_ns("90min", "x") == 90 * 60 * 10**9
    for bad in ("soon", "3M"):                 # M: a month or a minute? refused
        with pytest.raises(SweepError, match="expected a length such as 12h"):
            span_ns(bad, "train")


@pytest.mark.slow
def test_each_window_is_an_independent_sweep_then_a_backtest(ticks):
    res = sim.walk_forward(ticks, GRID, train="12h", test="12h", metric="profit_factor",
                           progress=False)
    w = res.windows
    assert len(w) == 3
    for r in w.to_dict("records"):
        ins = ticks.between(int(r["train_start"].value), int(r["train_end"].value))
        swept = sim.sweep(ins, GRID, store=False, progress=False)
        best = ranked(swept, "profit_factor").iloc[0]
        assert (r["strategy.fast"], r["strategy.slow"]) == \
            (best["strategy.fast"], best["strategy.slow"])
        assert r["is_profit_factor"] == best["profit_factor"]
        oos = ticks.between(int(r["test_start"].value), int(r["test_end"].value))
        ref = sim.backtest(oos, [f"strategy.fast={r['strategy.fast']}",
                                 f"strategy.slow={r['strategy.slow']}"])
        assert r["oos_net_pnl"] == ref.metrics["net_pnl"]
        assert r["oos_trades"] == ref.metrics["n_trades"]
    # the stitched curve ends at the balance plus every window's out-of-sample P&L
    assert res.equity["equity"].iloc[-1] == pytest.approx(10_000 + w["oos_net_pnl"].sum(),
                                                          abs=1e-6)
    assert res.metrics["net_pnl"] == pytest.approx(w["oos_net_pnl"].sum())
    assert list(res.equity["window"].unique()) == [0, 1, 2]
    assert res.equity["ts"].is_monotonic_increasing


@pytest.mark.slow
def test_cli_table_report_and_one_line_mistakes(tmp_path, capsys):
    code = wf_main(["strategy.fast=20,100", "strategy.slow=200,800", "--train", "1d",
                    "--test", "12h", "--report-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Walk-forward" in out and "out of sample: 2 windows" in out
    page = next(tmp_path.glob("walkforward-*.html")).read_text()
    assert "Out-of-sample equity, stitched" in page
    assert wf_main(["strategy.fast=20,100", "--train", "5d", "--test", "1d"]) == 2
    assert "longer than the data" in capsys.readouterr().out
    assert wf_main(["strategy.fast=20,100", "--train", "12h", "--test", "6h",
                    "--sort", "nope"]) == 2
    assert "metric 'nope': not a metric" in capsys.readouterr().out


@pytest.mark.slow
def test_overlapping_windows_refused_and_money_from_each_sets_balance(ticks):
    with pytest.raises(SweepError, match="would overlap"):
        sim.walk_forward(ticks, GRID, train="12h", test="6h", step="3h", progress=False)
    res = sim.walk_forward(ticks, {"account.balance": [5000.0, 20000.0]}, train="24h",
                           test="24h", metric="max_dd_pct", progress=False)
    r = res.windows.to_dict("records")[0]
    oos = ticks.between(int(r["test_start"].value), int(r["test_end"].value))
    ref = sim.backtest(oos, [f"account.balance={r['account.balance']}"])
    assert r["oos_net_pnl"] == ref.metrics["net_pnl"] < 0
    assert res.equity["equity"].iloc[-1] == pytest.approx(10_000 + ref.metrics["net_pnl"])


def test_repr_names_the_totals():
    from sim.walkforward import WalkForwardResult

    r = WalkForwardResult(pd.DataFrame(), pd.DataFrame(),
                          {"windows": 2, "net_pnl": -1.5, "n_trades": 3, "wfe": 0.5}, [])
    assert repr(r) == "WalkForwardResult(2 windows, out-of-sample net P&L -1.50, 3 trades, WFE 0.50)"
