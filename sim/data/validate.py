"""Data-quality checks on a ``Chunk``, handled by the policies of ``errors.POLICY_CHOICES``.

Problems (one numba pass, ``mark_problems_nb``, marks each row with a bit per kind):

- ``bad_price``: bid or ask NaN, infinite, zero or negative;
- ``crossed``: bid > ask (on rows with good prices);
- ``backwards``: a timestamp earlier than the latest one before it (a running maximum, so
  dropping the marked rows always leaves a non-decreasing clock);
- ``duplicate``: same ts, bid and ask as the previous row;
- ``spike``: a one-tick excursion.  With ``ref`` = the mid of the last accepted row and
  ``thr = max(spike_sigma x sigma, spike_pct x ref)``, where ``sigma`` = 1.4826 x the MAD of
  the non-zero mid-to-mid moves of the chunk (a robust tick-move size), a row is a spike
  when its mid is more than ``thr`` away from ``ref`` **and the next good row comes back**
  within ``thr`` of ``ref``.  Defaults ``spike_sigma=50``, ``spike_pct=0.01`` (1 %).  A real
  fast move (news, a weekend gap) does not come back on the next tick, so it is never
  flagged; for FX the 1 % floor dominates (50 x sigma is a few tens of pips).  A run of
  several bad ticks in a row is not caught by this rule.

Policies (``policy`` maps kind -> action, defaults ``errors.DEFAULT_POLICY``):
``error`` raises a ``DataError`` naming the file, the first line, the count and how to
change the policy; ``drop`` removes the rows, ``keep`` keeps them, ``sort`` (backwards
only) stable-sorts the chunk by time; each of these records an ``Issue`` (count and the
first few line numbers).  All error checks run before anything is changed, and the loader
validates every chunk before anything is written to the cache.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.data.errors import POLICY_CHOICES, DataError, Issue, resolve_policy
from sim.data.formats import Chunk

BITS = {"bad_price": 1, "crossed": 2, "backwards": 4, "duplicate": 8, "spike": 16}
PAST = {"drop": "dropped", "keep": "kept", "sort": "sorted"}
DESCRIBE = {
    "bad_price": ("with a NaN, zero or negative bid/ask", "positive finite prices"),
    "crossed": ("with bid > ask", "bid <= ask"),
    "backwards": ("earlier than an earlier row", "non-decreasing timestamps"),
    "duplicate": ("repeating the previous row (same ts, bid and ask)", "distinct rows"),
    "spike": ("that jump away and straight back (one-tick spikes)", "no one-tick spikes"),
}
MAX_SIGMA_SAMPLE = 1_000_000
FIRST_LINES = 5


@njit(cache=True)
def move_sigma_nb(bid, ask):
    """1.4826 x MAD of the non-zero mid-to-mid moves over good rows (strided sample)."""
    n = len(bid)
    d = np.empty(n, np.float64)
    k = 0
    prev = np.nan
    for i in range(n):
        b, a = bid[i], ask[i]
        if not (b > 0 and a > 0 and np.isfinite(b) and np.isfinite(a)):
            continue
        m = 0.5 * (a + b)
        if not np.isnan(prev) and m != prev:
            d[k] = m - prev
            k += 1
        prev = m
    if k == 0:
        return 0.0
    step = max(1, k // MAX_SIGMA_SAMPLE)
    s = d[:k:step]
    med = np.median(s)
    return 1.4826 * np.median(np.abs(s - med))


@njit(cache=True)
def mark_problems_nb(ts, bid, ask, sigma, spike_sigma, spike_pct):
    """Return (a uint8 per row: OR of the ``BITS`` of its problems, any move > threshold).

    With ``sigma=0`` the threshold is its floor ``spike_pct x ref``: when no move exceeds
    it, no larger ``sigma`` can find a spike either, so ``sigma`` need not be computed.
    """
    n = len(ts)
    out = np.zeros(n, np.uint8)
    good = np.empty(n, np.bool_)
    for i in range(n):
        b, a = bid[i], ask[i]
        good[i] = b > 0 and a > 0 and np.isfinite(b) and np.isfinite(a)
    tmax = np.iinfo(np.int64).min
    ref = np.nan
    big = False
    for i in range(n):
        m = 0
        b, a = bid[i], ask[i]
        if not good[i]:
            m |= 1
        elif b > a:
            m |= 2
        if i > 0 and ts[i] < tmax:
            m |= 4
        if ts[i] > tmax:
            tmax = ts[i]
        if i > 0 and ts[i] == ts[i - 1] and b == bid[i - 1] and a == ask[i - 1]:
            m |= 8
        if good[i]:
            mid = 0.5 * (a + b)
            if np.isnan(ref):
                ref = mid
            else:
                thr = max(spike_sigma * sigma, spike_pct * ref)
                if abs(mid - ref) > thr:
                    big = True
                    j = i + 1
                    while j < n and not good[j]:
                        j += 1
                    if j < n and abs(0.5 * (bid[j] + ask[j]) - ref) <= thr:
                        m |= 16
                    else:
                        ref = mid
                else:
                    ref = mid
        out[i] = m
    return out, big


def _fix_text(kind: str) -> str:
    others = [a for a in POLICY_CHOICES[kind] if a != "error"]
    return (f"fix the file, or choose another policy for {kind!r} ({' or '.join(others)}): "
            f"Python load_ticks(..., policy={{'{kind}': '{others[0]}'}}), "
            f"CLI --policy {kind}={others[0]}")


def validate_chunk(chunk: Chunk, policy: dict[str, str] | None = None,
                   spike_sigma: float = 50.0, spike_pct: float = 0.01
                   ) -> tuple[Chunk, list[Issue]]:
    """Check ``chunk`` and apply ``policy``; return the (possibly reduced) chunk and issues.

    Raises:
        DataError: a problem whose policy is ``error``.
    """
    pol = resolve_policy(policy)
    cols = chunk.columns
    ts = np.ascontiguousarray(cols["ts"], np.int64)
    bid = np.ascontiguousarray(cols["bid"], np.float64)
    ask = np.ascontiguousarray(cols["ask"], np.float64)
    n = len(ts)
    if n == 0:
        return chunk, []
    marks, big = mark_problems_nb(ts, bid, ask, 0.0, float(spike_sigma), float(spike_pct))
    if big and spike_sigma > 0:
        sigma = move_sigma_nb(bid, ask)
        marks, _ = mark_problems_nb(ts, bid, ask, sigma, float(spike_sigma), float(spike_pct))
    if not marks.any():
        return chunk, []
    found = {k: np.flatnonzero(marks & bit) for k, bit in BITS.items()}
    found = {k: v for k, v in found.items() if len(v)}
    for kind, rows in found.items():
        if pol[kind] == "error":
            r = int(rows[0])
            desc, expected = DESCRIBE[kind]
            raise DataError(chunk.path, chunk.line_of(r),
                            f"{len(rows)} row(s) {desc}; first: ts={int(ts[r])} bid={bid[r]!r} "
                            f"ask={ask[r]!r}", expected, _fix_text(kind))
    issues = []
    keep = np.ones(n, bool)
    do_sort = False
    for kind, rows in found.items():
        action = pol[kind]
        lines = tuple(chunk.line_of(int(r)) for r in rows[:FIRST_LINES])
        issues.append(Issue(kind, PAST[action], len(rows), chunk.path, lines))
        if action == "drop":
            keep[rows] = False
        elif action == "sort":
            do_sort = True
    if keep.all() and not do_sort:
        return chunk, issues
    order = np.flatnonzero(keep)
    if do_sort:
        order = order[np.argsort(ts[order], kind="stable")]
    line_no = (chunk.lines[order] if chunk.lines is not None
               else chunk.first_line + order.astype(np.int64))
    out = Chunk(chunk.path, {k: v[order] for k, v in cols.items()},
                first_line=int(line_no[0]) if len(line_no) else chunk.first_line, lines=line_no)
    for attr in ("issues", "clock"):
        if hasattr(chunk, attr):
            setattr(out, attr, getattr(chunk, attr))
    return out, issues
