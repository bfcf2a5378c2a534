"""The risk stage sits between strategy and routing; its denials are journaled like fills."""

import numpy as np

import strategies.ema_cross as ec
import strategies.scripted as sc
from sim.batch.engine import Simulation
from sim.config import AccountConfig, Dist, ExecutionConfig
from sim.core.enums import Action, OrderType, Retcode
from sim.core.state import make_limits
from sim.data.symbols import load_symbol

T0 = 1_700_000_000_000_000_000


def _ticks(n=3000, seed=2):
    rng = np.random.default_rng(seed)
    mid = 1.10 + np.cumsum(rng.normal(0, 0.00005, n))
    return (T0 + np.arange(n, dtype=np.int64) * 200_000_000, np.round(mid - 0.00004, 5),
            np.round(mid + 0.00004, 5))


def test_risk_kill_switch_denies_every_order_and_journals_it():
    # Arrange
    p = ec.Params(fast=5, slow=20, lots=0.1)
    sim = Simulation([load_symbol("EURUSD")], [_ticks()], ec, ec.make_params(p),
                     ExecutionConfig(), AccountConfig(), limits=make_limits(kill=True))
    # Act
    r = sim.run()
    # Assert: no fill, one journaled rejection per signal, the decision side knows nothing is open
    assert (r.deals["retcode"] == Retcode.DONE).sum() == 0
    signals = int(r.sstate[0]["signals"])
    assert signals > 10
    assert (r.deals["retcode"] == Retcode.RISK_HALTED).sum() == signals
    assert len(r.orders) == signals and (r.orders["retcode"] == Retcode.RISK_HALTED).all()
    assert r.decision[0]["n_rejected"] == signals and r.decision[0]["n_sent"] == 0
    assert sim.core.record["quote"][0]["working"] == 0.0 and sim.core.record["quote"][0]["net"] == 0.0
    assert r.account[0]["balance"] == 10_000.0


def test_risk_max_order_lots_denies_only_large_orders():
    # Arrange: one order of 0.5 lots (allowed), one of 2 lots (denied) under a 1-lot cap
    ts, bid, ask = _ticks(50)
    rows = (sc.row(ts[1], Action.NEW, OrderType.BUY, 0.5), sc.row(ts[2], Action.NEW, OrderType.BUY, 2.0))
    p = sc.Params(rows=rows)
    sim = Simulation([load_symbol("EURUSD")], [(ts, bid, ask)], sc, sc.make_params(p),
                     ExecutionConfig(commission=False), AccountConfig(),
                     limits=make_limits(max_order_lots=1.0), data=sc.make_data(p))
    # Act
    r = sim.run()
    # Assert
    done = r.deals[r.deals["retcode"] == Retcode.DONE]
    denied = r.deals[r.deals["retcode"] == Retcode.RISK_MAX_LOTS]
    assert len(done) == 1 and done[0]["volume"] == 0.5
    assert len(denied) == 1 and denied[0]["volume"] == 2.0 and denied[0]["ts"] == ts[2]
    assert sim.core.record["quote"][0]["net"] == 0.5 and sim.core.record["quote"][0]["working"] == 0.0


def test_risk_denial_reaches_the_strategy_in_the_same_tick():
    # a denial is the decision side's own decision: no report latency, unlike a venue reply
    ts, bid, ask = _ticks(3)
    p = sc.Params(rows=(sc.row(ts[2], Action.NEW, OrderType.BUY, 2.0),))
    slow = ExecutionConfig(submit_latency=Dist("constant", 50.0),
                           report_latency=Dist("constant", 50.0))
    sim = Simulation([load_symbol("EURUSD")], [(ts, bid, ask)], sc, sc.make_params(p), slow,
                     AccountConfig(), limits=make_limits(max_order_lots=1.0),
                     data=sc.make_data(p))
    r = sim.run()
    assert r.deals[0]["retcode"] == Retcode.RISK_MAX_LOTS and r.deals[0]["ts"] == ts[2]
    assert r.decision[0]["n_rejected"] == 1         # delivered before the data ended at ts[2]
    assert sim.core.record["quote"][0]["working"] == 0.0


def test_risk_denials_are_counted_by_reason_in_the_summary():
    from sim.metrics import compute_metrics, metric_rows

    p = ec.Params(fast=5, slow=20, lots=0.1)
    sim = Simulation([load_symbol("EURUSD")], [_ticks()], ec, ec.make_params(p),
                     ExecutionConfig(), AccountConfig(), limits=make_limits(kill=True))
    m = compute_metrics(sim.run(), 10_000.0, "NY+7")
    signals = int(sim.core.sstate[0]["signals"])
    assert m["rejections[risk: trading halted]"] == m["n_rejections"] == signals
    assert ("  × risk: trading halted", "rejections[risk: trading halted]",
            f"{signals:,}") in metric_rows(m)
