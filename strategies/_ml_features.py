"""ml_scalper's features and model inference: ONE numba implementation for training and serving.

``features_update_nb`` turns one tick into the feature vector.  ``ticklab train``
(sim/train.py) builds its training matrix by running it over the historical ticks
(``features_matrix_nb``), and the strategy (strategies/ml_scalper.py) calls the very same
kernel on every tick of its symbol, so the rows a model was fitted on and the vectors it
scores live cannot drift apart (tests/strategies/test_ml_scalper.py compares them on
real ticks).  Every feature reads the current tick and earlier ones only.

Features (set ``v1``; prices in points of the model's symbol, ``mid = (bid + ask) / 2``;
"second" means a whole second of UTC, and a tick's second is the one it falls in):

====  ==============  =================================================================
 0    ``ret_tick``    mid - the previous tick's mid
 1    ``ret_5s``      mid - the mid as of the start of the second 5 s before this tick's
                      (the last tick before it): a look-back of 5 to 6 s
 2    ``ret_30s``     the same, 30 s (30 to 31 s)
 3    ``ret_120s``    the same, 120 s (120 to 121 s)
 4    ``spread``      ask - bid
 5    ``ticks_10s``   ticks in this tick's second so far (this one included) and in the
                      10 whole seconds before it: tick intensity
 6    ``vol_100``     short-term volatility: EMA (span 100 ticks) of ``|ret_tick|``
 7    ``imbalance``   EMA (span 20 ticks) of (sign(d bid) + sign(d ask)) / 2, in [-1, 1]
 8    ``gap_s``       seconds since the previous tick
 9    ``dev_ema200``  mid - EMA(mid, span 200 ticks)
====  ==============  =================================================================

Before the first tick's second, the mid "as of" a second is the first tick's.  A vector
is *ready* once the 121 seconds before its second hold ticks' history (its first
tick is at least 121 s older, in whole seconds) and the EMAs are warm (200 ticks, the
longest span); a model never scores one that is not.  Look-backs on the whole-second grid cost a few
array reads per tick and no data-dependent loop (the per-second history is rolled when a
second ends: a ring of ``SECONDS`` mids and one of tick counts).

The model parameters travel in the strategy's data array, laid out by
strategies/_ml_model.py (``pack``): rows of ``slot_dt``, an integer ``i`` and a float
``f`` (times, counts and feature indices stay exact integers, read without conversion):

- header (``HEADER`` rows): layout version, number of features, model kind
  (``KIND_LOGISTIC``, ``KIND_GBT``), number of segments (``i``); 1 / point (``f``);
- segment table: two rows per walk-forward segment, its ``valid_from`` (ns UTC) and the
  row of its parameters (``i``);
- logistic parameters, as packed: ``w[NF]``, ``b`` (``f``), with ``w = coef / scale`` and
  ``b = intercept - sum(w * mean)``: the score is ``w . x + b``;
- tree-ensemble parameters: the number of trees (``i``) and the baseline (``f``), the
  depth D (``i``), then each tree as a complete binary tree of depth D: ``2^D - 1`` split
  rows (feature ``i``, threshold ``f``) in breadth-first order, then ``2^D`` leaf rows
  (value ``f``).  A tree that stops short of depth D is padded with splits that always go
  left (threshold +inf) down to copies of its leaf.  The walk has no data-dependent branch:
  from node k, ``k = 2k + 1 + (x[feature] > threshold)``, D times, and four trees are
  walked at once (their loads overlap); the score is the baseline plus the leaves reached
  (scikit-learn's ``x <= threshold`` goes left).

In both cases ``p_up = 1 / (1 + exp(-score))``.
"""

from __future__ import annotations

import numpy as np

from sim.core.indicators import ema_dt, ema_update_nb
from sim.jit_cache import kernel

FEATURE_SET = "v1"
FEATURES = ("ret_tick", "ret_5s", "ret_30s", "ret_120s", "spread", "ticks_10s", "vol_100",
            "imbalance", "gap_s", "dev_ema200")
NF = len(FEATURES)
SECOND = 1_000_000_000
RET_S = (5, 30, 120)                  # the return look-backs, whole seconds
INTENSITY_S = 10                      # whole seconds before this one counted in ticks_10s
VOL_SPAN = 100
IMB_SPAN = 20
EMA_SPAN = 200
SECONDS = 128                         # per-second mids kept (> 1 + the longest look-back)
COUNTS = 16                           # per-second tick counts kept (> INTENSITY_S)
# what a model file records of the features, and must match to be loaded
CONSTANTS = {"ret_s": list(RET_S), "intensity_s": INTENSITY_S, "vol_span": VOL_SPAN,
             "imbalance_span": IMB_SPAN, "ema_span": EMA_SPAN, "grid": "1s"}

_RET0, _RET1, _RET2 = RET_S[0] + 1, RET_S[1] + 1, RET_S[2] + 1
_SMASK = SECONDS - 1
_CMASK = COUNTS - 1

feat_dt = np.dtype([
    ("n", np.int64),                            # ticks seen
    ("first_sec", np.int64),                    # the first tick's second
    ("sec", np.int64), ("sec_end", np.int64),   # the last tick's second, and its end (ns)
    ("cur", np.int64),                          # ticks in that second so far
    ("win", np.int64),                          # ticks in the INTENSITY_S seconds before it
    ("prev_ts", np.int64), ("prev_mid", np.float64),
    ("prev_bid", np.float64), ("prev_ask", np.float64),
    ("vol", ema_dt), ("imb", ema_dt), ("ema", ema_dt),
    ("mids", np.float64, (SECONDS,)),           # mid as of each second's end, by second
    ("counts", np.int64, (COUNTS,)),            # ticks in each second, by second
], align=True)

# the data array's layout (strategies/_ml_model.py writes it)
slot_dt = np.dtype([("i", np.int64), ("f", np.float64)], align=True)
LAYOUT = 1
H_LAYOUT, H_NF, H_KIND, H_NSEG, H_INV_POINT = 0, 1, 2, 3, 4
HEADER = 8
KIND_LOGISTIC, KIND_GBT = 0, 1
NO_SEGMENT = np.iinfo(np.int64).max


@kernel(inline=True)
def sign_nb(v):
    """-1.0, 0.0 or 1.0, without a branch (price changes are coin flips to a predictor)."""
    return np.float64(np.int64(v > 0.0) - np.int64(v < 0.0))


@kernel(inline=True)
def step_second_nb(f, adv):
    """Stay in the last tick's second (``adv`` 0) or close it and enter the next (1),
    without a branch: a second's mid and count are written on each of its ticks (they are
    read only once it has closed), and the window's sum moves only when ``adv`` is 1."""
    s = f["sec"]
    c = f["cur"]
    f["mids"][s & _SMASK] = f["prev_mid"]
    counts = f["counts"]
    f["win"] += adv * (c - counts[(s - INTENSITY_S) & _CMASK])
    counts[s & _CMASK] = c
    f["sec"] = s + adv
    f["sec_end"] += adv * SECOND
    f["cur"] = c * (1 - adv)


@kernel
def roll_seconds_nb(f, sec):
    """Close the seconds from ``f["sec"]`` up to ``sec`` (excluded): the last tick's second
    ends with its mid and count; the empty seconds after it keep that mid, count 0."""
    mids = f["mids"]
    counts = f["counts"]
    mid = f["prev_mid"]
    s = f["sec"]
    if sec - s > SECONDS:                       # a long gap: every kept second is that mid
        mids[:] = mid
        counts[:] = 0
        f["win"] = 0
    else:
        c = f["cur"]
        while s < sec:
            mids[s & _SMASK] = mid
            f["win"] += c - counts[(s - INTENSITY_S) & _CMASK]
            counts[s & _CMASK] = c
            c = 0
            s += 1
    f["sec"] = sec
    f["sec_end"] = (sec + 1) * SECOND
    f["cur"] = 0


@kernel(inline=True)
def features_update_nb(f, ts, bid, ask, inv_point, x):
    """Feed one tick to the feature state ``f`` (a ``feat_dt`` record, zeroed = empty);
    write the feature vector into ``x`` (``NF`` values); True when it is ready."""
    mid = 0.5 * (bid + ask)
    n = f["n"]
    if n == 0:
        sec = ts // SECOND
        f["first_sec"] = sec
        f["sec"] = sec
        f["sec_end"] = (sec + 1) * SECOND
        f["mids"][:] = mid                      # before the first tick: its mid
        d_mid = 0.0
        gap = 0.0
        vol = np.nan
        imb = np.nan
    else:
        if ts >= f["sec_end"] + SECOND:         # a whole second without a tick: rare
            roll_seconds_nb(f, ts // SECOND)
        else:
            step_second_nb(f, np.int64(ts >= f["sec_end"]))
        d_mid = (mid - f["prev_mid"]) * inv_point
        gap = (ts - f["prev_ts"]) * 1e-9
        vol = ema_update_nb(f["vol"], abs(d_mid), VOL_SPAN)
        imb = ema_update_nb(f["imb"], 0.5 * (sign_nb(bid - f["prev_bid"])
                                             + sign_nb(ask - f["prev_ask"])), IMB_SPAN)
    f["n"] = n + 1
    f["cur"] += 1
    sec = f["sec"]
    mids = f["mids"]
    x[0] = d_mid
    x[1] = (mid - mids[(sec - _RET0) & _SMASK]) * inv_point
    x[2] = (mid - mids[(sec - _RET1) & _SMASK]) * inv_point
    x[3] = (mid - mids[(sec - _RET2) & _SMASK]) * inv_point
    x[4] = (ask - bid) * inv_point
    x[5] = f["win"] + f["cur"]
    x[6] = vol
    x[7] = imb
    x[8] = gap
    x[9] = (mid - ema_update_nb(f["ema"], mid, EMA_SPAN)) * inv_point
    f["prev_ts"] = ts
    f["prev_mid"] = mid
    f["prev_bid"] = bid
    f["prev_ask"] = ask
    # warm: every EMA has its span of values (the longest is EMA_SPAN), 121 s of history
    return (n + 1 >= EMA_SPAN) & (sec - f["first_sec"] >= _RET2)


@kernel
def features_matrix_nb(ts, bid, ask, inv_point, f, X, ready):
    """The training matrix: ``features_update_nb`` over the ticks, row i after tick i
    (``f``: a zeroed ``feat_dt`` array of 1; ``X``: n x NF; ``ready``: n booleans)."""
    st = f[0]
    for i in range(ts.shape[0]):
        ready[i] = features_update_nb(st, ts[i], bid[i], ask[i], inv_point, X[i])


# -- inference from the data array --

@kernel(inline=True)
def segment_from_nb(data, k):
    """When segment ``k`` starts (ns UTC), or ``NO_SEGMENT`` past the last one."""
    if k >= data[H_NSEG]["i"]:
        return NO_SEGMENT
    return data[HEADER + 2 * k]["i"]


@kernel(inline=True)
def segment_offset_nb(data, k):
    return data[HEADER + 2 * k + 1]["i"]


@kernel(inline=True)
def logistic_score_nb(data, off, x):
    s = data[off + x.shape[0]]["f"]
    for i in range(x.shape[0]):
        s += data[off + i]["f"] * x[i]
    return s


@kernel(inline=True)
def step_nb(data, b, k, x):
    """One level down tree ``b`` (its first row) from node ``k``; unsigned row numbers, so
    no negative-index wrap-around is computed on the walk's critical path."""
    node = data[b + k]
    return np.uint64(2) * k + np.uint64(1) + np.uint64(x[np.uint64(node["i"])] > node["f"])


@kernel(inline=True)
def gbt_score_nb(data, off, x):
    s = data[off]["f"]
    nt = data[off]["i"]
    depth = data[off + 1]["i"]
    block = np.uint64((2 << depth) - 1)        # 2^D - 1 splits, then 2^D leaves
    b = np.uint64(off + 2)
    t = 0
    while t + 4 <= nt:                          # four trees at once: their loads overlap
        b1 = b + block
        b2 = b1 + block
        b3 = b2 + block
        k0 = k1 = k2 = k3 = np.uint64(0)
        for _ in range(depth):
            k0 = step_nb(data, b, k0, x)
            k1 = step_nb(data, b1, k1, x)
            k2 = step_nb(data, b2, k2, x)
            k3 = step_nb(data, b3, k3, x)
        s += (data[b + k0]["f"] + data[b1 + k1]["f"]) + (data[b2 + k2]["f"] + data[b3 + k3]["f"])
        b = b3 + block
        t += 4
    while t < nt:
        k = np.uint64(0)
        for _ in range(depth):
            k = step_nb(data, b, k, x)
        s += data[b + k]["f"]
        b += block
        t += 1
    return s


@kernel(inline=True)
def score_nb(data, off, x):
    """The model's log-odds of an up move for the feature vector ``x`` (segment at ``off``)."""
    if data[H_KIND]["i"] == KIND_GBT:
        return gbt_score_nb(data, off, x)
    return logistic_score_nb(data, off, x)


@kernel
def score_rows_nb(data, k, X, out):
    """``score_nb`` of segment ``k`` for every row of ``X`` (training summaries, tests)."""
    off = segment_offset_nb(data, k)
    for i in range(X.shape[0]):
        out[i] = score_nb(data, off, X[i])
