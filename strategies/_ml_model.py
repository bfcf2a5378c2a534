"""ml_scalper's model file: JSON (never pickle), versioned, checked, packed for the kernel.

``ticklab train strategy=ml_scalper`` (sim/train.py) writes it; the strategy's
``make_data`` reads it, in a backtest and live.  The layout (docs/ml.md, "The model file"):

.. code-block:: text

    {"format": "ticklab-ml-model", "version": 1, "strategy": "ml_scalper",
     "model_type": "logistic" | "gbt", "horizon_s": 30.0,
     "symbol": "EURUSD", "point": 1e-05,
     "features": {"set": "v1", "names": [...], "constants": {...}},
     "training": {"params": {...}, "data_fingerprint": "...", "first_ts": ..., ...},
     "segments": [{"valid_from": <ns UTC>, "train_from": ..., "train_to": ...,
                   "n_train": ..., "test": {...} | null, "params": {...}}, ...],
     "skipped": [...]}

``params`` of a logistic segment: ``mean``, ``scale``, ``coef`` (one per feature) and
``intercept``; of a tree ensemble (``gbt``): ``baseline`` and ``trees``, each a dict of
equal-length lists ``feature`` (-1: a leaf), ``threshold``, ``left``, ``right``, ``value``.
The run pins the file by its sha256 (``strategy.model_sha256``): a run stores its config,
so the hash of the model it traded is recorded with it.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np

from strategies._ml_features import (
    CONSTANTS,
    FEATURE_SET,
    FEATURES,
    H_INV_POINT,
    HEADER,
    KIND_GBT,
    KIND_LOGISTIC,
    LAYOUT,
    NF,
    slot_dt,
)

FORMAT = "ticklab-ml-model"
VERSION = 1
MODEL_TYPES = {"logistic": KIND_LOGISTIC, "gbt": KIND_GBT}
# the training keys of ml_scalper's Params a model file records (``training.params``)
TRAINING_KEYS = ("window_s", "train_windows", "min_rows", "trees", "depth", "seed")
MAX_DEPTH = 12                        # a deeper tree is refused (packed trees are complete)
CHECKOUT = Path(__file__).resolve().parents[1]
RETRAIN = "ticklab train strategy=ml_scalper"


class ModelError(ValueError):
    """A model file that is missing, unreadable or not a valid ml_scalper model (one line)."""


def resolve(path: str) -> Path:
    """A model path as given (relative to the working folder), else relative to the checkout."""
    p = Path(path).expanduser()
    if p.exists() or p.is_absolute():
        return p
    alt = CHECKOUT / p
    return alt if alt.exists() else p


def dumps(model: dict) -> bytes:
    """The file's bytes: compact JSON, keys sorted, floats exact (shortest round trip)."""
    return (json.dumps(model, sort_keys=True, separators=(",", ":"), allow_nan=False)
            + "\n").encode()


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def read(path: str, expected_sha256: str = "") -> tuple[dict, str]:
    """(the checked model, its sha256) from ``path``; ``ModelError`` naming the file and what
    to do when it is missing, is not a valid model or does not have ``expected_sha256``."""
    p = resolve(path)
    if not p.is_file():
        raise ModelError(f"strategy.model={path}: no such model file; train one: {RETRAIN} "
                         f"out={path} (it prints the file's sha256 for strategy.model_sha256)")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ModelError(f"{p}: cannot read the model file ({exc.strerror})") from None
    digest = sha256(raw)
    if expected_sha256 and digest != expected_sha256.strip().lower():
        raise ModelError(f"{p}: its sha256 is {digest}, not strategy.model_sha256="
                         f"{expected_sha256}: the file changed (retrained?); restore it, or pin "
                         f"the new one with strategy.model_sha256={digest}")
    try:
        model = json.loads(raw)
        check(model)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        what = exc.args[0] if isinstance(exc, ModelError) else f"{type(exc).__name__}: {exc}"
        raise ModelError(f"{p}: not a valid ml_scalper model file ({what}); retrain it: "
                         f"{RETRAIN} out={path}") from None
    return model, digest


def _num(v, what: str, finite: bool = True) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or math.isnan(v) or \
            (finite and math.isinf(v)):
        raise ModelError(f"{what}: expected a {'finite ' if finite else ''}number, got {v!r}")
    return float(v)


def _vec(v, n: int, what: str) -> list[float]:
    if not isinstance(v, list) or len(v) != n:
        raise ModelError(f"{what}: expected a list of {n} numbers")
    return [_num(a, f"{what}[{i}]") for i, a in enumerate(v)]


def _int(v, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ModelError(f"{what}: expected a whole number, got {v!r}")
    return v


def check_tree(tree: dict, what: str) -> int:
    """A tree's arrays: equal lengths, features in range, children after their parent (so
    it is a tree and inference always reaches a leaf), finite numbers; returns its depth."""
    if not isinstance(tree, dict):
        raise ModelError(f"{what}: expected a mapping")
    cols = ("feature", "threshold", "left", "right", "value")
    n = len(tree.get("feature") or [])
    if n == 0 or any(not isinstance(tree.get(c), list) or len(tree[c]) != n for c in cols):
        raise ModelError(f"{what}: expected equal-length, non-empty lists {', '.join(cols)}")
    for i in range(n):
        f = _int(tree["feature"][i], f"{what}.feature[{i}]")
        _num(tree["threshold"][i], f"{what}.threshold[{i}]")
        _num(tree["value"][i], f"{what}.value[{i}]")
        children = [_int(tree[side][i], f"{what}.{side}[{i}]") for side in ("left", "right")]
        if f == -1:
            continue
        if not 0 <= f < NF:
            raise ModelError(f"{what}.feature[{i}]={f}: expected -1 (leaf) or 0..{NF - 1}")
        for side, c in zip(("left", "right"), children, strict=True):
            if not i < c < n:
                raise ModelError(f"{what}.{side}[{i}]={c}: a child must come after its node "
                                 f"and exist (nodes 0..{n - 1})")
    depth, seen, todo = 0, set(), [(0, 0)]
    while todo:
        i, d = todo.pop()
        if i in seen:
            raise ModelError(f"{what}: node {i} has two parents (not a tree)")
        seen.add(i)
        depth = max(depth, d)
        if tree["feature"][i] != -1:
            todo += [(tree["left"][i], d + 1), (tree["right"][i], d + 1)]
    if depth > MAX_DEPTH:
        raise ModelError(f"{what}: depth {depth}, deeper than {MAX_DEPTH}")
    return depth


def check(model: dict) -> None:
    """Refuse anything but a complete model of this format and feature set."""
    if not isinstance(model, dict) or model.get("format") != FORMAT:
        raise ModelError(f"format is not {FORMAT!r}")
    if model.get("version") != VERSION:
        raise ModelError(f"version {model.get('version')!r}: this ticklab reads version "
                         f"{VERSION}")
    if model.get("model_type") not in MODEL_TYPES:
        raise ModelError(f"model_type {model.get('model_type')!r}: expected one of "
                         f"{', '.join(MODEL_TYPES)}")
    feats = model.get("features") or {}
    if feats.get("set") != FEATURE_SET or list(feats.get("names") or []) != list(FEATURES) \
            or feats.get("constants") != CONSTANTS:
        raise ModelError(f"its features (set {feats.get('set')!r}) are not the strategy's "
                         f"(set {FEATURE_SET!r}: {', '.join(FEATURES)})")
    if _num(model.get("horizon_s"), "horizon_s") <= 0 or _num(model.get("point"), "point") <= 0:
        raise ModelError("horizon_s and point must be > 0")
    params = (model.get("training") or {}).get("params") or {}
    missing = [k for k in TRAINING_KEYS if k not in params]
    if missing:
        raise ModelError(f"training.params lacks {', '.join(missing)}")
    segs = model.get("segments")
    if not isinstance(segs, list) or not segs:
        raise ModelError("no segments (training found no window with enough rows)")
    last = None
    for k, seg in enumerate(segs):
        what = f"segments[{k}]"
        vf = _int(seg.get("valid_from"), f"{what}.valid_from")
        if last is not None and vf <= last:
            raise ModelError(f"{what}.valid_from={vf}: expected increasing times (ns UTC)")
        last = vf
        p = seg.get("params")
        if not isinstance(p, dict):
            raise ModelError(f"{what}.params: expected a mapping")
        if model["model_type"] == "logistic":
            for name in ("mean", "scale", "coef"):
                _vec(p.get(name), NF, f"{what}.params.{name}")
            if min(p["scale"]) <= 0:
                raise ModelError(f"{what}.params.scale: expected values > 0")
            _num(p.get("intercept"), f"{what}.params.intercept")
        else:
            _num(p.get("baseline"), f"{what}.params.baseline")
            trees = p.get("trees")
            if not isinstance(trees, list) or not trees:
                raise ModelError(f"{what}.params.trees: expected a non-empty list")
            for t, tree in enumerate(trees):
                check_tree(tree, f"{what}.params.trees[{t}]")


def check_params(model: dict, horizon_s: float, model_type: str, training: dict) -> None:
    """The strategy's config must describe the model it loads (the run stores the config)."""
    given = {"model_type": model_type, "horizon_s": float(horizon_s), **training}
    have = {"model_type": model["model_type"], "horizon_s": float(model["horizon_s"]),
            **{k: model["training"]["params"][k] for k in TRAINING_KEYS}}
    diff = [k for k in given if given[k] != have[k]]
    if diff:
        was = " ".join(f"strategy.{k}={have[k]}" for k in diff)
        now = ", ".join(f"{k}={given[k]}" for k in diff)
        raise ModelError(f"the model file was trained with {was}; the config says {now}: "
                         f"pass {was}, or retrain with the config's values ({RETRAIN})")


def _depth(tree: dict) -> int:
    depth, todo = 0, [(0, 0)]
    while todo:
        i, d = todo.pop()
        depth = max(depth, d)
        if tree["feature"][i] != -1:
            todo += [(tree["left"][i], d + 1), (tree["right"][i], d + 1)]
    return depth


def complete_tree(tree: dict, depth: int) -> np.ndarray:
    """A checked tree as the kernel walks it (``slot_dt`` rows): ``2^depth - 1`` split rows
    (feature, threshold) breadth-first, then ``2^depth`` leaf rows; a branch that ends
    early continues with always-left splits (+inf) down to copies of its leaf."""
    inner = (1 << depth) - 1
    out = np.zeros(2 * inner + 1, dtype=slot_dt)
    out["f"][:inner] = np.inf
    todo = [(0, 0, 0)]                       # (node, position, level)
    while todo:
        i, pos, level = todo.pop()
        f = tree["feature"][i]
        if level == depth:                   # a leaf (checked: nothing deeper)
            out[pos] = (0, tree["value"][i])
        elif f == -1:                        # a leaf above the bottom: pad
            todo += [(i, 2 * pos + 1, level + 1), (i, 2 * pos + 2, level + 1)]
        else:
            out[pos] = (f, tree["threshold"][i])
            todo += [(tree["left"][i], 2 * pos + 1, level + 1),
                     (tree["right"][i], 2 * pos + 2, level + 1)]
    return out


def _rows(ints=(), floats=()) -> np.ndarray:
    out = np.zeros(max(len(ints), len(floats)), dtype=slot_dt)
    out["i"][:len(ints)] = ints
    out["f"][:len(floats)] = floats
    return out


def _segment(model: dict, seg: dict) -> np.ndarray:
    p = seg["params"]
    if model["model_type"] == "logistic":
        coef, mean, scale = (np.asarray(p[k], np.float64) for k in ("coef", "mean", "scale"))
        w = coef / scale
        return _rows(floats=[*w, float(p["intercept"]) - float(np.sum(w * mean))])
    trees = p["trees"]
    depth = max(_depth(t) for t in trees)
    return np.concatenate([_rows([len(trees), depth], [p["baseline"]]),
                           *[complete_tree(t, depth) for t in trees]])


def pack(model: dict) -> np.ndarray:
    """The strategy's data array (``slot_dt`` rows, laid out as strategies/_ml_features.py
    says)."""
    segs = model["segments"]
    blocks = [_segment(model, s) for s in segs]
    head = np.zeros(HEADER, dtype=slot_dt)
    head["i"][:4] = (LAYOUT, NF, MODEL_TYPES[model["model_type"]], len(segs))
    head[H_INV_POINT]["f"] = 1.0 / float(model["point"])
    table = np.zeros(2 * len(segs), dtype=slot_dt)
    off = len(head) + len(table)
    for k, (seg, block) in enumerate(zip(segs, blocks, strict=True)):
        table[2 * k]["i"] = seg["valid_from"]
        table[2 * k + 1]["i"] = off
        off += len(block)
    return np.concatenate([head, table, *blocks])
