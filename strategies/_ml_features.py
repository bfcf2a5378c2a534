"""ml_scalper's features and model inference: ONE numba implementation for training and serving.

``features_update_nb`` turns one tick into the feature vector.  ``ticklab train``
(sim/train.py) builds its training matrix by running it over the historical ticks
(``features_matrix_nb``), and the strategy (strategies/ml_scalper.py) calls the very same
kernel on every tick of its symbol, so the rows a model was fitted on and the vectors it
scores live cannot drift apart (tests/strategies/test_ml_scalper.py compares them on
real ticks).  Every feature reads the current tick and earlier ones only.

Features (set ``v1``; prices in points of the model's symbol, ``mid = (bid + ask) / 2``):

====  ==============  =================================================================
 0    ``ret_tick``    mid - the previous tick's mid
 1    ``ret_5s``      mid - the mid of the last tick at or before ts - 5 s
 2    ``ret_30s``     the same, 30 s
 3    ``ret_120s``    the same, 120 s
 4    ``spread``      ask - bid
 5    ``ticks_10s``   ticks in (ts - 10 s, ts], this one included (tick intensity)
 6    ``vol_100``     population std of the last 100 ``ret_tick`` values
 7    ``imbalance``   EMA (span 20 ticks) of (sign(d bid) + sign(d ask)) / 2, in [-1, 1]
 8    ``gap_s``       seconds since the previous tick
 9    ``dev_ema200``  mid - EMA(mid, span 200 ticks)
====  ==============  =================================================================

A vector is *ready* once 120 s of ticks lie behind it and the windows are full (200
ticks); a model never scores one that is not.  The returns look back through a ring of
the last ``CAP`` ticks: when more than ``CAP`` ticks arrived within 120 s, the base is
the oldest tick kept (the same in training and serving).

The model parameters travel in the strategy's data array (``float64``), laid out by
strategies/_ml_model.py (``pack``):

- header (``HEADER`` values): layout version, number of features, model kind
  (``KIND_LOGISTIC``, ``KIND_GBT``), number of segments, 1 / point;
- segment table: per walk-forward segment, ``valid_from`` (whole seconds since the epoch,
  exact in a float64) and the offset of its parameters;
- logistic parameters: mean[NF], scale[NF], coef[NF], intercept: the score is
  ``sum(coef * (x - mean) / scale) + intercept``;
- tree-ensemble parameters: baseline, number of trees, number of nodes, the trees' root
  nodes, then 5 values per node (feature, threshold, left, right, value; feature -1 is a
  leaf): the score is ``baseline + sum of the leaves reached`` (``x[f] <= threshold`` goes
  left).

In both cases ``p_up = 1 / (1 + exp(-score))``.
"""

from __future__ import annotations

import numpy as np

from sim.core.indicators import ema_dt, ema_update_nb, rolling_dt, rolling_update_nb, std_nb
from sim.jit_cache import kernel

FEATURE_SET = "v1"
FEATURES = ("ret_tick", "ret_5s", "ret_30s", "ret_120s", "spread", "ticks_10s", "vol_100",
            "imbalance", "gap_s", "dev_ema200")
NF = len(FEATURES)
SECOND = 1_000_000_000
RET_S = (5, 30, 120)                  # the return horizons, seconds (increasing)
INTENSITY_S = 10
VOL_WINDOW = 100
IMB_SPAN = 20
EMA_SPAN = 200
CAP = 4096                            # ticks the ring keeps (a power of 2)
# what a model file records of the features, and must match to be loaded
CONSTANTS = {"ret_s": list(RET_S), "intensity_s": INTENSITY_S, "vol_window": VOL_WINDOW,
             "imbalance_span": IMB_SPAN, "ema_span": EMA_SPAN, "ring": CAP}

_MASK = CAP - 1
_RET_NS = (RET_S[0] * SECOND, RET_S[1] * SECOND, RET_S[2] * SECOND)
_INTENSITY_NS = INTENSITY_S * SECOND
_WARM_NS = RET_S[-1] * SECOND

feat_dt = np.dtype([
    ("n", np.int64),                            # ticks seen
    ("first_ts", np.int64),
    ("prev_ts", np.int64), ("prev_mid", np.float64),
    ("prev_bid", np.float64), ("prev_ask", np.float64),
    ("j", np.int64, (len(RET_S),)),             # per horizon: last tick at or before ts - h
    ("k", np.int64),                            # first tick inside the intensity window
    ("vol", rolling_dt), ("imb", ema_dt), ("ema", ema_dt),
    ("ring_ts", np.int64, (CAP,)), ("ring_mid", np.float64, (CAP,)),
], align=True)

# the data array's layout (strategies/_ml_model.py writes it)
LAYOUT = 1
H_LAYOUT, H_NF, H_KIND, H_NSEG, H_INV_POINT = 0, 1, 2, 3, 4
HEADER = 8
KIND_LOGISTIC, KIND_GBT = 0, 1
NODE = 5                                       # feature, threshold, left, right, value
NO_SEGMENT = np.iinfo(np.int64).max


@kernel(inline=True)
def sign_nb(v):
    return 1.0 if v > 0.0 else (-1.0 if v < 0.0 else 0.0)


@kernel(inline=True)
def features_update_nb(f, ts, bid, ask, inv_point, x):
    """Feed one tick to the feature state ``f`` (a ``feat_dt`` record, zeroed = empty);
    write the feature vector into ``x`` (``NF`` values); True when it is ready."""
    mid = 0.5 * (bid + ask)
    n = f["n"]
    ring_ts = f["ring_ts"]
    ring_mid = f["ring_mid"]
    ring_ts[n & _MASK] = ts
    ring_mid[n & _MASK] = mid
    if n == 0:
        f["first_ts"] = ts
        d_mid = 0.0
        gap = 0.0
        imb = np.nan
    else:
        d_mid = (mid - f["prev_mid"]) * inv_point
        gap = (ts - f["prev_ts"]) * 1e-9
        imb = ema_update_nb(f["imb"], 0.5 * (sign_nb(bid - f["prev_bid"])
                                             + sign_nb(ask - f["prev_ask"])), IMB_SPAN)
        rolling_update_nb(f["vol"], d_mid, VOL_WINDOW)
    n += 1
    f["n"] = n
    lo = n - CAP if n > CAP else 0              # the oldest tick the ring still holds
    jj = f["j"]
    for h in range(len(_RET_NS)):
        cut = ts - _RET_NS[h]
        j = max(jj[h], lo)
        while j + 1 < n and ring_ts[(j + 1) & _MASK] <= cut:
            j += 1
        jj[h] = j
        x[1 + h] = (mid - ring_mid[j & _MASK]) * inv_point
    cut = ts - _INTENSITY_NS
    k = max(f["k"], lo)
    while ring_ts[k & _MASK] <= cut:            # stops at this tick at the latest
        k += 1
    f["k"] = k
    x[0] = d_mid
    x[4] = (ask - bid) * inv_point
    x[5] = n - k
    x[6] = std_nb(f["vol"])
    x[7] = imb
    x[8] = gap
    x[9] = (mid - ema_update_nb(f["ema"], mid, EMA_SPAN)) * inv_point
    f["prev_ts"] = ts
    f["prev_mid"] = mid
    f["prev_bid"] = bid
    f["prev_ask"] = ask
    return ts - f["first_ts"] >= _WARM_NS and x[6] == x[6] and x[7] == x[7] and x[9] == x[9]


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
    if k >= np.int64(data[H_NSEG]):
        return NO_SEGMENT
    return np.int64(data[HEADER + 2 * k]) * SECOND


@kernel(inline=True)
def segment_offset_nb(data, k):
    return np.int64(data[HEADER + 2 * k + 1])


@kernel(inline=True)
def logistic_score_nb(data, off, x):
    nf = x.shape[0]
    s = 0.0
    for i in range(nf):
        s += data[off + 2 * nf + i] * ((x[i] - data[off + i]) / data[off + nf + i])
    return s + data[off + 3 * nf]


@kernel(inline=True)
def gbt_score_nb(data, off, x):
    s = data[off]
    nt = np.int64(data[off + 1])
    base = off + 3 + nt
    for t in range(nt):
        k = np.int64(data[off + 3 + t])
        while True:
            p = base + NODE * k
            f = np.int64(data[p])
            if f < 0:
                s += data[p + 4]
                break
            k = np.int64(data[p + 2]) if x[f] <= data[p + 1] else np.int64(data[p + 3])
    return s


@kernel(inline=True)
def score_nb(data, off, x):
    """The model's log-odds of an up move for the feature vector ``x`` (segment at ``off``)."""
    if data[H_KIND] == KIND_GBT:
        return gbt_score_nb(data, off, x)
    return logistic_score_nb(data, off, x)


@kernel
def score_rows_nb(data, k, X, out):
    """``score_nb`` of segment ``k`` for every row of ``X`` (training summaries, tests)."""
    off = segment_offset_nb(data, k)
    for i in range(X.shape[0]):
        out[i] = score_nb(data, off, X[i])
