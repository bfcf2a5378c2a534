"""mean_reversion places exactly the orders its rules give on hand-built ticks (z-scores worked
out by hand below and recomputed with numpy), and its YAML defaults trade on the sample."""

import numpy as np
import pytest

import sim
import strategies.mean_reversion as mr
from sim.batch.engine import Simulation
from sim.config import AccountConfig, ExecutionConfig
from sim.core.enums import Action, DealReason, OrderType, Retcode
from sim.strategy_wrapper import strategy_address
from tests.sim.venue_cases import EURUSD, T0

S = 1_000_000_000
PT = 0.00001                         # EURUSD point
BASE = 1.10000


def quotes(mids_pts, spreads_pts=None, step=S):
    """Ticks ``step`` apart from T0 with mid = BASE + mid points and the given spread
    (2 points unless given), the bid and ask on whole points."""
    n = len(mids_pts)
    spreads = spreads_pts or [2] * n
    ts = T0 + np.arange(n, dtype=np.int64) * step
    bid = np.round([BASE + (m - h / 2) * PT for m, h in zip(mids_pts, spreads, strict=True)], 5)
    ask = np.round([BASE + (m + h / 2) * PT for m, h in zip(mids_pts, spreads, strict=True)], 5)
    return ts, bid, ask


def run(p, ts, bid, ask, mode="netting"):
    """A backtest with zero latency and no costs: an order fills on the tick that sent it."""
    params, data = mr.make_params(p), mr.make_data(p)
    address = strategy_address(mr, mr.make_state(), params, data)
    return Simulation([EURUSD], [(ts, bid, ask)], mr, params,
                      ExecutionConfig(commission=False, swaps=False, stop_out=False),
                      AccountConfig(mode=mode, balance=100_000.0), data=data,
                      fn_address=address).run()


def zscores(values, window):
    """The z-score of each value over the last ``window`` values (NaN before / if std 0)."""
    z = np.full(len(values), np.nan)
    for k in range(window - 1, len(values)):
        w = np.asarray(values[k - window + 1:k + 1], dtype=float)
        if w.std() > 0:
            z[k] = (w[-1] - w.mean()) / w.std()
    return z


def fills(r):
    return r.deals[r.deals["retcode"] == Retcode.DONE]


P = dict(window=5, k=1.5, max_spread=5.0, sl_points=30.0, tp_points=40.0, hold_s=0, lots=0.1)


def test_mean_reversion_buys_below_minus_k_and_closes_at_the_mean():
    # Arrange: mids (points from 1.10000); with a window of 5:
    # tick 4: [0 1 0 1 0]    mean 0.4, std 0.490, z = -0.816 (|z| < k: armed)
    # tick 5: [1 0 1 0 -6]   mean -0.8, std 2.638, z = -1.971 <= -1.5: BUY at the ask
    # tick 6: [0 1 0 -6 -6]  mean -2.2, std 3.124, z = -1.216: hold (below the mean)
    # tick 7: [1 0 -6 -6 -2] mean -2.6, std 2.939, z = +0.204 >= 0: at the mean, CLOSE
    mids = [0, 1, 0, 1, 0, -6, -6, -2]
    assert np.allclose(zscores(mids, 5)[4:], [-0.816, -1.971, -1.216, 0.204], atol=1e-3)
    ts, bid, ask = quotes(mids)
    # Act
    r = run(mr.Params(**P), ts, bid, ask)
    # Assert: the entry at tick 5 (ask 1.09995, SL 30 points below, TP 40 above), the close
    # of its position (ticket 1001) at tick 7
    o = r.orders
    assert len(o) == 2
    assert (o[0]["action"], o[0]["type"], o[0]["signal_ts"]) == (Action.NEW, OrderType.BUY, ts[5])
    assert (o[0]["volume"], o[0]["sl"], o[0]["tp"]) == (0.1, 1.09965, 1.10035)
    assert (o[1]["action"], o[1]["signal_ts"], o[1]["pos_ticket"], o[1]["volume"]) == \
        (Action.CLOSE, ts[7], 1001, 0.1)
    assert o[1]["type"] == OrderType.SELL
    f = fills(r)
    assert f["ts"].tolist() == [ts[5], ts[7]]
    assert f["price"].tolist() == [1.09995, 1.09997]          # ask at 5, bid at 7
    assert len(r.positions) == 0


def test_mean_reversion_sells_above_plus_k_and_the_venue_takes_its_profit():
    # Arrange: the mirror image: tick 5 z = +1.971 sells at the bid 1.10005 (SL 1.10035,
    # TP 1.09965); tick 6 drops the ask to 1.09961 <= TP: the venue closes it there
    # (DealReason.TP); the strategy, flat and not re-armed, sends nothing more
    ts, bid, ask = quotes([0, -1, 0, -1, 0, 6, -40, -40])
    # Act
    r = run(mr.Params(**P), ts, bid, ask)
    # Assert
    o = r.orders
    assert len(o) == 1
    assert (o[0]["type"], o[0]["signal_ts"], o[0]["sl"], o[0]["tp"]) == \
        (OrderType.SELL, ts[5], 1.10035, 1.09965)
    f = fills(r)
    assert f["ts"].tolist() == [ts[5], ts[6]]
    assert f["price"].tolist() == [1.10005, 1.09961]
    assert f["reason"].tolist() == [DealReason.EXPERT, DealReason.TP]


def test_mean_reversion_time_stop_then_waits_to_be_re_armed():
    # Arrange: hold_s = 3; mids after the entry at tick 5 stay below the mean:
    # z: tick 6 -1.216, 7 -0.813, 8 -0.500 (ts 8 - 5 = 3 s: time stop, CLOSE), 9-12 NaN
    # (window all -6, std 0), 13 +2.0 (>= k but not re-armed: no order), 14 -0.5 (armed),
    # 15 -1.917 (<= -k: BUY)
    mids = [0, 1, 0, 1, 0, -6, -6, -6, -6, -6, -6, -6, -6, -5, -6, -9]
    z = zscores(mids, 5)
    assert np.allclose(z[[5, 8, 13, 14, 15]], [-1.971, -0.5, 2.0, -0.5, -1.917], atol=1e-3)
    assert np.isnan(z[9:13]).all()
    ts, bid, ask = quotes(mids)
    # Act
    r = run(mr.Params(**{**P, "hold_s": 3}), ts, bid, ask)
    # Assert
    o = r.orders
    assert [(x["action"], x["type"]) for x in o] == [
        (Action.NEW, OrderType.BUY), (Action.CLOSE, OrderType.SELL), (Action.NEW, OrderType.BUY)]
    assert o["signal_ts"].tolist() == [ts[5], ts[8], ts[15]]
    assert o[2]["sl"] == round(ask[15] - 30 * PT, 5) and o[2]["tp"] == round(ask[15] + 40 * PT, 5)


def test_mean_reversion_no_entry_while_the_spread_is_wide():
    # Arrange: tick 5 has z = -1.971 but a spread of 8 points (> max_spread 5): no entry;
    # it stays armed, and tick 6 (mid -9, z = -1.562, spread 2) buys
    mids = [0, 1, 0, 1, 0, -6, -9]
    assert np.allclose(zscores(mids, 5)[5:], [-1.971, -1.562], atol=1e-3)
    ts, bid, ask = quotes(mids, [2, 2, 2, 2, 2, 8, 2])
    # Act
    r = run(mr.Params(**P), ts, bid, ask)
    # Assert
    assert len(r.orders) == 1
    assert (r.orders[0]["type"], r.orders[0]["signal_ts"]) == (OrderType.BUY, ts[6])
    assert fills(r)["price"].tolist() == [round(BASE - 8 * PT, 5)]      # ask of tick 6


def test_mean_reversion_in_seconds_samples_the_last_mid_of_each_bar():
    # Arrange: sample_s = 1: two ticks per second; the values are the mids of the second tick
    # of each 1-s bar, taken at the first tick of the next bar:
    # bars 0..5 close at 0 1 0 1 0 -6 (bar 3 dips to -20 inside: not a value, no trade);
    # at 6.0 s bar 5 closes: z([1 0 1 0 -6]) = -1.971: BUY at that tick (mid -6: ask 1.09995);
    # bar 6 closes at +1: z([0 1 0 -6 1]) = +0.682 >= 0 at 7.0 s: CLOSE
    inside = [0, 5, 0, -20, 0, -3, -6, 0]
    close = [0, 1, 0, 1, 0, -6, 1, 0]
    mids = [m for pair in zip(inside, close, strict=True) for m in pair]
    assert np.allclose(zscores(close, 5)[5:7], [-1.971, 0.682], atol=1e-3)
    ts, bid, ask = quotes(mids, step=S // 2)
    # Act
    r = run(mr.Params(**{**P, "sample_s": 1}), ts, bid, ask)
    # Assert
    o = r.orders
    assert [(x["action"], x["type"]) for x in o] == [(Action.NEW, OrderType.BUY),
                                                     (Action.CLOSE, OrderType.SELL)]
    assert o["signal_ts"].tolist() == [T0 + 6 * S, T0 + 7 * S]
    assert fills(r)["price"].tolist() == [1.09995, 1.09999]     # ask at 6 s, bid at 7 s


def test_mean_reversion_hedging_account_closes_its_own_ticket():
    # Arrange: the first test's ticks on a hedging account
    ts, bid, ask = quotes([0, 1, 0, 1, 0, -6, -6, -2])
    # Act
    r = run(mr.Params(**P), ts, bid, ask, mode="hedging")
    # Assert: the same two orders, the close naming the position's ticket
    assert r.orders["action"].tolist() == [Action.NEW, Action.CLOSE]
    assert r.orders[1]["pos_ticket"] == 1001 and len(r.positions) == 0


@pytest.mark.parametrize(("kw", "message"), [
    ({"window": 1}, "window >= 2"),
    ({"window": 600}, "strategy.window=600"),
    ({"sample_s": 7}, "strategy.sample_s=7"),
    ({"sample_s": -1}, "strategy.sample_s=-1"),
    ({"k": 0.0}, "k > 0"),
    ({"hold_s": -1}, "hold_s >= 0"),
    ({"lots": 0.0}, "lots > 0"),
])
def test_mean_reversion_params_refused(kw, message):
    with pytest.raises(ValueError, match=message):
        mr.Params(**kw)


@pytest.mark.whole_run
def test_mean_reversion_yaml_defaults_trade_on_the_sample():
    res = sim.backtest(overrides=["strategy=mean_reversion"])
    assert res.metrics["n_trades"] >= 5
    assert set(res.trades["side"]) == {1, -1}
