"""``ticklab train strategy=ml_scalper [overrides] [out=PATH]``: walk-forward training (docs/ml.md).

The training edge of ``strategies/ml_scalper.py`` (scikit-learn: ``pip install -e '.[ml]'``):

1. the ticks of the ``data`` group (composed as ``ticklab backtest`` composes it);
2. the feature matrix: ``features_matrix_nb`` runs the strategy's own feature kernel over
   them (strategies/_ml_features.py), so training and serving see identical rows;
3. labels: the sign of the mid move from each tick to the last tick at or before
   ``ts + horizon_s`` (future only in the label); rows whose mid does not move, or
   without a later tick to settle it, have no label;
4. walk-forward folds (``folds``) on a UTC grid of ``window_s`` windows: the model of the
   window ending at ``end`` trains on rows in ``[end - train_windows * window_s,
   end - 2 * horizon_s)``, so every tick it reads (labels included) is before
   ``end - horizon_s``: an embargo of ``horizon_s`` before ``end``, from which it is used;
5. per window a logistic regression (standardized) or a small gradient-boosted tree
   ensemble (``HistGradientBoostingClassifier``), exported as plain parameters; the
   exported model is scored by the strategy's numba inference and checked against
   scikit-learn's ``predict_proba`` (1e-9);
6. each segment's out-of-sample test: the labelled rows from its ``valid_from`` to the
   next segment's, scored by the numba inference (AUC, accuracy, signals at the
   strategy's threshold and their hit rate);
7. the model file (JSON, strategies/_ml_model.py), written atomically; its sha256 printed,
   with the ``ticklab backtest`` line that pins it.

Everything is seeded: the same ticks, config, ticklab commit (``training.code_version``)
and library versions give the same file, byte for byte.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from strategies import _ml_model
from strategies._ml_features import (
    CONSTANTS,
    FEATURE_SET,
    FEATURES,
    NF,
    SECOND,
    feat_dt,
    features_matrix_nb,
    score_rows_nb,
)

USAGE = """usage: ticklab train [strategy=ml_scalper] [hydra overrides] [out=PATH]

Walk-forward training of ml_scalper's model on the data group's ticks (docs/ml.md).
  data=... / data.path=... data.symbol=...   the ticks (as for ticklab backtest)
  ++strategy.horizon_s=30                    label horizon and embargo, seconds
  ++strategy.model_type=gbt                  logistic (default) or gbt
  ++strategy.window_s=14400 ++strategy.train_windows=1 ++strategy.min_rows=2000
  ++strategy.trees=30 ++strategy.depth=3 ++strategy.seed=0
  out=PATH                                   the model file (default: strategy.model)
"""

LEARNING_RATE = 0.1        # the tree ensemble's shrinkage
MIN_SAMPLES_LEAF = 100
PROBA_TOL = 1e-9


@dataclass(frozen=True)
class Fold:
    """One walk-forward model: trained on the rows with ``train_from <= ts < train_to``,
    used from ``valid_from`` on (ns UTC)."""

    window_end: int
    train_from: int
    train_to: int
    valid_from: int
    complete: bool          # the data reach the window's end (else: the last, partial one)


def folds(first_ts: int, last_ts: int, window_s: int, train_windows: int,
          horizon_s: float) -> list[Fold]:
    """The walk-forward folds for ticks spanning ``first_ts .. last_ts`` (ns UTC).

    Windows tile the UTC epoch (``window_s`` seconds), so a prefix of the ticks gives the
    same folds as the whole up to its end.  The window ending at ``end`` gives a model
    trained on ``[end - train_windows * window_s, end - 2H)`` (H = ``horizon_s``): its
    labels read ticks before ``end - H``.  It is used from ``end`` when the data reach
    ``end - H`` (then that training set is complete); for the last, partial window, from
    the last tick + H (rounded up to a second), after every tick it could have read.
    """
    w_ns = int(window_s) * SECOND
    h_ns = round(horizon_s * SECOND)
    out = []
    for w in range(first_ts // w_ns, last_ts // w_ns + 1):
        end = (w + 1) * w_ns
        train_to = end - 2 * h_ns
        if train_to <= first_ts:
            continue
        complete = last_ts >= end - h_ns
        valid = end if complete else -(-(last_ts + h_ns) // SECOND) * SECOND
        out.append(Fold(end, end - train_windows * w_ns, train_to, valid, complete))
    return out


def features(ts: np.ndarray, bid: np.ndarray, ask: np.ndarray, point: float):
    """(X, ready): the strategy's feature kernel run over the ticks (row i after tick i)."""
    n = len(ts)
    X = np.zeros((n, NF), dtype=np.float64)
    ready = np.zeros(n, dtype=np.bool_)
    features_matrix_nb(np.ascontiguousarray(ts, np.int64), np.ascontiguousarray(bid, np.float64),
                       np.ascontiguousarray(ask, np.float64), 1.0 / float(point),
                       np.zeros(1, dtype=feat_dt), X, ready)
    return X, ready


def labels(ts: np.ndarray, bid: np.ndarray, ask: np.ndarray, horizon_s: float) -> np.ndarray:
    """1 when the mid of the last tick at or before ``ts + H`` is above this tick's, 0 when
    below, -1 when equal or when no later tick exists to settle it (no label)."""
    ts = np.asarray(ts, np.int64)
    mid = 0.5 * (np.asarray(bid, np.float64) + np.asarray(ask, np.float64))
    j = np.searchsorted(ts, ts + round(horizon_s * SECOND), side="right") - 1
    move = mid[j] - mid
    y = np.where(move > 0, 1, np.where(move < 0, 0, -1)).astype(np.int8)
    y[j >= len(ts) - 1] = -1                # no tick after ts + H yet: not settled
    return y


def _sklearn():
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise RuntimeError("ticklab train needs scikit-learn: pip install -e '.[ml]'") from None


def fit_logistic(X: np.ndarray, y: np.ndarray, seed: int):
    """(estimator as (scaler, model), exported params, p_up of ``X`` by scikit-learn)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X)
    lr = LogisticRegression(C=1.0, max_iter=1000, random_state=seed).fit(scaler.transform(X), y)
    params = {"mean": scaler.mean_.tolist(), "scale": scaler.scale_.tolist(),
              "coef": lr.coef_[0].tolist(), "intercept": float(lr.intercept_[0])}
    return (scaler, lr), params


def fit_gbt(X: np.ndarray, y: np.ndarray, trees: int, depth: int, seed: int):
    """A small gradient-boosted tree ensemble, exported node by node."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    est = HistGradientBoostingClassifier(
        max_iter=trees, max_depth=depth, learning_rate=LEARNING_RATE,
        min_samples_leaf=MIN_SAMPLES_LEAF, early_stopping=False, random_state=seed).fit(X, y)
    out = []
    for it in est._predictors:              # one list per boosting iteration (1 for binary)
        nodes = it[0].nodes
        if nodes["is_categorical"].any():
            raise RuntimeError("unexpected categorical split in the tree ensemble")
        leaf = nodes["is_leaf"].astype(bool)
        out.append({"feature": np.where(leaf, -1, nodes["feature_idx"]).astype(int).tolist(),
                    "threshold": np.where(leaf, 0.0, nodes["num_threshold"]).tolist(),
                    "left": np.where(leaf, 0, nodes["left"]).astype(int).tolist(),
                    "right": np.where(leaf, 0, nodes["right"]).astype(int).tolist(),
                    "value": np.where(leaf, nodes["value"], 0.0).tolist()})
    baseline = float(np.asarray(est._baseline_prediction).ravel()[0])
    return est, {"baseline": baseline, "trees": out}


def sklearn_proba(est, X: np.ndarray) -> np.ndarray:
    if isinstance(est, tuple):
        scaler, lr = est
        return lr.predict_proba(scaler.transform(X))[:, 1]
    return est.predict_proba(X)[:, 1]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def oos_stats(scores: np.ndarray, y: np.ndarray, threshold: float) -> dict:
    """Out-of-sample figures of one segment's scores against the labels."""
    from sklearn.metrics import roc_auc_score

    n = len(y)
    if n == 0:
        return {"n": 0, "auc": None, "accuracy": None, "signals": 0, "hit_rate": None}
    auc = float(roc_auc_score(y, scores)) if 0 < y.sum() < n else None
    logit = math.log(threshold / (1.0 - threshold))
    sig = np.abs(scores) > logit
    hits = ((scores > 0) == (y == 1))
    return {"n": int(n), "auc": auc, "accuracy": float(hits.mean()), "signals": int(sig.sum()),
            "hit_rate": float(hits[sig].mean()) if sig.any() else None}


def train(ts: np.ndarray, bid: np.ndarray, ask: np.ndarray, point: float, p, symbol: str = "",
          fingerprint: str = "", code_version: str = "") -> dict:
    """The model file's content (a dict) for ml_scalper's ``Params`` ``p`` on these ticks."""
    _sklearn()
    import sklearn

    ts = np.ascontiguousarray(ts, np.int64)
    if len(ts) < 2:
        raise ValueError("ticklab train: fewer than 2 ticks")
    X, ready = features(ts, bid, ask, point)
    y = labels(ts, bid, ask, p.horizon_s)
    usable = ready & (y >= 0)
    segments, skipped, fitted = [], [], []
    for fold in folds(int(ts[0]), int(ts[-1]), p.window_s, p.train_windows, p.horizon_s):
        lo, hi = np.searchsorted(ts, [fold.train_from, fold.train_to])
        rows = lo + np.flatnonzero(usable[lo:hi])
        yk = y[rows]
        if len(rows) < p.min_rows or yk.min() == yk.max():
            skipped.append({"window_end": fold.window_end, "rows": int(len(rows)),
                            "reason": f"fewer than min_rows={p.min_rows} labelled rows"
                            if len(rows) < p.min_rows else "one class only"})
            continue
        if p.model_type == "logistic":
            est, params = fit_logistic(X[rows], yk, p.seed)
        else:
            est, params = fit_gbt(X[rows], yk, p.trees, p.depth, p.seed)
        fitted.append(est)
        segments.append({"valid_from": fold.valid_from, "window_end": fold.window_end,
                         "complete": fold.complete, "train_from": fold.train_from,
                         "train_to": fold.train_to, "n_train": int(len(rows)),
                         "train_up": float(yk.mean()), "params": params})
    model = {
        "format": _ml_model.FORMAT, "version": _ml_model.VERSION, "strategy": "ml_scalper",
        "model_type": p.model_type, "horizon_s": float(p.horizon_s), "symbol": symbol,
        "point": float(point),
        "features": {"set": FEATURE_SET, "names": list(FEATURES), "constants": CONSTANTS},
        "training": {"params": p.training(), "data_fingerprint": fingerprint,
                     "first_ts": int(ts[0]), "last_ts": int(ts[-1]), "n_ticks": int(len(ts)),
                     "label": "sign of mid(last tick <= ts + horizon_s) - mid(ts); "
                              "no move: no label",
                     "embargo_s": float(p.horizon_s), "learning_rate": LEARNING_RATE,
                     "min_samples_leaf": MIN_SAMPLES_LEAF, "sklearn": sklearn.__version__,
                     "code_version": code_version},
        "segments": segments, "skipped": skipped}
    if not segments:
        raise ValueError(f"ticklab train: no window had {p.min_rows} labelled rows of both "
                         f"classes ({len(ts):,} ticks, window_s={p.window_s}): more data, or "
                         f"a lower strategy.min_rows")
    _ml_model.check(model)
    data = _ml_model.pack(model)
    bounds = [s["valid_from"] for s in segments] + [np.iinfo(np.int64).max]
    for k, (seg, est) in enumerate(zip(segments, fitted, strict=True)):
        lo, hi = np.searchsorted(ts, bounds[k:k + 2])
        rows = lo + np.flatnonzero(usable[lo:hi])
        scores = np.zeros(len(rows))
        score_rows_nb(data, k, np.ascontiguousarray(X[rows]), scores)
        if len(rows):
            diff = float(np.max(np.abs(_sigmoid(scores) - sklearn_proba(est, X[rows]))))
            if diff > PROBA_TOL:
                raise RuntimeError(f"segment {k}: the exported model's p_up differs from "
                                   f"scikit-learn's by {diff:.3g} (> {PROBA_TOL})")
        seg["test"] = oos_stats(scores, y[rows], p.threshold)
        seg["test"]["to"] = int(min(bounds[k + 1], int(ts[-1]) + 1))
    return model


def write(model: dict, path: str | Path) -> str:
    """Write the model file atomically; return its sha256."""
    raw = _ml_model.dumps(model)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(raw)
    os.replace(tmp, path)
    return _ml_model.sha256(raw)


def _utc(ns: int) -> str:
    import pandas as pd

    return pd.Timestamp(int(ns), tz="UTC").strftime("%Y-%m-%d %H:%M:%S")


def _fmt(v, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def summary(model: dict, path, digest: str) -> list[str]:
    """The lines ``ticklab train`` prints."""
    t = model["training"]
    segs = model["segments"]
    lines = [
        f"ml_scalper {model['model_type']} on {model['symbol'] or '?'}: {t['n_ticks']:,} ticks "
        f"{_utc(t['first_ts'])} .. {_utc(t['last_ts'])} UTC",
        f"label: sign of the mid move over {model['horizon_s']:g} s; walk-forward windows of "
        f"{t['params']['window_s']:,} s (UTC grid), {t['params']['train_windows']} per model, "
        f"embargo {model['horizon_s']:g} s",
        f"{'seg':>3}  {'valid from (UTC)':<19}  {'trained on (UTC)':<41}  {'rows':>7}  "
        f"{'test rows':>9}  {'AUC':>6}  {'acc':>6}  {'signals':>7}  {'hit':>6}"]
    all_scores = []
    for k, s in enumerate(segs):
        te = s["test"]
        lines.append(
            f"{k + 1:>3}  {_utc(s['valid_from']):<19}  {_utc(max(s['train_from'], t['first_ts']))}"
            f" .. {_utc(s['train_to'])}  {s['n_train']:>7,}  {te['n']:>9,}  "
            f"{_fmt(te['auc'], '.4f'):>6}  {_fmt(te['accuracy'], '.4f'):>6}  "
            f"{te['signals']:>7,}  {_fmt(te['hit_rate'], '.4f'):>6}")
        all_scores.append(te)
    n = sum(te["n"] for te in all_scores)
    if n:
        acc = sum(te["accuracy"] * te["n"] for te in all_scores if te["n"]) / n
        aucs = [te["auc"] for te in all_scores if te["auc"] is not None]
        lines.append(f"out of sample: {n:,} test rows over {len(segs)} segments, accuracy "
                     f"{acc:.4f}, mean segment AUC "
                     f"{_fmt(float(np.mean(aucs)) if aucs else None, '.4f')}")
    for s in model["skipped"]:
        lines.append(f"no model for the window ending {_utc(s['window_end'])}: {s['reason']} "
                     f"({s['rows']:,})")
    lines.append(f"wrote {path} ({len(segs)} segments), sha256 {digest}")
    return lines


def _with_strategy(overrides) -> list[str]:
    overrides = [str(o) for o in overrides]
    if not any(o.lstrip("+").startswith(("strategy=", "strategy.module=")) for o in overrides):
        overrides.insert(0, "strategy=ml_scalper")
    return overrides


def params_of(cfg):
    """ml_scalper's ``Params`` from a composed config (one clear line if it is not)."""
    from omegaconf import OmegaConf

    from sim.core_config import make_strategy_params
    from sim.strategy_loader import load_strategy

    values = OmegaConf.to_container(cfg.strategy, resolve=True)
    ref = values.pop("module", None) or values.get("name")
    values.pop("name", None)
    mod = load_strategy(ref)
    if not hasattr(mod.Params, "training"):
        raise ValueError(f"strategy {ref} has nothing to train (ticklab train "
                         f"strategy=ml_scalper)")
    return make_strategy_params(mod, values)


def train_table(table, p) -> dict:
    """Train on a ``TickTable`` (its symbol's point from the symbol specs)."""
    from sim.data.symbols import load_symbol
    from sim.store import code_version

    if table.symbol is None:
        raise ValueError("the ticks need a symbol (data.symbol=EURUSD)")
    return train(table.ts, table.bid, table.ask, load_symbol(table.symbol).point, p,
                 table.symbol, table.fingerprint, code_version())


def train_ticks(ticks, out, overrides=()) -> list[str]:
    """Train on ``ticks`` (a ``TickTable``) with the config ``overrides`` (as on the command
    line), write the model to ``out``; return the overrides that backtest it (the model and
    its sha256): ``sim.backtest(ticks, overrides=[*overrides, *train_ticks(...)])``."""
    from sim.api import compose

    overrides = _with_strategy(overrides)
    model = train_table(ticks, params_of(compose(overrides)))
    return [f"strategy.model={out}", f"strategy.model_sha256={write(model, out)}"]


def main(argv: list[str]) -> int:
    if argv and argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0
    out, overrides = None, []
    for a in argv:
        if a.startswith("out="):
            out = a[len("out="):]
        else:
            overrides.append(a)
    overrides = _with_strategy(overrides)
    from sim.api import compose
    from sim.data.errors import DataError
    from sim.pipeline import load_data

    try:
        cfg = compose(overrides)
        p = params_of(cfg)
        tables = load_data(cfg)
        if not 0 <= p.symbol < len(tables):
            raise ValueError(f"strategy.symbol={p.symbol}: the data has {len(tables)} symbol(s)")
        model = train_table(tables[p.symbol], p)
        path = Path(out or p.model)
        digest = write(model, path)
    except (DataError, ValueError, RuntimeError) as exc:
        msg = str(exc)
        print(msg if msg.startswith("ticklab train") else f"ticklab train: {msg}",
              file=sys.stderr)
        return 2
    for line in summary(model, path, digest):
        print(line)
    keep = [o for o in overrides if o.lstrip("+").startswith("strategy.")
            and not o.lstrip("+").startswith(("strategy.model=", "strategy.model_sha256="))]
    print("backtest it: ticklab backtest strategy=ml_scalper " + " ".join(
        [f"strategy.model={path}", f"strategy.model_sha256={digest}", *keep]))
    return 0
