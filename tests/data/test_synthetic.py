"""Ticks from bars as MT5's tester generates them (sim.data.synthetic, sim.data.every_tick).

The hand cases write prices in points above 1.10000 (EURUSD, 5 digits) and times in
seconds after the bar opens; every expected sequence is worked out by hand in the
comments from the rules in docs/data.md, not by calling the code.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.data import load_bars
from sim.data.bars import bar_period_ns, make_bars
from sim.data.errors import DataError
from sim.data.synthetic import bull_bars, ticks_from_bars

T0 = 1_700_000_040 * 10**9            # a minute boundary (2023-11-14 22:14 UTC)
MIN = 60 * 10**9
BASE = 110_000                        # 1.10000 in points


def bars(rows, period=1, symbol="EURUSD"):
    """rows: (open, high, low, close, tick_volume, spread) in points above 1.10000, one a minute."""
    a = np.array(rows, dtype=np.int64)
    df = make_bars({"ts": T0 + np.arange(len(a)) * period * MIN,
                    **{k: (BASE + a[:, i]) / 1e5 for i, k in enumerate(("open", "high", "low",
                                                                        "close"))},
                    "tick_volume": a[:, 4], "spread": a[:, 5]})
    df["ts"] = pd.to_datetime(df["ts"], unit="ns", utc=True)
    df.attrs.update(symbol=symbol, source="hst", path="hand.hst", server_tz="UTC",
                    period=period)
    return df


def path_of(table):
    """(seconds after T0, bid in points above 1.10000) per tick."""
    secs = (table.ts - T0) / 1e9
    return list(zip(secs.tolist(), (np.rint(table.bid * 1e5) - BASE).astype(int).tolist(),
                    strict=True))


BULL = (0, 20, -10, 10)       # open 1.10000, high 1.10020, low 1.09990, close 1.10010
BEAR = (10, 10, -50, -40)     # no upper shadow


def test_open_only_is_one_tick_per_bar_at_its_open():
    t = ticks_from_bars(bars([(*BULL, 20, 5), (*BEAR, 3, 7)]), "open_only")
    assert path_of(t) == [(0, 0), (60, 10)]
    # ask = bid + the bar's spread x point
    assert np.allclose(t.ask - t.bid, [5e-5, 7e-5], rtol=0, atol=1e-12)
    assert t.synthetic == "open_only" and t.source == "synthetic:open_only from hst"


def test_ohlc_bull_visits_low_first_bear_high_first():
    t = ticks_from_bars(bars([(*BULL, 20, 5), (*BEAR, 3, 5)]), "ohlc")
    # bull: O, L, H, C at 0, 15, 30, 45 s; bear: O, H, L, C one minute later
    assert path_of(t) == [(0, 0), (15, -10), (30, 20), (45, 10),
                          (60, 10), (75, 10), (90, -50), (105, -40)]


def test_doji_goes_against_the_bar_before_it():
    doji = (0, 5, -5, 0)
    t = ticks_from_bars(bars([(*doji, 4, 1), (*BULL, 4, 1), (*doji, 4, 1), (*doji, 4, 1)]),
                        "ohlc")
    # first doji: no bar before it -> rising (L first); after the bull bar -> falling
    # (H first); after that falling doji -> rising again
    assert [p for _, p in path_of(t)] == [0, -5, 5, 0, 0, -10, 20, 10,
                                          0, 5, -5, 0, 0, -5, 5, 0]
    assert bull_bars(np.array([5, 0, 5, 5]), np.array([5, 9, 5, 5])).tolist() == \
        [True, True, False, True]


@pytest.mark.parametrize(("volume", "expected"), [
    (1, [(0, 10)]),                                    # one tick: Close
    (2, [(0, 0), (30, 10)]),                           # two: Open, Close
    (3, [(0, 0), (20, -10), (40, 10)]),                # bull: the low comes first
    (4, [(0, 0), (15, -10), (30, 20), (45, 10)]),      # 1-1-1 support points: O L H C
    # 1-2-1: open shadow [L]; range L->H in 2 points: half-way (-10 + 30/2 = 5), H;
    # close shadow [C]
    (5, [(0, 0), (12, -10), (24, 5), (36, 20), (48, 10)]),
])
def test_every_tick_small_volumes(volume, expected):
    assert path_of(ticks_from_bars(bars([(*BULL, volume, 5)]), "every_tick")) == expected


def test_every_tick_three_ticks_follow_the_bar_scheme():
    rows = [(0, 20, 0, 10, 3, 1),     # bull, no lower shadow: O, H, C
            (10, 10, -50, -40, 3, 1),  # bear, no upper shadow: O, L, C
            (0, 10, 0, 10, 3, 1),     # bull marubozu: O, middle of the range, C
            (0, 0, 0, 0, 3, 1)]       # flat
    got = [p for _, p in path_of(ticks_from_bars(bars(rows), "every_tick"))]
    assert got == [0, 20, 10, 10, -50, -40, 0, 5, 10, 0, 0, 0]


def test_every_tick_eleven_support_points_3_5_3():
    # volume 12: the Open + 11 support points, none between them.
    # open shadow 0 -> L=-10 on 3 points (2 impulses of -5, a pullback half-way back):
    #   -5, -2 (-2.5 rounded half up), -10
    # range -10 -> 20 on 5 points (impulses of 10, pullbacks of 5): 0, -5, 10, 5, 20
    # close shadow 20 -> C=10 on 3 points: 15, 18 (17.5 rounded up), 10
    got = path_of(ticks_from_bars(bars([(*BULL, 12, 5)]), "every_tick"))
    assert [p for _, p in got] == [0, -5, -2, -10, 0, -5, 10, 5, 20, 15, 18, 10]
    assert [s for s, _ in got] == [k * 5 for k in range(12)]       # 60 s / 12 ticks


def test_every_tick_ticks_between_support_points_are_linear():
    # volume 20: 8 ticks beyond the 11 support points, into gaps 2, 3, 5, 6, 7, 9, 10, 11
    # (gap g gets floor(8g/11) - floor(8(g-1)/11)); one tick in a gap of d points goes
    # floor(d/2) from its start: -5->-2: -4; -2->-10: -6; 0->-5: -2; -5->10: 2;
    # 10->5: 8; 20->15: 18; 15->18: 16; 18->10: 14
    got = [p for _, p in path_of(ticks_from_bars(bars([(*BULL, 20, 5)]), "every_tick"))]
    assert got == [0, -5, -4, -2, -6, -10, 0, -2, -5, 2, 10, 8, 5, 20, 18, 15, 16, 18, 14, 10]


def test_every_tick_saw_when_more_ticks_than_points_and_shadows_go_to_the_range():
    # bull marubozu O=L=0, C=H=2, volume 14: both shadows are empty, so all 11 support
    # points go to the range 0 -> 2 (6 impulses of 1/3 point, 5 pullbacks, rounded):
    # 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2; the 2 extra ticks fall in gaps 6 and 11, both
    # flat: a flat gap saws one point into the bar (1 -> 2; at the high 2 -> 1)
    got = [p for _, p in path_of(ticks_from_bars(bars([(0, 2, 0, 2, 14, 1)]), "every_tick"))]
    assert got == [0, 0, 0, 1, 1, 1, 2, 1, 1, 1, 2, 2, 1, 2]


def test_bar_spread_overrides_and_missing_spread_is_an_error():
    t = ticks_from_bars(bars([(*BULL, 4, 0)]), "ohlc", bar_spread=12)
    assert np.allclose(t.ask - t.bid, 12e-5, rtol=0, atol=1e-12)
    assert any(i.kind == "synthetic_ask" for i in t.issues)
    with pytest.raises(DataError, match=r"no spread \(all zero\).*data.bar_spread=N"):
        ticks_from_bars(bars([(*BULL, 4, 0)]), "ohlc")
    with pytest.raises(ValueError, match="data.bar_spread=-1: expected a whole number"):
        ticks_from_bars(bars([(*BULL, 4, 5)]), "ohlc", bar_spread=-1)
    with pytest.raises(ValueError, match="expected one of open_only, ohlc, every_tick"):
        ticks_from_bars(bars([(*BULL, 4, 5)]), "m1")


def test_coarse_bars_are_used_with_a_note():
    t = ticks_from_bars(bars([(*BULL, 4, 5), (*BEAR, 4, 5)], period=60), "ohlc")
    assert path_of(t)[:4] == [(0, 0), (900, -10), (1800, 20), (2700, 10)]
    assert [(i.kind, i.count) for i in t.issues] == [("coarse_bars", 2)]
    assert ticks_from_bars(bars([(*BULL, 4, 5)], period=60), "open_only").issues == ()


def check_properties(b, t, mode):
    """Every tick inside its bar (time and price), first = open, last = close, counts,
    strictly increasing times, ask - bid = spread x point."""
    t0 = pd.DatetimeIndex(b["ts"]).asi8
    i = np.searchsorted(t0, t.ts, side="right") - 1
    assert (np.diff(t.ts) > 0).all() and (i >= 0).all()
    assert (t.ts - t0[i] < bar_period_ns(b)).all()
    n = np.bincount(i, minlength=len(b))
    vol = np.maximum(b["tick_volume"].to_numpy(), 1)
    want = {"open_only": np.ones(len(b)), "ohlc": np.full(len(b), 4), "every_tick": vol}[mode]
    assert np.array_equal(n, want)
    lo, hi = b["low"].to_numpy()[i], b["high"].to_numpy()[i]
    assert (t.bid >= lo - 1e-9).all() and (t.bid <= hi + 1e-9).all()
    first = np.r_[0, np.cumsum(n)[:-1]]
    last = np.cumsum(n) - 1
    opens = b["open"].to_numpy()
    closes = b["close"].to_numpy()
    has_open = n >= 2 if mode == "every_tick" else np.ones(len(b), bool)   # volume 1: Close
    assert np.allclose(t.bid[first][has_open], opens[has_open], atol=1e-9)
    if mode != "open_only":
        assert np.allclose(t.bid[last], closes, atol=1e-9)
    assert np.allclose(t.ask - t.bid, b["spread"].to_numpy()[i] * 1e-5, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-40, 40), st.integers(-40, 40), st.integers(0, 30),
                          st.integers(0, 30), st.integers(1, 400), st.integers(0, 30)),
                min_size=1, max_size=30),
       st.sampled_from(["open_only", "ohlc", "every_tick"]))
def test_properties_on_random_bars(rows, mode):
    bars_rows = []
    for o, c, up, down, vol, spread in rows:
        bars_rows.append((o, max(o, c) + up, min(o, c) - down, c, vol, spread + 1))
    b = bars(bars_rows)
    check_properties(b, ticks_from_bars(b, mode), mode)


@pytest.mark.parametrize("mode", ["open_only", "ohlc", "every_tick"])
def test_properties_on_real_hst_bars(real_dir, mode):
    b = load_bars(real_dir / "EURUSD60.hst").iloc[:300]
    b["spread"] = 7                                     # the file carries no spread
    t = ticks_from_bars(b, mode)
    check_properties(b, t, mode)
    assert len(t) == {"open_only": 300, "ohlc": 1200,
                      "every_tick": int(b["tick_volume"].sum())}[mode]


def test_real_dukascopy_candles_ohlc_and_no_tick_volume(sample_dir):
    b = load_bars(sample_dir / "EURUSD")                 # M1 bid candles of 4-5 Feb 2019
    t = ticks_from_bars(b, "ohlc", bar_spread=3)
    assert len(t) == 4 * 2880 and t.symbol == "EURUSD" and t.server_tz == "UTC"
    check_properties(b.assign(spread=3), t, "ohlc")
    with pytest.raises(DataError, match="every_tick needs the bars' tick volume"):
        ticks_from_bars(b, "every_tick", bar_spread=3)


def test_closed_market_bars_give_no_ticks():
    b = bars([(*BULL, 4, 5), (0, 0, 0, 0, 0, 5), (*BEAR, 4, 5)])
    t = ticks_from_bars(b, "ohlc")
    assert len(t) == 8
    assert [(i.kind, i.count) for i in t.issues] == [("closed_bar", 1)]


def test_every_tick_bar_without_tick_volume_is_one_close_tick():
    t = ticks_from_bars(bars([(*BULL, 0, 5), (*BEAR, 3, 5)]), "every_tick")
    assert path_of(t) == [(0, 10), (60, 10), (80, -50), (100, -40)]
    assert [(i.kind, i.count) for i in t.issues] == [("tick_volume", 1)]
