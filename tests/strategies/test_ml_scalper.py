"""ml_scalper (docs/ml.md): features by hand and against pandas, one feature kernel in training
and serving (on real ticks), numba inference = scikit-learn, the model file and its
rejections, walk-forward folds and the embargo by hand, the trading rules on hand-made models,
no lookahead with the walk-forward training included, and ``ticklab train`` -> ``ticklab
backtest`` end to end."""

import json
import math
import os
import sqlite3
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import sim
import strategies.ml_scalper as ms
from sim.config import AccountConfig, symbol_records
from sim.core.decision import DecisionCore
from sim.core.enums import AccountMode, Action, OrderType
from sim.strategy_wrapper import strategy_address
from sim.train import (
    features,
    fit_gbt,
    fit_logistic,
    folds,
    labels,
    sklearn_proba,
    train,
    train_ticks,
    write,
)
from strategies import _ml_model
from strategies._ml_features import CONSTANTS, FEATURE_SET, FEATURES, NF, score_rows_nb
from tests.conftest import ROOT, SAMPLE

pytestmark = pytest.mark.slow       # training and feature runs on real ticks: minutes as plain Python

pytest.importorskip("sklearn")

S = 1_000_000_000
T0 = 1_549_238_400 * S                       # 2019-02-04 00:00 UTC
F = {name: k for k, name in enumerate(FEATURES)}
SMALL = ["strategy.window_s=3600", "strategy.min_rows=500"]
DECISION = ("cid", "action", "type", "symbol", "volume", "price", "sl", "tp", "expiry",
            "pos_ticket", "signal_ts", "signal_price", "arrive_ts", "stoplimit", "type_time",
            "by_ticket")


def small_params(**kw):
    return ms.Params(window_s=3600, min_rows=500, **kw)


@pytest.fixture(scope="module")
def ticks():
    return sim.load_ticks(SAMPLE / "EURUSD")


@pytest.fixture(scope="module")
def trained(ticks, tmp_path_factory):
    """Models trained on the first 12 hours of the sample (1 h windows): {type: (path, sha)}."""
    part = ticks.between(end=T0 + 12 * 3600 * S)
    out = {}
    for kind in ("logistic", "gbt"):
        p = small_params(model_type=kind)
        path = tmp_path_factory.mktemp("models") / f"{kind}.json"
        out[kind] = (path, write(train(part.ts, part.bid, part.ask, 1e-5, p, "EURUSD"), path), p)
    return out


# -- features --

def test_features_by_hand():
    # Arrange: (seconds, bid, ask), point 1e-5; T0 is a whole second
    rows = [(0, 1.10000, 1.10002), (1, 1.10001, 1.10003), (3, 1.10003, 1.10007),
            (6, 1.10002, 1.10004), (12, 1.10006, 1.10008)]
    ts = T0 + np.array([r[0] for r in rows], np.int64) * S
    bid = np.array([r[1] for r in rows])
    ask = np.array([r[2] for r in rows])
    # Act
    X, ready = features(ts, bid, ask, 1e-5)
    # Assert (mids 1.10001, 1.10002, 1.10005, 1.10003, 1.10007)
    assert not ready.any()
    expect = {0: {"ret_tick": 0, "ret_5s": 0, "spread": 2, "ticks_10s": 1, "gap_s": 0},
              1: {"ret_tick": 1, "ticks_10s": 2, "gap_s": 1},
              3: {"ret_tick": -2,
                  "ret_5s": 2,                       # as of second 0's end: the tick at 0 s
                  "ret_30s": 2,                      # before the data: the first tick's mid
                  "spread": 2,
                  "ticks_10s": 4,                    # seconds -4..5 and this one: 0, 1, 3, 6
                  "gap_s": 3},
              4: {"ret_tick": 4,
                  "ret_5s": 4,                       # as of second 6's end: the tick at 6 s
                  "ret_30s": 6, "ret_120s": 6, "spread": 2,
                  "ticks_10s": 3,                    # seconds 2..11 and this one: 3, 6, 12
                  "gap_s": 6}}
    for i, vals in expect.items():
        for name, v in vals.items():
            assert X[i, F[name]] == pytest.approx(v, abs=1e-6), (i, name)
    # the EMAs are not warm after 5 ticks
    assert np.isnan(X[:, [F["vol_100"], F["imbalance"], F["dev_ema200"]]]).all()


def _walk(n, dt_ms, seed=3):
    rng = np.random.default_rng(seed)
    ts = T0 + np.cumsum(rng.integers(1, 2 * dt_ms, n)).astype(np.int64) * 1_000_000
    mid2 = 220_000 + np.cumsum(rng.integers(-2, 3, n))
    spread = rng.integers(1, 6, n)
    bid = (mid2 - spread) // 2
    return ts, bid / 1e5, (bid + spread) / 1e5


def expected_features(ts, bid, ask):
    """The features as docs/ml.md defines them, written again with numpy and pandas."""
    mid = (bid + ask) / 2
    n = len(ts)
    sec = ts // S
    X = np.full((n, NF), np.nan)
    d = np.diff(mid) / 1e-5
    X[0, F["ret_tick"]] = 0.0
    X[1:, F["ret_tick"]] = d
    for h in (5, 30, 120):                   # the last tick before second (sec - h) began
        j = np.searchsorted(ts, (sec - h) * S, side="left") - 1
        X[:, F[f"ret_{h}s"]] = (mid - mid[np.maximum(j, 0)]) / 1e-5
    X[:, F["spread"]] = (ask - bid) / 1e-5
    X[:, F["ticks_10s"]] = np.arange(1, n + 1) - np.searchsorted(ts, (sec - 10) * S, "left")
    X[1:, F["vol_100"]] = pd.Series(np.abs(d)).ewm(span=100, adjust=False).mean()
    X[1:100, F["vol_100"]] = np.nan
    sig = (np.sign(np.diff(bid)) + np.sign(np.diff(ask))) / 2
    X[1:, F["imbalance"]] = pd.Series(sig).ewm(span=20, adjust=False).mean()
    X[1:20, F["imbalance"]] = np.nan
    X[:, F["gap_s"]] = np.diff(ts, prepend=ts[0]) / 1e9
    X[:, F["dev_ema200"]] = (mid - pd.Series(mid).ewm(span=200, adjust=False).mean()) / 1e-5
    X[:199, F["dev_ema200"]] = np.nan
    ready = (np.arange(n) >= 199) & (sec - sec[0] >= 121)
    return X, ready


@pytest.mark.parametrize("gaps", [False, True])
def test_features_match_an_independent_pandas_computation(gaps):
    # Arrange: 3,000 ticks about 0.5 s apart; with gaps of 50 s and 900 s (a second-ring
    # roll through empty seconds, and one longer than the ring)
    ts, bid, ask = _walk(3000, 500)
    if gaps:
        ts = ts + np.where(np.arange(3000) >= 1000, 50 * S, 0) \
            + np.where(np.arange(3000) >= 2000, 900 * S, 0)
    # Act
    X, ready = features(ts, bid, ask, 1e-5)
    # Assert
    want, want_ready = expected_features(ts, bid, ask)
    for name, k in F.items():
        assert np.allclose(X[:, k], want[:, k], atol=1e-6, rtol=0, equal_nan=True), name
    assert np.array_equal(ready, want_ready) and ready.sum() > 2000


def test_strategy_sees_the_training_rows_on_real_ticks(ticks, trained):
    # Arrange: the strategy called per tick by the decision core, as live calls it
    path, sha, p = trained["logistic"]
    p = replace(p, model=str(path), model_sha256=sha)
    n = 60_000
    ts, bid, ask = ticks.ts[:n], ticks.bid[:n], ticks.ask[:n]
    X, ready = features(ts, bid, ask, 1e-5)
    params, data = ms.make_params(p), ms.make_data(p)
    addr = strategy_address(ms, ms.make_state(), params, data)
    core = DecisionCore(ms, params, symbol_records([sim.load_symbol("EURUSD")], AccountConfig()),
                        AccountMode.NETTING, 10_000.0, None, data, addr)
    seen = np.zeros((n, NF))
    seen_ready = np.zeros(n, bool)
    st = core.sstate[0]
    # Act
    for i in range(n):
        core.tick(int(ts[i]), 0, float(bid[i]), float(ask[i]))
        seen[i] = st["x"]
        seen_ready[i] = st["ready"]
    # Assert: bit for bit
    assert np.array_equal(seen_ready, ready) and ready.sum() > 50_000
    assert np.array_equal(seen, X, equal_nan=True)


# -- inference --

def _real_rows(ticks, lo_h, hi_h, horizon_s=30.0):
    X, ready = features(ticks.ts, ticks.bid, ticks.ask, 1e-5)
    y = labels(ticks.ts, ticks.bid, ticks.ask, horizon_s)
    t = ticks.ts
    m = ready & (y >= 0) & (t >= T0 + lo_h * 3600 * S) & (t < T0 + hi_h * 3600 * S)
    return X[m], y[m]


def one_segment_model(kind, params, valid_from=T0, point=1e-5):
    return {"format": _ml_model.FORMAT, "version": _ml_model.VERSION, "strategy": "ml_scalper",
            "model_type": kind, "horizon_s": 30.0, "symbol": "EURUSD", "point": point,
            "features": {"set": FEATURE_SET, "names": list(FEATURES), "constants": CONSTANTS},
            "training": {"params": ms.Params().training()},
            "segments": [{"valid_from": valid_from, "params": params}], "skipped": []}


@pytest.mark.parametrize(("kind", "trees", "depth", "rows"),
                         [("logistic", 0, 0, None), ("gbt", 30, 3, None), ("gbt", 60, 6, None),
                          ("gbt", 5, 3, 150)])      # 150 rows: every tree a single leaf
def test_numba_inference_equals_sklearn_predict_proba(ticks, kind, trees, depth, rows):
    # Arrange: fit on 08:00-12:00 of the sample, score 12:00-16:00
    X, y = _real_rows(ticks, 8, 12)
    Xt, _ = _real_rows(ticks, 12, 16)
    X, y = (X[:rows], y[:rows]) if rows else (X, y)
    est, params = fit_logistic(X, y, 0) if kind == "logistic" else fit_gbt(X, y, trees, depth, 0)
    data = _ml_model.pack(one_segment_model(kind, params))
    # Act
    score = np.zeros(len(Xt))
    score_rows_nb(data, 0, Xt, score)
    # Assert
    p_nb = 1.0 / (1.0 + np.exp(-score))
    p_sk = sklearn_proba(est, Xt)
    assert np.max(np.abs(p_nb - p_sk)) <= 1e-9
    assert len(Xt) > 20_000 and (p_sk.std() > 1e-3) == (rows is None)
    if rows:
        assert all(len(t["feature"]) == 1 for t in params["trees"])


# -- the model file --

def test_model_file_round_trip(trained):
    # Arrange
    path, sha, p = trained["gbt"]
    # Act
    model, digest = _ml_model.read(str(path), sha)
    data = ms.make_data(replace(p, model=str(path), model_sha256=sha))
    # Assert: the bytes are the canonical dump, the packed data the same
    assert digest == sha and path.read_bytes() == _ml_model.dumps(model)
    assert np.array_equal(data, _ml_model.pack(model))
    assert model["model_type"] == "gbt" and len(model["segments"]) == 12
    assert [s["valid_from"] for s in model["segments"]] == [T0 + h * 3600 * S
                                                            for h in range(1, 13)]
    for seg in model["segments"]:
        assert len(seg["params"]["trees"]) == 30


def test_training_is_deterministic(ticks, trained):
    path, _, p = trained["gbt"]
    part = ticks.between(end=T0 + 12 * 3600 * S)
    again = train(part.ts, part.bid, part.ask, 1e-5, p, "EURUSD")
    assert _ml_model.dumps(again) == path.read_bytes()


def _corrupt(model, how):
    m = json.loads(json.dumps(model))
    seg = m["segments"][0]["params"]
    if how == "format":
        m["format"] = "pickle"
    elif how == "version":
        m["version"] = 99
    elif how == "features":
        m["features"]["names"][0] = "ret_1ms"
    elif how == "order":
        m["segments"][1]["valid_from"] = m["segments"][0]["valid_from"]
    elif how == "cycle":
        t = seg["trees"][0]
        t["left"][0] = 0
    elif how == "feature_index":
        t = seg["trees"][0]
        t["feature"][0] = NF
    elif how == "no_segments":
        m["segments"] = []
    elif how == "missing":
        del seg["baseline"]
    return m


@pytest.mark.parametrize("how", ["format", "version", "features", "order", "cycle",
                                 "feature_index", "no_segments", "missing", "json"])
def test_bad_model_files_refused_in_one_line(trained, tmp_path, how):
    # Arrange
    path, sha, p = trained["gbt"]
    model, _ = _ml_model.read(str(path), sha)
    bad = tmp_path / "bad.json"
    raw = b'{"format": "ticklab-ml-model", "segm' if how == "json" \
        else _ml_model.dumps(_corrupt(model, how))
    bad.write_bytes(raw)
    q = replace(p, model=str(bad), model_sha256=_ml_model.sha256(raw))
    # Act
    with pytest.raises(ValueError) as err:
        ms.make_data(q)
    # Assert
    msg = str(err.value)
    assert "\n" not in msg and str(bad) in msg and "ticklab train strategy=ml_scalper" in msg


def test_missing_unpinned_changed_or_mismatched_model_refused(trained, tmp_path):
    path, sha, p = trained["logistic"]
    cases = [(replace(p, model=str(tmp_path / "none.json")), "no such model file"),
             (replace(p, model=str(path)), f"strategy.model_sha256={sha}"),
             (replace(p, model=str(path), model_sha256="0" * 64), f"its sha256 is {sha}"),
             (replace(p, model=str(path), model_sha256=sha, horizon_s=60.0),
              "trained with strategy.horizon_s=30.0"),
             (replace(p, model=str(path), model_sha256=sha, model_type="gbt"),
              "strategy.model_type=logistic")]
    for q, text in cases:
        with pytest.raises(ValueError, match=text.replace(".", r"\.")) as err:
            ms.make_data(q)
        assert "\n" not in str(err.value)


# -- walk-forward --

def test_walk_forward_folds_by_hand():
    # Arrange: ticks from 00:10:00 to 03:20:00, 1 h windows, H = 30 s
    h = 3600 * S
    first, last = T0 + 10 * 60 * S, T0 + 3 * h + 20 * 60 * S
    # Act
    got = folds(first, last, 3600, 1, 30.0)
    # Assert: train [end - 1 h, end - 60 s), used from end; the last window is partial
    assert [(f.train_from, f.train_to, f.valid_from, f.complete) for f in got] == [
        (T0, T0 + h - 60 * S, T0 + h, True),
        (T0 + h, T0 + 2 * h - 60 * S, T0 + 2 * h, True),
        (T0 + 2 * h, T0 + 3 * h - 60 * S, T0 + 3 * h, True),
        (T0 + 3 * h, T0 + 4 * h - 60 * S, last + 30 * S, False)]      # last tick + H
    # two windows per model; a first window with nothing before its cut gives no model
    got = folds(T0 + h - 50 * S, T0 + 3 * h - 30 * S, 3600, 2, 30.0)
    assert [(f.train_from, f.train_to, f.valid_from) for f in got] == [
        (T0, T0 + 2 * h - 60 * S, T0 + 2 * h),
        (T0 + h, T0 + 3 * h - 60 * S, T0 + 3 * h)]   # last = end - H: complete
    # a partial window's start is rounded up to a whole second
    got = folds(T0, T0 + 20 * 60 * S + 200_000_000, 3600, 1, 0.5)
    assert got[-1].valid_from == T0 + 20 * 60 * S + S and not got[-1].complete


def test_labels_by_hand():
    # mids 1.0, 1.1, 1.1, 0.9, 1.0 at 0, 10, 20, 40, 70 s; H = 30 s
    ts = T0 + np.array([0, 10, 20, 40, 70], np.int64) * S
    mid = np.array([1.0, 1.1, 1.1, 0.9, 1.0])
    y = labels(ts, mid, mid, 30.0)
    # 0 s -> the tick at 20 s (up); 10 s -> 40 s (down); 20 s -> 40 s (down);
    # 40 s -> 70 s, which is the last tick: nothing after 70 s settles it; 70 s: none
    assert y.tolist() == [1, 0, 0, -1, -1]
    # H = 10 s: 0 s -> 10 s (up); 10 s -> 20 s: no move; H = 5 s: no tick within 5 s
    assert labels(ts[:3], mid[:3], mid[:3], 10.0).tolist() == [1, -1, -1]
    assert labels(ts[:3], mid[:3], mid[:3], 5.0).tolist() == [-1, -1, -1]


def test_training_respects_the_embargo_on_real_ticks(trained):
    path, sha, p = trained["logistic"]
    model, _ = _ml_model.read(str(path), sha)
    H = 30 * S
    for seg in model["segments"]:
        # every tick a training row read (its label included) is before valid_from - H
        assert seg["train_to"] + H <= seg["valid_from"] - H
        assert seg["test"]["n"] > 0 or seg is model["segments"][-1]
    aucs = [s["test"]["auc"] for s in model["segments"][:-1]]
    assert all(0.3 < a < 0.7 for a in aucs)      # no leak: out-of-sample AUCs near 0.5


# -- trading rules on hand-made models --

def hand_model(path, segments, horizon_s=30.0):
    """A logistic model whose score is a constant per segment: [(valid_from, score)]."""
    m = one_segment_model("logistic", None)
    m["horizon_s"] = horizon_s
    m["segments"] = [{"valid_from": int(vf), "params": {"mean": [0.0] * NF, "scale": [1.0] * NF,
                                                         "coef": [0.0] * NF, "intercept": z}}
                     for vf, z in segments]
    raw = _ml_model.dumps(m)
    path.write_bytes(raw)
    return [f"strategy.model={path}", f"strategy.model_sha256={_ml_model.sha256(raw)}"]


def test_trading_rules_on_a_hand_made_model(tmp_path):
    # Arrange: 1,000 s of ticks ~0.5 s apart; buy-always from 200 s, sell-always from 600 s
    ts, bid, ask = _walk(2000, 500, seed=5)
    df = pd.DataFrame({"ts": ts, "bid": bid, "ask": ask})
    pin = hand_model(tmp_path / "m.json", [(T0 + 200 * S, 5.0), (T0 + 600 * S, -5.0)])
    # Act
    res = sim.backtest(df, symbol="EURUSD", overrides=[
        "strategy=ml_scalper", *pin, "execution=ideal", "strategy.sl_points=30",
        "strategy.tp_points=40"])
    o = res.outcome.result.orders
    # Assert: entries only from the first segment on, buys then sells, SL/TP from the quote
    new = o[o["action"] == Action.NEW]
    assert len(new) > 10 and new["signal_ts"][0] == ts[np.searchsorted(ts, T0 + 200 * S)]
    buys = new["type"] == OrderType.BUY
    assert np.array_equal(buys, new["signal_ts"] < T0 + 600 * S)
    d = np.where(buys, 1.0, -1.0)
    assert np.allclose(new["sl"], new["signal_price"] - d * 30e-5, atol=1e-9)
    assert np.allclose(new["tp"], new["signal_price"] + d * 40e-5, atol=1e-9)
    # each position closed at market on the first tick 30 s (horizon_s) after its signal,
    # or by its SL/TP; never two at once
    closes = o[o["action"] == Action.CLOSE]
    assert len(closes) > 5
    for c in closes:
        k = np.searchsorted(new["signal_ts"], c["signal_ts"]) - 1
        opened = new["signal_ts"][k]
        assert c["signal_ts"] >= opened + 30 * S
        assert ts[np.searchsorted(ts, c["signal_ts"]) - 1] < opened + 30 * S
    assert res.outcome.result.positions.shape[0] <= 1


def test_no_trading_before_the_first_segment_nor_on_weak_scores(tmp_path):
    ts, bid, ask = _walk(2000, 500, seed=6)
    df = pd.DataFrame({"ts": ts, "bid": bid, "ask": ask})
    # p_up = 0.55 < threshold 0.6: no trade; then a segment past the data: no trade
    for segs in ([(T0, math.log(0.55 / 0.45))], [(T0 + 5000 * S, 5.0)]):
        pin = hand_model(tmp_path / "m.json", segs)
        res = sim.backtest(df, symbol="EURUSD", overrides=["strategy=ml_scalper", *pin])
        assert len(res.outcome.result.orders) == 0


# -- no lookahead, walk-forward training included --

@pytest.mark.parametrize("kind", ["logistic", "gbt"])
def test_prefix_run_with_its_own_training_decides_what_the_full_run_decided(
        ticks, tmp_path, kind):
    # Arrange: the prefix ends mid-window (09:17:23); each run trains on its own ticks
    args = ["strategy=ml_scalper", f"strategy.model_type={kind}", *SMALL]
    prefix = ticks.between(end=T0 + 33 * 3600 * S + 17 * 60 * S + 23 * S)
    last = int(prefix.ts[-1])
    full_pin = train_ticks(ticks, tmp_path / "full.json", args)
    part_pin = train_ticks(prefix, tmp_path / "part.json", args)
    # Act
    full = sim.backtest(ticks, overrides=args + full_pin).outcome.result
    part = sim.backtest(prefix, overrides=args + part_pin).outcome.result
    # Assert: the prefix's model has the full one's segments up to the cut, and a partial
    # last one that starts after it
    a, _ = _ml_model.read(str(tmp_path / "full.json"))
    b, _ = _ml_model.read(str(tmp_path / "part.json"))
    used = [s for s in b["segments"] if s["valid_from"] <= last]
    assert len(used) > 25 and b["segments"][-1]["valid_from"] > last
    assert [(s["valid_from"], s["params"]) for s in used] == [
        (s["valid_from"], s["params"]) for s in a["segments"] if s["valid_from"] <= last]
    # ... and the runs decided the same orders up to the cut, field by field
    early = full.orders[full.orders["signal_ts"] <= last]
    assert len(early) > 100 and len(full.orders) > len(early)
    assert len(part.orders) == len(early)
    for f in DECISION:
        assert np.array_equal(part.orders[f], early[f]), f
    deals = full.deals[full.deals["ts"] <= last]
    assert np.array_equal(part.deals[part.deals["ts"] <= last], deals)


# -- the CLI, end to end --

def test_cli_train_then_backtest_records_the_model_hash(tmp_path):
    # Arrange
    env = {**os.environ, "TICKLAB_STORE": str(tmp_path / "runs.sqlite")}
    cli = [sys.executable, "-m", "sim.cli"]
    data = ["data.end=2019-02-04T12:00", *SMALL]

    def run(*args):
        return subprocess.run([*cli, *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=900)

    # Act: train (default path models/ml_scalper.json in the working folder)
    tr = run("train", "strategy=ml_scalper", *data)
    assert tr.returncode == 0, tr.stderr
    sha = _ml_model.sha256((tmp_path / "models" / "ml_scalper.json").read_bytes())
    line = tr.stdout.splitlines()[-1]
    assert f"strategy.model_sha256={sha}" in line and "strategy.window_s=3600" in line
    assert "AUC" in tr.stdout and f"sha256 {sha}" in tr.stdout
    # a backtest without the pin: one line naming the hash to pin
    bad = run("backtest", "strategy=ml_scalper", *data, "report=false")
    # the backtest the train command printed
    ok = run("backtest", *line.split("ticklab backtest ")[1].split(), "data.end=2019-02-04T12:00",
             "report=false")
    # Assert
    assert bad.returncode == 2 and f"strategy.model_sha256={sha}" in bad.stdout
    assert ok.returncode == 0, ok.stdout + ok.stderr
    with sqlite3.connect(tmp_path / "runs.sqlite") as db:
        (cfg,) = db.execute("select config_yaml from runs").fetchone()
    assert f"model_sha256: {sha}" in cfg and "model: models/ml_scalper.json" in cfg
    # a missing model file: one line saying what to do
    miss = run("backtest", "strategy=ml_scalper", "strategy.model=nowhere.json", "report=false")
    assert miss.returncode == 2 and "no such model file" in miss.stdout
    assert "ticklab train strategy=ml_scalper" in miss.stdout


def test_cli_train_refuses_what_it_cannot_train(tmp_path):
    out = subprocess.run([sys.executable, "-m", "sim.cli", "train", "strategy=ema_cross"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 2 and "nothing to train" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
