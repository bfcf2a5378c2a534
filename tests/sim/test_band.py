"""The quiet band (sim/venue/band.py) changes nothing but speed: every journal, the equity curve
and the account are identical, field by field, to re-pricing every tick
(``ExecutionConfig(mark_every_tick=True)``), on real ticks and on synthetic walks built to
hit margin calls, stop-outs, SL and TP right at the band's edges."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import strategies.ema_cross as ec
import strategies.scripted as sc
from sim.batch.engine import Simulation
from sim.config import AccountConfig, Dist, ExecutionConfig, Slippage
from sim.core.enums import Action, DealReason, OrderType
from sim.core.state import make_limits
from sim.data import load_ticks
from sim.data.symbols import SymbolSpec, load_symbol
from sim.venue.records import ACCOUNT_RESULT_FIELDS
from tests.conftest import SAMPLE
from tests.sim.per_event import run_per_event
from tests.sim.venue_cases import EURUSD, GBPUSD, T0, USDJPY, plain

FULL = ExecutionConfig(submit_latency=Dist("constant", 20.0), venue_latency=Dist("constant", 5.0),
                       report_latency=Dist("constant", 20.0),
                       slippage=Slippage("sampled", 0.3, 3.0))


def both(make):
    """Run ``make(execution_flag)`` with and without the band; return (band, every_tick)."""
    return make(False).run(), make(True).run()


def assert_identical(a, b):
    for name in ("deals", "trades", "equity", "orders", "positions", "account", "decision"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.shape == y.shape, name
        for f in x.dtype.names:
            if name == "account" and f not in ACCOUNT_RESULT_FIELDS:
                continue
            np.testing.assert_array_equal(x[f], y[f], err_msg=f"{name}.{f}")


def walk(n, seed, start=1.10000, step=3, spread=(2, 11), dt_ms=250, drift=0.0):
    """A random walk of half-points on the 5-digit grid (``drift``: half-points per tick)."""
    rng = np.random.default_rng(seed)
    ts = T0 + np.cumsum(rng.integers(1, 2 * dt_ms, n)) * 1_000_000
    mid2 = int(round(start * 2e5)) + np.cumsum(rng.integers(-step, step + 1, n)) \
        + np.round(drift * np.arange(n)).astype(np.int64)
    sp = rng.integers(*spread, n)
    b = (mid2 - sp) // 2
    return ts.astype(np.int64), b / 1e5, (b + sp) / 1e5


def ema_sim(streams, specs, lots, balance, mode="netting", execution=FULL):
    p = ec.Params(fast=20, slow=80, lots=lots)

    def make(every):
        return Simulation(specs, streams, ec, ec.make_params(p),
                          dataclasses.replace(execution, mark_every_tick=every),
                          AccountConfig(balance=balance, mode=mode, equity_bucket_s=5))
    return make


@pytest.mark.whole_run
@pytest.mark.parametrize("mode", ["netting", "hedging"])
def test_real_sample_identical(mode):
    t = load_ticks(SAMPLE / "EURUSD")
    a, b = both(ema_sim([(t.ts, t.bid, t.ask)], [load_symbol("EURUSD")], 0.5, 10_000.0, mode))
    assert_identical(a, b)
    assert len(a.trades) > 100
    assert a.account[0]["band_spans"] > 100        # the band was used


def test_margin_call_and_stop_out_at_the_edges_identical():
    # one lot on 1 500 USD while the market slides 100+ pips: the margin-call level
    # (equity 1 100) is crossed back and forth by the noise, then the stop-out (550) hits
    q = walk(40_000, 3, step=6, drift=-0.06)
    rows = [sc.row(int(q[0][5]), Action.NEW, OrderType.BUY, 1.0)]
    a, b = both(scripted_sim(q, rows, 1_500.0, "netting", FULL))
    assert_identical(a, b)
    assert a.account[0]["n_stopouts"] == 1
    assert a.account[0]["band_spans"] > 10
    low = a.equity["min_equity"]
    assert low.min() < 1_100.0 < a.equity["max_equity"][low < 1_100.0].max()


@pytest.mark.whole_run
def test_other_symbols_and_a_converted_one_identical():
    # ticks of other symbols leave the band untouched; USDJPY (profit in JPY) never bands
    streams = [walk(20_000, 1), walk(20_000, 2, start=1.27000), walk(20_000, 5, start=150.000)]
    streams[2] = (streams[2][0], streams[2][1] * 100, streams[2][2] * 100)
    for sym in (0, 2):
        p = ec.Params(fast=20, slow=80, lots=0.3, symbol=sym)

        def make(every, p=p):
            return Simulation([EURUSD, GBPUSD, USDJPY], streams, ec, ec.make_params(p),
                              dataclasses.replace(FULL, mark_every_tick=every),
                              AccountConfig(balance=5_000.0, mode="hedging", equity_bucket_s=2))
        a, b = both(make)
        assert_identical(a, b)
        assert len(a.trades) > 50


def sltp_script(ts, bid, ask, every, dist_sl, dist_tp, lots):
    """A buy or sell every ``every`` ticks with SL/TP ``dist_*`` points from its quote."""
    rows = []
    for k, i in enumerate(range(10, len(ts) - 1, every)):
        buy = k % 2 == 0
        ref = ask[i] if buy else bid[i]
        sl = ref - dist_sl * 1e-5 if buy else ref + dist_sl * 1e-5
        tp = ref + dist_tp * 1e-5 if buy else ref - dist_tp * 1e-5
        rows.append(sc.row(int(ts[i]), Action.NEW, OrderType.BUY if buy else OrderType.SELL,
                           lots, sl=round(sl, 5), tp=round(tp, 5)))
    return rows


def scripted_sim(q, rows, balance, mode, execution):
    p = sc.Params(rows=tuple(rows))

    def make(every):
        return Simulation([EURUSD], [q], sc, sc.make_params(p),
                          dataclasses.replace(execution, mark_every_tick=every),
                          AccountConfig(balance=balance, mode=mode, equity_bucket_s=1),
                          data=sc.make_data(p))
    return make


def test_sl_and_tp_at_the_edges_identical():
    q = walk(30_000, 11)
    rows = sltp_script(*q, every=400, dist_sl=25, dist_tp=30, lots=0.5)
    a, b = both(scripted_sim(q, rows, 10_000.0, "netting", FULL))
    assert_identical(a, b)
    reasons = set(a.deals["reason"].tolist())
    assert {DealReason.SL, DealReason.TP} <= reasons
    assert a.account[0]["band_spans"] > 10


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), lots=st.sampled_from([0.1, 0.7, 1.3]),
       balance=st.sampled_from([1_200.0, 2_000.0, 50_000.0]),
       dist=st.integers(1, 40), every=st.integers(20, 300),
       mode=st.sampled_from(["netting", "hedging"]), zero_latency=st.booleans())
def test_band_identical_property(seed, lots, balance, dist, every, mode, zero_latency):
    q = walk(3_000, seed, step=5)
    rows = sltp_script(*q, every=every, dist_sl=dist, dist_tp=dist + 3, lots=lots)
    ex = ExecutionConfig(commission=True, swaps=True) if zero_latency else FULL
    a, b = both(scripted_sim(q, rows, balance, mode, ex))
    assert_identical(a, b)


def test_equity_bucket_of_less_than_a_second_is_refused():
    with pytest.raises(ValueError, match="equity_bucket_s"):
        Simulation([EURUSD], [walk(10, 1)], ec, ec.make_params(ec.Params()), FULL,
                   AccountConfig(equity_bucket_s=0))


ES = SymbolSpec("ES", 2, 0.25, 1.0, "futures", "USD", "USD", "USD", 1.0, 1.0, 100.0,
                tick_value=12.5, margin_initial=1_000.0)


@pytest.mark.parametrize("spec,start,lots,balance,drift", [
    (ES, 4_500.00, 3.0, 4_500.0, 0.004),             # futures: 50 USD per point per lot
    (plain("XAUUSD"), 2_000.00, 0.5, 1_700.0, 0.1),  # CFD leverage
])
def test_other_calc_modes_identical(spec, start, lots, balance, drift):
    # a held position on a sliding market: margin call, then stop-out, priced lazily
    n = 30_000
    rng = np.random.default_rng(4)
    ts = T0 + np.cumsum(rng.integers(1, 500, n)) * 1_000_000
    ticks = np.round(start / spec.tick_size) + np.cumsum(rng.integers(-2, 3, n)) \
        - np.round(drift * np.arange(n))
    bid = ticks * spec.tick_size
    ask = bid + rng.integers(1, 4, n) * spec.tick_size
    q = (ts.astype(np.int64), bid, ask)
    p = sc.Params(rows=(sc.row(int(ts[3]), Action.NEW, OrderType.BUY, lots),))

    def make(every):
        return Simulation([spec], [q], sc, sc.make_params(p),
                          dataclasses.replace(FULL, mark_every_tick=every, commission=False),
                          AccountConfig(balance=balance, equity_bucket_s=1),
                          data=sc.make_data(p))
    a, b = both(make)
    assert_identical(a, b)
    assert a.account[0]["band_spans"] > 10
    assert a.account[0]["n_stopouts"] == 1


def test_orders_on_quiet_ticks_grow_the_journals():
    # 1 490 orders within one bucket and no rollover: after each, the next tick is quiet
    # again; the journals must still grow in time (found by an adversarial review)
    q = walk(1_500, 1, dt_ms=5)
    rows = [sc.target(int(q[0][i]), 0.1 if i % 2 else -0.1) for i in range(5, 1_495)]
    p = sc.Params(rows=tuple(rows))

    def make(every, limits=None):
        return Simulation([EURUSD], [q], sc, sc.make_params(p),
                          ExecutionConfig(commission=False, swaps=False, mark_every_tick=every),
                          AccountConfig(), limits=limits, data=sc.make_data(p))
    a = make(False).run()
    assert_identical(a, make(True).run())
    assert_identical(a, run_per_event(make(False)))
    assert len(a.deals) == 1_490
    # risk denials on every tick, never a position: quiet even with mark_every_tick
    k = make(True, make_limits(kill=True)).run()
    assert_identical(k, run_per_event(make(True, make_limits(kill=True))))
    assert len(k.deals) == 1_490
