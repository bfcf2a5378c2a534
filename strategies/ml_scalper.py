"""ml_scalper: trade a model's probability that mid rises over the next ``horizon_s`` (docs/ml.md).

- Every tick of the strategy's symbol updates the features (strategies/_ml_features.py:
  returns over 1 tick, 5 s, 30 s, 120 s, spread, tick intensity, short-term volatility,
  bid/ask change imbalance, tick gap, distance to an EMA): the same kernel that built the
  training matrix in ``ticklab train``.
- The model file (``model``, pinned by ``model_sha256``) holds walk-forward segments, each
  valid from an instant on; a tick uses the last segment whose ``valid_from`` <= its time,
  a model trained on data that ended at least ``horizon_s`` before that instant.  Before
  the first segment there is no trading.
- Flat, no order in flight, a segment in force, the features ready and the spread at most
  ``max_spread_points`` (0: any): ``p_up > threshold`` buys ``lots``, ``p_up < 1 -
  threshold`` sells them (market orders), with a stop loss ``sl_points`` and a take profit
  ``tp_points`` from the entry quote (0: none); not while the spread plus the symbol's
  stops level exceeds either (the venue measures them from the closing side and would
  refuse the order).  The rule is evaluated on the score
  (log-odds): ``score > logit(threshold)`` buys, ``score < -logit(threshold)`` sells.
- In a position: hold until its SL or TP, or ``hold_s`` (0: ``horizon_s``) after the entry
  signal, when it is closed at market.  One position at a time.

The training keys (``model_type``, ``horizon_s``, ``window_s``, ``train_windows``,
``min_rows``, ``trees``, ``depth``, ``seed``) are read by ``ticklab train``; a backtest
checks that they are the model file's, so a stored run's config describes its model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.core.enums import Action, EventKind, OrderType
from sim.core.intents import intent_nb
from sim.core.strategy_api import register
from sim.jit_cache import kernel
from strategies import _ml_model
from strategies._ml_features import (
    H_INV_POINT,
    NF,
    feat_dt,
    features_update_nb,
    score_nb,
    segment_from_nb,
    segment_offset_nb,
)


@dataclass(frozen=True)
class Params:
    """Args:
    model: the model file ``ticklab train`` wrote (JSON; relative to the working folder,
        else to the checkout).
    model_sha256: its sha256, as ``ticklab train`` printed it: required, so that the
        run's stored config names the exact model it traded.
    model_type: ``logistic`` or ``gbt`` (a small gradient-boosted tree ensemble).
    horizon_s: the label's horizon (the model predicts the sign of the mid move over the
        next ``horizon_s`` seconds) and the walk-forward embargo, seconds.
    threshold: trade when p_up > threshold (buy) or p_up < 1 - threshold (sell); in (0.5, 1).
    sl_points, tp_points: stop loss and take profit from the entry quote, points (0: none).
    hold_s: close a position this long after its entry signal (0: ``horizon_s``).
    max_spread_points: no entry when the spread is wider (0: no limit).
    lots: position size, lots.
    symbol: index of the traded symbol among the replayed ones.
    window_s: walk-forward window (training): models are trained per window of this many
        seconds, aligned on the UTC epoch, each used from the end of its window on.
    train_windows: windows each model trains on (the last ``train_windows``).
    min_rows: fewest training rows for a window to get a model.
    trees, depth: the tree ensemble's trees and their depth (``model_type=gbt``).
    seed: the training's random seed.
    """

    model: str = "models/ml_scalper.json"
    model_sha256: str = ""
    model_type: str = "logistic"
    horizon_s: float = 30.0
    threshold: float = 0.6
    sl_points: float = 20.0
    tp_points: float = 20.0
    hold_s: float = 0.0
    max_spread_points: float = 0.0
    lots: float = 0.1
    symbol: int = 0
    window_s: int = 14_400
    train_windows: int = 1
    min_rows: int = 2_000
    trees: int = 30
    depth: int = 3
    seed: int = 0

    def __post_init__(self):
        if self.model_type not in _ml_model.MODEL_TYPES:
            raise ValueError(f"model_type={self.model_type!r}: expected one of "
                             f"{', '.join(_ml_model.MODEL_TYPES)}")
        if not 0.5 < self.threshold < 1.0:
            raise ValueError(f"threshold={self.threshold}: expected 0.5 < threshold < 1")
        if not 1.0 <= self.horizon_s <= 3_600.0:
            raise ValueError(f"horizon_s={self.horizon_s}: expected 1 to 3600 seconds")
        for name in ("sl_points", "tp_points", "hold_s", "max_spread_points"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}={getattr(self, name)}: expected >= 0")
        if self.lots <= 0:
            raise ValueError(f"lots={self.lots}: expected > 0")
        if self.window_s < 60 or self.window_s <= 2 * self.horizon_s:
            raise ValueError(f"window_s={self.window_s}: expected >= 60 s and more than 2 x "
                             f"horizon_s (the embargo)")
        if self.train_windows < 1 or self.min_rows < 10:
            raise ValueError("train_windows >= 1 and min_rows >= 10 expected")
        if not 1 <= self.trees <= 1_000 or not 1 <= self.depth <= 8:
            raise ValueError(f"trees={self.trees}, depth={self.depth}: expected 1..1000 "
                             f"trees of depth 1..8")

    def training(self) -> dict:
        """The keys a model file records of its training (``training.params``)."""
        return {k: getattr(self, k) for k in _ml_model.TRAINING_KEYS}


params_dt = np.dtype([("lots", np.float64), ("sl_points", np.float64),
                      ("tp_points", np.float64), ("logit_thr", np.float64),
                      ("max_spread", np.float64), ("hold_ns", np.int64),
                      ("symbol", np.int32)], align=True)
state_dt = np.dtype([
    ("feat", feat_dt), ("x", np.float64, (NF,)),      # the features after the last tick
    ("ready", np.bool_), ("inited", np.bool_), ("seg", np.int64),          # the segment in force (-1: none)
    ("next_from", np.int64), ("off", np.int64),       # next segment's start; params offset
    ("exit_ts", np.int64),                             # close the position from then on
    ("longs", np.int64), ("shorts", np.int64), ("exits", np.int64),
], align=True)


def make_params(p: Params) -> np.ndarray:
    rec = np.zeros(1, dtype=params_dt)
    hold = p.hold_s if p.hold_s > 0 else p.horizon_s
    rec[0] = (p.lots, p.sl_points, p.tp_points, math.log(p.threshold / (1.0 - p.threshold)),
              p.max_spread_points, round(hold * 1e9), p.symbol)
    return rec


def make_state() -> np.ndarray:
    return np.zeros(1, dtype=state_dt)


def make_data(p: Params) -> np.ndarray:
    """The model file's segments, checked and packed (strategies/_ml_model.py)."""
    model, digest = _ml_model.read(p.model, p.model_sha256)
    if not p.model_sha256:
        raise _ml_model.ModelError(
            f"strategy.model_sha256 is not set: a run pins the model it trades (the run "
            f"stores it with its config); for {p.model}: strategy.model_sha256={digest}")
    _ml_model.check_params(model, p.horizon_s, p.model_type, p.training())
    return _ml_model.pack(model)


@kernel
def on_event_nb(sstate, params, data, e, core, intents):
    """Features on every tick of the symbol; entries when flat, time exits when not."""
    st = sstate[0]
    pr = params[0]
    if e["kind"] != EventKind.TICK or e["symbol"] != pr["symbol"]:
        return 0
    ts = e["ts"]
    bid = e["bid"]
    ask = e["ask"]
    x = st["x"]
    ready = features_update_nb(st["feat"], ts, bid, ask, data[H_INV_POINT]["f"], x)
    st["ready"] = ready
    if not st["inited"]:
        st["inited"] = True
        st["seg"] = -1
        st["next_from"] = segment_from_nb(data, 0)
    while ts >= st["next_from"]:                       # a new segment is in force
        st["seg"] += 1
        st["off"] = segment_offset_nb(data, st["seg"])
        st["next_from"] = segment_from_nb(data, st["seg"] + 1)
    s = pr["symbol"]
    q = core["quote"][s]
    if abs(q["working"]) > 1e-9:                       # an order in flight: wait for it
        return 0
    if abs(q["net"]) > 1e-9:                           # in a position: SL/TP, or time
        if ts < st["exit_ts"]:
            return 0
        book = core["book"]
        n = 0
        for i in range(book.shape[0]):
            b = book[i]
            if b["active"] and b["symbol"] == s and b["closing"] <= 0.0 \
                    and n < intents.shape[0]:
                otype = OrderType.SELL if b["side"] > 0 else OrderType.BUY
                intent_nb(intents[n], Action.CLOSE, s, otype, b["volume"], 0.0, 0.0, 0.0, 0,
                          b["ticket"])
                n += 1
        st["exits"] += n
        return n
    if st["seg"] < 0 or not ready:
        return 0
    spec = core["spec"][s]
    point = spec["point"]
    spread = (ask - bid) / point
    if pr["max_spread"] > 0.0 and spread > pr["max_spread"] + 1e-9:
        return 0
    # SL and TP are measured by the venue from the closing side (bid for a buy): they need
    # the spread plus the stops level (at least 1 point) of room, else it refuses the order
    room = spread + max(spec["stops_level"], 1) - 1e-9
    if (pr["sl_points"] > 0.0 and room > pr["sl_points"]) or \
            (pr["tp_points"] > 0.0 and room > pr["tp_points"]):
        return 0
    score = score_nb(data, st["off"], x)
    if score > pr["logit_thr"]:
        buy = True
        st["longs"] += 1
    elif score < -pr["logit_thr"]:
        buy = False
        st["shorts"] += 1
    else:
        return 0
    px = ask if buy else bid
    d = 1.0 if buy else -1.0
    sl = px - d * pr["sl_points"] * point if pr["sl_points"] > 0.0 else 0.0
    tp = px + d * pr["tp_points"] * point if pr["tp_points"] > 0.0 else 0.0
    intent_nb(intents[0], Action.NEW, s, OrderType.BUY if buy else OrderType.SELL,
              pr["lots"], 0.0, sl, tp, 0, 0)
    st["exit_ts"] = ts + pr["hold_ns"]
    return 1


register(params_dt, on_event_nb)
