"""The price path of MT5's "Every tick" generation inside one bar, as a numba kernel.

MetaQuotes documents (MT5 help "Real and Generated Ticks", article "The Algorithm of
Ticks' Generation within the Strategy Tester"):

- the number of ticks of a bar is its tick volume;
- tick volume 1: one tick at Close; 2: Open then Close;
- 3 or more: the path runs through *support points* (at most 11, the Open not counted,
  and never more than the tick volume allows), split into the open shadow, the range
  (Low to High) and the close shadow: 3-5-3 when there are 11, then 2-6-2, 2-5-2,
  2-4-2, 2-3-2, 1-4-1, 1-3-1, 1-2-1, 1-1-1; a shadow of zero length gives its points to
  the range;
- a bull bar goes Open -> Low -> High -> Close, a bear bar Open -> High -> Low -> Close;
  a doji (Close = Open) is taken as the opposite of the bar before it;
- ticks between support points move linearly when there are fewer ticks than price
  points between them, else they oscillate (a saw).

Where the published text stops short of the exact numbers, this module fixes them (and
docs/data.md says so): three ticks are Open, the first extreme the bar's direction
visits (the middle of the range when neither extreme is beyond Open/Close), Close; inside
a segment of p support points the price makes impulses to equal fractions of the segment,
most of them followed by a pullback half-way back (``_segment_nb``); the ticks beyond the
support points are shared evenly between the gaps; the saw adds one point to every other
tick of the linear ramp.

Prices are integers in points; the caller turns them into prices and adds the spread.
"""

from __future__ import annotations

from sim.jit_cache import kernel

MAX_SUPPORT = 11
# support points (open shadow, range, close shadow) by their total, 3..11
SHARES = ((1, 1, 1), (1, 2, 1), (1, 3, 1), (1, 4, 1), (2, 3, 2), (2, 4, 2), (2, 5, 2),
          (2, 6, 2), (3, 5, 3))


@kernel
def _round_div_nb(num, den):
    """num / den rounded half up, den > 0 (integers)."""
    return (2 * num + den) // (2 * den)


@kernel
def _segment_nb(a, b, p, out, k):
    """Write p support points from a to b (b last) into out[k:k+p]; return k + p.

    Impulses to a + (b - a) * j / m, j = 1..m, each of the first q followed by a pullback
    half-way back: odd p has m = (p + 1) / 2, q = m - 1; even p has m = p / 2 + 1,
    q = m - 2.  Every point lies between a and b.
    """
    if p % 2 == 1:
        m = (p + 1) // 2
        q = m - 1
    else:
        m = p // 2 + 1
        q = m - 2
    d = b - a
    for j in range(1, m + 1):
        out[k] = a + _round_div_nb(d * 2 * j, 2 * m)
        k += 1
        if j <= q:
            out[k] = a + _round_div_nb(d * (2 * j - 1), 2 * m)
            k += 1
    return k


@kernel
def _gap_nb(a, b, n, lo, hi, out, k):
    """Write n ticks strictly between support points a and b into out[k:k+n]; return k + n.

    Fewer ticks than price points between them: a linear ramp (distinct prices).  Else a
    saw: the ramp plus one point on every other tick, never past b; on a flat gap the
    saw steps one point into the bar (within [lo, hi]).
    """
    d = b - a if b >= a else a - b
    s = 1 if b >= a else -1
    if d == 0:
        s = 1 if a < hi else (-1 if a > lo else 0)
    for i in range(1, n + 1):
        base = (i * d) // (n + 1)
        if n < d:
            out[k] = a + s * base
        else:
            out[k] = a + s * (base + i % 2)
        k += 1
    return k


@kernel
def _three_nb(o, h, lo, c, up):
    """The middle tick of a 3-tick bar: the first extreme its direction visits."""
    if up:
        if lo < o:
            return lo
        if h > c:
            return h
    else:
        if h > o:
            return h
        if lo < c:
            return lo
    return _round_div_nb(lo + h, 2) if h > lo else o


@kernel
def every_tick_nb(o, h, lo, c, n, up, start, sup, out):
    """Write the tick prices (points) of every bar into ``out``.

    Args:
        o, h, lo, c: bar prices in points (int64).
        n: ticks per bar (tick volume, >= 1).
        up: 1 for a bar taken as rising (bull, or a doji after a falling bar), else 0.
        start: index of each bar's first tick in ``out`` (cumulative ``n``).
        sup: scratch, int64[MAX_SUPPORT + 1].
        out: int64[sum(n)], filled.
    """
    for i in range(len(o)):
        k = start[i]
        v = n[i]
        if v == 1:
            out[k] = c[i]
            continue
        out[k] = o[i]
        if v == 2:
            out[k + 1] = c[i]
            continue
        if v == 3:
            out[k + 1] = _three_nb(o[i], h[i], lo[i], c[i], up[i])
            out[k + 2] = c[i]
            continue
        first = lo[i] if up[i] else h[i]
        second = h[i] if up[i] else lo[i]
        total = min(v - 1, MAX_SUPPORT)
        a, r, b = SHARES[total - 3]
        if first == o[i]:
            r += a
            a = 0
        if second == c[i]:
            r += b
            b = 0
        sup[0] = o[i]
        j = _segment_nb(o[i], first, a, sup, 1) if a else 1
        j = _segment_nb(first, second, r, sup, j)
        if b:
            _segment_nb(second, c[i], b, sup, j)
        extra = v - 1 - total
        k += 1
        for g in range(1, total + 1):
            m = (extra * g) // total - (extra * (g - 1)) // total
            k = _gap_nb(sup[g - 1], sup[g], m, lo[i], h[i], out, k)
            out[k] = sup[g]
            k += 1
