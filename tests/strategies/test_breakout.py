"""breakout places exactly the stop orders its rules give on hand-built ticks (prices worked
out by hand below), cancels the other side when one fills, trades each range once, and its
YAML defaults trade on the sample."""

import numpy as np
import pandas as pd
import pytest

import sim
import strategies.breakout as bo
from sim.batch.engine import Simulation
from sim.config import AccountConfig, ExecutionConfig
from sim.core.decision import DecisionCore
from sim.core.enums import (
    AccountMode,
    Action,
    DealEntry,
    DealReason,
    EventKind,
    OrderState,
    OrderTime,
    OrderType,
    Retcode,
    Side,
)
from sim.core.records import event_dt
from sim.strategy_wrapper import strategy_address
from tests.sim.venue_cases import EURUSD

S = 1_000_000_000
MIN = 60 * S
SPREAD = 0.00002                                    # 2 points
T10 = pd.Timestamp("2024-01-16T08:00:00Z").value    # Tuesday 10:00 server (NY+7 = UTC+2)
P = dict(range="M1", buffer=2.0, sl_points=50.0, tp_points=80.0, start="08:00", end="20:00",
         lots=0.1)


def arrays(ticks):
    """[(ts, bid)] -> ts, bid, ask (ask = bid + 2 points)."""
    ts = np.array([t for t, _ in ticks], dtype=np.int64)
    bid = np.array([b for _, b in ticks])
    return ts, bid, np.round(bid + SPREAD, 5)


def run(p, ticks, mode="netting"):
    """A backtest with zero latency and no costs: orders reach the venue on the tick that
    sent them, and each report reaches the strategy on the same tick."""
    ts, bid, ask = arrays(ticks)
    params, data = bo.make_params(p), bo.make_data(p)
    address = strategy_address(bo, bo.make_state(), params, data)
    return Simulation([EURUSD], [(ts, bid, ask)], bo, params,
                      ExecutionConfig(commission=False, swaps=False, stop_out=False),
                      AccountConfig(mode=mode, balance=100_000.0), data=data,
                      fn_address=address).run()


def rows(orders):
    return [(int(o["action"]), int(o["type"]), round(float(o["volume"]), 2), float(o["price"]),
             float(o["sl"]), float(o["tp"]), int(o["expiry"]), int(o["pos_ticket"]),
             int(o["signal_ts"])) for o in orders]


def done(r):
    return r.deals[r.deals["retcode"] == Retcode.DONE]


def test_breakout_m1_range_stops_cancel_the_other_side_and_one_trade_per_range():
    # Arrange: M1 ranges, window 08:00-20:00 server
    ticks = [
        (T10 - 1 * S, 1.10000),         # 0  09:59:59, the first tick
        (T10, 1.10000),                 # 1  10:00:00 closes 09:59 (began before tick 0: skipped)
        (T10 + 20 * S, 1.10020),        # 2  the 10:00 bar's high
        (T10 + 40 * S, 1.09990),        # 3  ... and low
        (T10 + 60 * S, 1.10005),        # 4  10:01:00 closes it: BUY_STOP at 1.10020 + spread 2
                                        #    + buffer 2 = 1.10024 (SL 50, TP 80 points from it),
                                        #    SELL_STOP at 1.09990 - 2 = 1.09988; both expire
                                        #    at 10:02:00, when the next range closes
        (T10 + 70 * S, 1.10022),        # 5  ask 1.10024: the buy stop fills; CANCEL the sell stop
        (T10 + 120 * S + S // 2, 1.10030),  # 6  closes 10:01, in a position: no orders
        (T10 + 130 * S, 1.10104),       # 7  bid = TP 1.10104: the venue closes the position
        (T10 + 180 * S + S // 2, 1.10100),  # 8  closes 10:02 [1.10030, 1.10104], flat: new stops
                                        #    at 1.10104 + 4 points = 1.10108 and 1.10030 - 2 =
                                        #    1.10028, expiring at 10:04:00
        (T10 + 300 * S + S // 2, 1.10100),  # 9  10:05:00.5 closes 10:03, not the bar before the
                                        #    forming one (10:04 had no tick): skipped; the
                                        #    stops of tick 8 expired at 10:04:00
    ]
    ts = [t for t, _ in ticks]
    # Act
    r = run(bo.Params(**P), ticks)
    # Assert: the exact orders
    new, cancel = Action.NEW, Action.CANCEL
    assert rows(r.orders) == [
        (new, OrderType.BUY_STOP, 0.1, 1.10024, 1.09974, 1.10104, T10 + 120 * S, 0, ts[4]),
        (new, OrderType.SELL_STOP, 0.1, 1.09988, 1.10038, 1.09908, T10 + 120 * S, 0, ts[4]),
        (cancel, OrderType.SELL_STOP, 0.0, 0.0, 0.0, 0.0, 0, 1002, ts[5]),
        (new, OrderType.BUY_STOP, 0.1, 1.10108, 1.10058, 1.10188, T10 + 240 * S, 0, ts[8]),
        (new, OrderType.SELL_STOP, 0.1, 1.10028, 1.10078, 1.09948, T10 + 240 * S, 0, ts[8]),
    ]
    assert (r.orders["type_time"][[0, 1, 3, 4]] == OrderTime.SPECIFIED).all()
    # the fills: the buy stop at the triggering ask, its TP at the bid
    f = done(r)
    assert f["ts"].tolist() == [ts[5], ts[7]]
    assert f["price"].tolist() == [1.10024, 1.10104]
    assert f["reason"].tolist() == [DealReason.EXPERT, DealReason.TP]
    assert (r.deals["retcode"] == Retcode.EXPIRED).sum() == 2
    assert len(r.positions) == 0 and r.decision[0]["n_pending"] == 0
    # the order journal shows each order as it ended, with the venue's ticket: the buy stop
    # filled (its deal names it), the sell stop canceled, the cancel request done, the
    # second pair expired
    st = OrderState
    assert r.orders["state"].tolist() == [st.FILLED, st.CANCELED, st.FILLED, st.EXPIRED,
                                          st.EXPIRED]
    assert r.orders["ticket"][:2].tolist() == [1001, 1002]
    assert f["order"][0] == 1001
    assert (r.orders["ticket"][3:] > 1002).all()


def test_breakout_session_range_trades_once_a_day():
    # Arrange: the range is the session 00:00-02:00 server, traded in 02:00-03:00
    day = pd.Timestamp("2024-01-15T22:00:00Z").value      # Tuesday 00:00 server
    ticks = [
        (day - MIN, 1.10000),           # 0  23:59 Monday, the first tick (before the session)
        (day, 1.10010),                 # 1  00:00 the session opens
        (day + 60 * MIN, 1.10050),      # 2  its high
        (day + 90 * MIN, 1.09970),      # 3  its low
        (day + 120 * MIN, 1.10000),     # 4  02:00 after it, in the window: BUY_STOP 1.10054,
                                        #    SELL_STOP 1.09968, expiring at 03:00 (window end)
        (day + 130 * MIN, 1.09960),     # 5  bid <= 1.09968: the sell stop fills at 1.09960
                                        #    (the gapped bid); CANCEL the buy stop (1001)
        (day + 140 * MIN, 1.10020),     # 6  ask 1.10022 >= SL 1.10018: the venue stops it out
        (day + 150 * MIN, 1.10000),     # 7  flat, in the window: the range had its trade
        (day + 180 * MIN, 1.10000),     # 8  03:00 out of the window
    ]
    ts = [t for t, _ in ticks]
    p = bo.Params(**{**P, "range": "00:00-02:00", "start": "02:00", "end": "03:00"})
    # Act
    r = run(p, ticks)
    # Assert
    new, expiry = Action.NEW, day + 180 * MIN
    assert rows(r.orders) == [
        (new, OrderType.BUY_STOP, 0.1, 1.10054, 1.10004, 1.10134, expiry, 0, ts[4]),
        (new, OrderType.SELL_STOP, 0.1, 1.09968, 1.10018, 1.09888, expiry, 0, ts[4]),
        (Action.CANCEL, OrderType.BUY_STOP, 0.0, 0.0, 0.0, 0.0, 0, 1001, ts[5]),
    ]
    f = done(r)
    assert f["ts"].tolist() == [ts[5], ts[6]]
    assert f["price"].tolist() == [1.09960, 1.10022]
    assert f["reason"].tolist() == [DealReason.EXPERT, DealReason.SL]


def test_breakout_skips_a_partial_range_and_a_broken_side_and_is_flat_outside_the_window():
    # Arrange: window 10:00-10:03 server
    ticks = [
        (T10 + S // 2, 1.10000),        # 0  10:00:00.5, the first tick: the 10:00 bar is partial
        (T10 + 60 * S + S // 2, 1.10000),   # 1  closes 10:00: partial range, skipped
        (T10 + 90 * S, 1.10010),        # 2  the 10:01 bar: high 1.10010, low 1.10000
        (T10 + 120 * S + S // 2, 1.10020),  # 3  closes it; ask 1.10022 is already past the buy
                                        #    stop 1.10010 + 4 points = 1.10014: only the
                                        #    SELL_STOP at 1.09998 (expiring at 10:03:00)
        (T10 + 150 * S, 1.09990),       # 4  the sell stop fills at 1.09990
        (T10 + 180 * S + S // 2, 1.09995),  # 5  10:03:00.5, out of the window: CLOSE at the ask
    ]
    ts = [t for t, _ in ticks]
    p = bo.Params(**{**P, "start": "10:00", "end": "10:03"})
    # Act
    r = run(p, ticks)
    # Assert
    assert rows(r.orders) == [
        (Action.NEW, OrderType.SELL_STOP, 0.1, 1.09998, 1.10048, 1.09918, T10 + 180 * S, 0, ts[3]),
        (Action.CLOSE, OrderType.BUY, 0.1, 0.0, 0.0, 0.0, 0, 1001, ts[5]),
    ]
    f = done(r)
    assert f["ts"].tolist() == [ts[4], ts[5]]
    assert f["price"].tolist() == [1.09990, 1.09997]
    assert len(r.positions) == 0


def order_event(ts, cid, ticket, otype, price, state=OrderState.PLACED):
    ev = np.zeros(1, dtype=event_dt)
    e = ev[0]
    e["ts"], e["kind"], e["cid"], e["ticket"], e["type"] = ts, EventKind.ORDER, cid, ticket, otype
    e["state"], e["volume"], e["price"] = state, 0.1, price
    return ev


def fill_event(ts, cid, otype, side, price, position_id):
    ev = np.zeros(1, dtype=event_dt)
    e = ev[0]
    e["ts"], e["kind"], e["cid"], e["type"], e["side"] = ts, EventKind.FILL, cid, otype, side
    e["entry"], e["volume"], e["price"], e["position_id"] = DealEntry.IN, 0.1, price, position_id
    e["deal_reason"], e["retcode"], e["as_of"] = DealReason.EXPERT, Retcode.DONE, ts
    return ev


def test_breakout_cancels_a_sibling_whose_placement_is_reported_after_the_fill():
    # Arrange: the decision core alone, the venue's reports written out: the buy stop's
    # fill reaches the strategy before the sell stop's placement does
    p = bo.Params(**P)
    params, data = bo.make_params(p), bo.make_data(p)
    syms = sim.symbol_records([EURUSD], AccountConfig())
    core = DecisionCore(bo, params, syms, AccountMode.NETTING, 10_000.0, data=data,
                        fn_address=strategy_address(bo, bo.make_state(), params, data),
                        utc_offset=2 * 3600 * S)
    for t, b in [(T10 - S, 1.10000), (T10 + 20 * S, 1.10020), (T10 + 40 * S, 1.09990)]:
        assert len(core.tick(t, 0, b, b + SPREAD)) == 0
    placed = core.tick(T10 + 60 * S, 0, 1.10005, 1.10007).copy()
    assert [(o["cid"], o["type"]) for o in placed] == [(1, OrderType.BUY_STOP),
                                                       (2, OrderType.SELL_STOP)]
    t = T10 + 61 * S
    # Act
    out = [core.on_event(order_event(t, 1, 1001, OrderType.BUY_STOP, 1.10024)).copy(),
           core.on_event(fill_event(t + 1, 1, OrderType.BUY_STOP, Side.BUY, 1.10024, 1001)).copy(),
           core.on_event(order_event(t + 2, 2, 1002, OrderType.SELL_STOP, 1.09988)).copy(),
           core.on_event(order_event(t + 3, 2, 1002, OrderType.SELL_STOP, 1.09988)).copy()]
    # Assert: nothing to cancel at the fill (the sell stop is not known yet); its placement
    # report, a position being open, is answered by its CANCEL, once
    assert [len(o) for o in out] == [0, 0, 1, 0]
    c = out[2][0]
    assert (c["action"], c["pos_ticket"], c["signal_ts"]) == (Action.CANCEL, 1002, t + 2)


@pytest.mark.parametrize(("kw", "message"), [
    ({"range": "M7"}, "strategy.range='M7'"),
    ({"range": "00:00-25:00"}, "server-time session"),
    ({"range": "02:00-02:00"}, "server-time session"),
    ({"start": "8h"}, "strategy.start='8h'"),
    ({"start": "09:00", "end": "09:00"}, "start != end"),
    ({"buffer": -1.0}, "buffer >= 0"),
    ({"lots": 0.0}, "lots > 0"),
])
def test_breakout_params_refused(kw, message):
    with pytest.raises(ValueError, match=message):
        bo.Params(**kw)


@pytest.mark.whole_run
def test_breakout_yaml_defaults_trade_on_the_sample():
    res = sim.backtest(overrides=["strategy=breakout"])
    assert res.metrics["n_trades"] >= 3
