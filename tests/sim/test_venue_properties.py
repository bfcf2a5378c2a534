"""Property tests of the simulated venue: random small tick paths and random scripted orders.

Invariants checked on every run (mt-execution.md 1.4-1.5, 2, 3.2, 7, 10):

* equity == balance + floating + open swaps (account and every equity row, where the
  floating profit is recomputed independently from the deals journal and the quotes);
* the balance moves only by booked deal money;
* no market fill outside the [bid, ask] of the quote in force, except by the configured
  (adverse) slippage; triggered fills follow the ``trigger_fill`` rule; no SL/TP fill
  better than its level except by the gap rule of the ``mt5`` mode;
* SL/TP trigger on the correct side and not later than the first tick that reached them;
* positions rebuilt from the deals journal (Close By's OUT_BY deals included) equal the
  venue's open positions;
* the decision-side book and net exposure equal the venue positions (reconciliation).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import strategies.scripted as sc
from sim.batch.engine import Simulation
from sim.config import AccountConfig, Dist, ExecutionConfig, Slippage
from sim.core.enums import Action, DealEntry, DealReason, OrderState, OrderType, Retcode
from sim.data.symbols import load_symbol
from tests.sim.per_event import run_per_event

S = 1_000_000_000
MS = 1_000_000
T0 = pd.Timestamp("2024-01-16T08:00:00Z").value     # Tuesday 10:00 server, no rollover soon
PT = 1e-5
CONTRACT = 100_000.0


def spec(name, comm):
    return dataclasses.replace(load_symbol(name), stops_level=0, freeze_level=0,
                               swap_mode="disabled", commission_per_lot=comm)


def n_round(x, digits=2):
    """Round half away from zero (MQL NormalizeDouble style), independent of the code."""
    scale = 10.0 ** digits
    a = abs(x) * scale
    r = math.floor(a * (1.0 + 1e-12) + 0.5 + 1e-9) / scale
    return r if x >= 0 else -r


def floating(side, vol, open_price, bid, ask):
    """FOREX profit of closing ``vol`` lots at the current quote, per-leg rounding (2.1)."""
    if side > 0:
        return n_round(bid * CONTRACT * vol) - n_round(open_price * CONTRACT * vol)
    return n_round(open_price * CONTRACT * vol) - n_round(ask * CONTRACT * vol)


# -- RANDOM SCENARIOS --

@st.composite
def scenarios(draw):
    n_sym = draw(st.sampled_from([1, 2]))
    n_ticks = draw(st.integers(5, 40))
    ticks = []                                   # (ts, sym, bid_pts, ask_pts)
    mid = [110_000, 127_000]
    t = T0
    for _ in range(n_ticks):
        t += draw(st.integers(1, 3)) * S
        k = draw(st.integers(0, n_sym - 1))
        move = draw(st.one_of(st.integers(-30, 30), st.integers(-400, 400)))
        mid[k] += move
        spread = draw(st.integers(0, 25))
        ticks.append((t, k, mid[k], mid[k] + spread))
    mode = draw(st.sampled_from(["hedging", "netting"]))
    rows = []
    n_rows = draw(st.integers(0, 20))
    for _ in range(n_rows):
        i = draw(st.integers(0, n_ticks - 1))
        ts = ticks[i][0]
        k = draw(st.integers(0, n_sym - 1))
        last = [x for x in ticks[: i + 1] if x[1] == k]
        bp, ap = (last[-1][2], last[-1][3]) if last else (mid[k], mid[k] + 10)
        kind = draw(st.sampled_from(["market", "market", "pending", "close", "modify",
                                     "cancel", "target", "close_by"]))
        vol = draw(st.integers(1, 200)) / 100.0

        def off():
            return draw(st.one_of(st.just(None), st.integers(-20, 400)))

        def lvl(ref, sign):
            o = off()
            return 0.0 if o is None else round((ref + sign * o) * PT, 5)

        if kind == "market":
            buy = draw(st.booleans())
            ref = bp if buy else ap
            sl = lvl(ref, -1 if buy else 1)
            tp = lvl(ref, 1 if buy else -1)
            rows.append(sc.row(ts, Action.NEW, OrderType.BUY if buy else OrderType.SELL, vol,
                               sl=sl, tp=tp, symbol=k))
        elif kind == "pending":
            otype = draw(st.sampled_from([OrderType.BUY_LIMIT, OrderType.SELL_LIMIT,
                                          OrderType.BUY_STOP, OrderType.SELL_STOP]))
            o = draw(st.integers(-20, 400))
            below = otype in (OrderType.BUY_LIMIT, OrderType.SELL_STOP)
            ref = ap if otype in (OrderType.BUY_LIMIT, OrderType.BUY_STOP) else bp
            p = ref - o if below else ref + o
            buy = otype in (OrderType.BUY_LIMIT, OrderType.BUY_STOP)
            sl = lvl(p, -1 if buy else 1)
            tp = lvl(p, 1 if buy else -1)
            rows.append(sc.row(ts, Action.NEW, otype, vol, price=round(p * PT, 5), sl=sl, tp=tp,
                               symbol=k))
        elif kind == "close":
            tk = draw(st.integers(1001, 1001 + 2 * n_rows))
            otype = draw(st.sampled_from([OrderType.BUY, OrderType.SELL]))
            rows.append(sc.row(ts, Action.CLOSE, otype, vol, ticket=tk, symbol=k))
        elif kind == "modify":
            tk = draw(st.integers(1001, 1001 + 2 * n_rows))
            buy = draw(st.booleans())
            ref = bp if buy else ap
            rows.append(sc.row(ts, Action.MODIFY, OrderType.BUY, 0.0,
                               price=round((ap - draw(st.integers(-20, 300))) * PT, 5),
                               sl=lvl(ref, -1 if buy else 1), tp=lvl(ref, 1 if buy else -1),
                               ticket=tk, symbol=k))
        elif kind == "close_by":
            # low tickets: the first few orders, so that opposite pairs do occur
            tk = draw(st.integers(1001, 1004))
            rows.append(sc.close_by(ts, tk, draw(st.integers(1001, 1004)), symbol=k))
        elif kind == "cancel":
            tk = draw(st.integers(1001, 1001 + 2 * n_rows))
            rows.append(sc.row(ts, Action.CANCEL, OrderType.BUY_LIMIT, 0.0, ticket=tk, symbol=k))
        else:
            rows.append(sc.target(ts, draw(st.integers(-300, 300)) / 100.0, symbol=k))
    rows.sort(key=lambda r: r[0])
    cfg = dict(
        mode=mode,
        trigger_fill=draw(st.sampled_from(["mt5", "order_price", "no_positive_slippage"])),
        slip=draw(st.sampled_from([0.0, 0.0, 1.0, 3.0])),
        commission=draw(st.booleans()),
        balance=draw(st.sampled_from([1_000.0, 3_000.0, 10_000.0, 100_000.0])),
        latency=draw(st.sampled_from([0.0, 0.0, 700.0, 1700.0])),
        fill_on=draw(st.sampled_from(["arrival", "next_tick"])),
        exe_mode=draw(st.sampled_from(["market", "market", "instant"])),
        deviation=draw(st.sampled_from([0, 3, 20])),
    )
    return n_sym, ticks, rows, cfg


def simulate(n_sym, ticks, rows, cfg, run=True):
    names = ["EURUSD", "GBPUSD"][:n_sym]
    specs = [spec(n, 3.5) for n in names]
    streams = []
    for k in range(n_sym):
        tk = [x for x in ticks if x[1] == k] or [(ticks[-1][0], k, 110_000, 110_010)]
        streams.append((np.array([x[0] for x in tk], dtype=np.int64),
                        np.array([round(x[2] * PT, 5) for x in tk]),
                        np.array([round(x[3] * PT, 5) for x in tk])))
    ex = ExecutionConfig(trigger_fill=cfg["trigger_fill"], commission=cfg["commission"],
                         swaps=False, fill_on=cfg["fill_on"],
                         exe_mode=cfg.get("exe_mode", "market"),
                         deviation=cfg.get("deviation", 0),
                         submit_latency=Dist("constant", cfg["latency"]),
                         slippage=Slippage("fixed", cfg["slip"]) if cfg["slip"] else Slippage())
    acct = AccountConfig(mode=cfg["mode"], balance=cfg["balance"], equity_bucket_s=1)
    p = sc.Params(rows=tuple(rows))
    sim = Simulation(specs, streams, sc, sc.make_params(p), ex, acct, data=sc.make_data(p))
    r = sim.run() if run else None
    return sim, r, streams


# -- REFERENCE RECONSTRUCTIONS --

def quote_at(streams, k, ts):
    """Quote of symbol ``k`` in force at ``ts`` (last tick with time <= ts), or None."""
    tts, bid, ask = streams[k]
    i = np.searchsorted(tts, ts, side="right") - 1
    return (bid[i], ask[i]) if i >= 0 else None


def quotes_in_force(streams, k, ts):
    """The quotes of symbol ``k`` a deal at ``ts`` may have met: the one in force at ``ts``,
    and, if ``k`` ticks exactly at ``ts``, the one before that tick."""
    out = [quote_at(streams, k, ts)]
    if ts in set(streams[k][0].tolist()) and quote_at(streams, k, ts - 1) is not None:
        out.append(quote_at(streams, k, ts - 1))
    return out


def check_fill(d, by_cid, b, k, mode, cfg, slip_max):
    """A deal's price against the quote (``b``, ``k``) it met: market, stop-out, pending."""
    price = float(d["price"])
    buy = d["type"] == 0
    mkt = k if buy else b
    adverse = (price - mkt) if buy else (mkt - price)     # >= 0: worse than the quote
    reason = int(d["reason"])
    if reason == DealReason.SO:
        assert -1e-12 <= adverse <= slip_max, d
        return
    if reason in (DealReason.SL, DealReason.TP):
        return                                 # checked below with the levels
    o = by_cid[int(d["cid"])]
    t = int(o["type"])
    if o["action"] == Action.CLOSE_BY:          # at an open price, not at the quote
        assert mode == "hedging" and d["entry"] == DealEntry.OUT_BY, d
        return
    if o["action"] == Action.CLOSE or t in (OrderType.BUY, OrderType.SELL):
        assert -1e-12 <= adverse <= slip_max, (d, b, k)
        return
    level = float(o["price"])
    # pending: triggered on the right side of its own level
    if t == OrderType.BUY_LIMIT:
        assert k <= level + 1e-12
    elif t == OrderType.BUY_STOP:
        assert k >= level - 1e-12
    elif t == OrderType.SELL_LIMIT:
        assert b >= level - 1e-12
    else:
        assert b <= level + 1e-12
    stop = t in (OrderType.BUY_STOP, OrderType.SELL_STOP)
    if cfg["trigger_fill"] == "order_price" or (
            not stop and cfg["trigger_fill"] == "no_positive_slippage"):
        assert abs(price - level) < 1e-12, (d, level)
    elif stop:
        assert -1e-12 <= adverse <= slip_max, (d, b, k)
    else:
        assert abs(adverse) < 1e-12, (d, b, k)


def rebuild_positions(deals, mode, upto=None):
    """Open positions from the journal: {key: [symbol, side, volume, price]}.

    Hedging keys are position tickets (== identifiers); netting keys are symbols.
    """
    pos = {}
    for d in deals:
        if d["retcode"] != Retcode.DONE or (upto is not None and d["ts"] > upto):
            continue
        side = 1 if d["type"] == 0 else -1
        vol = float(d["volume"])
        key = int(d["position_id"]) if mode == "hedging" else int(d["symbol"])
        p = pos.get(key)
        if p is None:
            assert d["entry"] == DealEntry.IN
            pos[key] = [int(d["symbol"]), side, vol, float(d["price"])]
        elif p[1] == side:
            assert mode == "netting" and d["entry"] == DealEntry.IN
            total = p[2] + vol
            p[3] = (p[3] * p[2] + float(d["price"]) * vol) / total
            p[2] = total
        else:
            closed = min(p[2], vol)
            rest = vol - closed
            p[2] -= closed
            if rest > 1e-9:
                assert mode == "netting" and d["entry"] == DealEntry.INOUT
                pos[key] = [p[0], side, rest, float(d["price"])]
            elif p[2] <= 1e-9:
                assert d["entry"] in (DealEntry.OUT, DealEntry.OUT_BY)
                del pos[key]
            else:
                assert d["entry"] in (DealEntry.OUT, DealEntry.OUT_BY)
    return pos


# -- THE PROPERTY --

def check_run(sim, r, streams, cfg):
    mode = cfg["mode"]
    a = r.account[0]
    done = r.deals[r.deals["retcode"] == Retcode.DONE]
    slip_max = cfg["slip"] * PT + 1e-12

    # balance moves only by booked deal money; the journal's running balance agrees
    bal = cfg["balance"]
    for d in done:
        bal = round(bal + d["profit"] + d["commission"] + d["swap"], 2)
        assert abs(d["balance"] - bal) < 1e-6, d
    assert abs(a["balance"] - bal) < 1e-6

    # positions rebuilt from the journal == the venue's open positions
    pos = rebuild_positions(r.deals, mode)
    venue = r.positions
    assert len(venue) == len(pos)
    for p in venue:
        key = int(p["ticket"]) if mode == "hedging" else int(p["symbol"])
        if mode == "hedging":
            assert p["ident"] == p["ticket"]
        sym, side, vol, price = pos[key]
        assert (p["symbol"], p["side"]) == (sym, side)
        assert abs(p["volume"] - vol) < 1e-9
        assert abs(p["price"] - price) < 1e-12

    # equity identity on the account and every equity row
    assert abs(a["equity"] - (a["balance"] + a["floating"] + a["swap_open"])) < 1e-6
    assert abs(a["floating"] - venue["profit"].sum()) < 1e-6
    fl = 0.0
    for sym, side, vol, price in pos.values():
        b, k = quote_at(streams, sym, r.equity[-1]["ts"]) if len(r.equity) else (0, 0)
        fl += floating(side, vol, price, b, k)
    assert abs(a["floating"] - fl) < 1e-6, (a["floating"], fl)
    for row in r.equity:
        fl = 0.0
        for sym, side, vol, price in rebuild_positions(r.deals, mode, upto=row["ts"]).values():
            b, k = quote_at(streams, sym, row["ts"])
            fl += floating(side, vol, price, b, k)
        assert abs(row["equity"] - row["balance"] - fl) < 1e-6, (row, fl)

    # margin: never an executed entry without free margin for it (checked by level >= 0)
    assert a["margin"] >= 0.0

    # fill prices against the quote in force at the deal
    ords = sim.V[1][: sim.V[5][0]["n_orders"]]
    by_cid = {int(o["cid"]): o for o in ords}
    for d in done:
        # ticks of several symbols at one instant are replayed one after the other, so a
        # deal at ``ts`` may have met its symbol's quote from before ``ts`` or the one at it
        errors = []
        for b, k in quotes_in_force(streams, int(d["symbol"]), int(d["ts"])):
            try:
                check_fill(d, by_cid, b, k, mode, cfg, slip_max)
                break
            except AssertionError as e:
                errors.append(e)
        else:
            raise errors[0]

    if mode == "hedging" and cfg["latency"] == 0.0:
        check_sltp(r, streams, ords, cfg)

    # reconciliation: decision-side book and net exposure == venue positions
    dsym, book = sim.core.record["quote"], sim.core.record["book"]
    for s in range(len(streams)):
        net = sum(p["side"] * p["volume"] for p in venue if p["symbol"] == s)
        assert abs(dsym[s]["net"] - net) < 1e-9, (s, dsym[s]["net"], net)
        if a["n_inflight"] == 0:
            assert abs(dsym[s]["working"]) < 1e-9, (s, dsym[s]["working"])
    active = book[book["active"]]
    assert len(active) == len(venue)
    vb = {int(p["ident"]): p for p in venue}
    for p in active:
        v = vb[int(p["ident"])]
        assert (p["symbol"], p["side"]) == (v["symbol"], v["side"])
        assert abs(p["volume"] - v["volume"]) < 1e-9
        if a["n_inflight"] == 0:
            assert abs(p["closing"]) < 1e-9


def check_sltp(r, streams, ords, cfg):
    """Hedging, zero latency: SL/TP levels from the orders, trigger timing and fill prices."""
    done = r.deals[r.deals["retcode"] == Retcode.DONE]
    by_cid = {int(o["cid"]): o for o in ords}
    slip_max = cfg["slip"] * PT + 1e-12
    mods = [o for o in ords if o["action"] == Action.MODIFY and o["state"] == OrderState.FILLED]
    opened = {}
    for d in done:
        if d["entry"] == DealEntry.IN:
            o = by_cid[int(d["cid"])]
            opened[int(d["position_id"])] = (int(d["ts"]), float(o["sl"]), float(o["tp"]),
                                             1 if d["type"] == 0 else -1, int(d["symbol"]))
    ends = {}
    for d in done:
        if d["entry"] in (DealEntry.OUT, DealEntry.OUT_BY) and d["volume"] > 0:
            pid = int(d["position_id"])
            if pid not in ends or d["reason"] in (DealReason.SL, DealReason.TP):
                ends[pid] = d

    def levels(pid, t):
        t_open, sl, tp, _, _ = opened[pid]
        for m in mods:     # zero latency: a modify applies from the next tick on
            if m["pos_ticket"] == pid and m["arrive_ts"] < t:
                sl, tp = float(m["sl"]), float(m["tp"])
        return sl, tp

    def hit(side, sl, tp, b, k):
        ref = b if side > 0 else k
        slh = sl > 0 and ((side > 0 and ref <= sl + 1e-12) or (side < 0 and ref >= sl - 1e-12))
        tph = tp > 0 and ((side > 0 and ref >= tp - 1e-12) or (side < 0 and ref <= tp + 1e-12))
        return slh, tph

    last_ts = max(int(streams[k][0][-1]) for k in range(len(streams)))
    for pid, (t_open, _, _, side, sym) in opened.items():
        end = ends.get(pid)
        t_end = int(end["ts"]) if end is not None else last_ts + 1
        if end is not None and end["reason"] in (DealReason.SL, DealReason.TP):
            b, k = quote_at(streams, sym, t_end)
            sl, tp = levels(pid, t_end)
            slh, tph = hit(side, sl, tp, b, k)
            price = float(end["price"])
            if end["reason"] == DealReason.SL:
                assert slh, (end, sl, b, k)
                better = (price - sl) if side > 0 else (sl - price)   # > 0: better than SL
                assert better <= 1e-12, (end, sl)      # an SL never fills better than its level
                if cfg["trigger_fill"] == "order_price":
                    assert abs(price - sl) < 1e-12
                else:
                    mkt = b if side > 0 else k
                    assert -1e-12 <= ((mkt - price) if side > 0 else (price - mkt)) <= slip_max
            else:
                assert tph and not slh, (end, tp, b, k)
                better = (price - tp) if side > 0 else (tp - price)
                if cfg["trigger_fill"] == "mt5":
                    assert better >= -1e-12                    # gap rule: at the quote
                    assert abs(price - (b if side > 0 else k)) < 1e-12
                else:
                    assert abs(price - tp) < 1e-12
        # no tick strictly between the open and the end reached the level in force
        tts, bid, ask = streams[sym]
        for i in range(len(tts)):
            if t_open < tts[i] < t_end:
                sl, tp = levels(pid, int(tts[i]))
                slh, tph = hit(side, sl, tp, bid[i], ask[i])
                assert not (slh or tph), (pid, tts[i], sl, tp, bid[i], ask[i])


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(scenarios())
def test_venue_invariants(sc_):
    n_sym, ticks, rows, cfg = sc_
    sim, r, streams = simulate(n_sym, ticks, rows, cfg)
    check_run(sim, r, streams, cfg)


@st.composite
def close_by_scenarios(draw):
    """Hedging, one symbol: a few market positions both ways, then Close By of random pairs."""
    n_ticks = draw(st.integers(6, 30))
    ticks = []
    mid = 110_000
    t = T0
    for _ in range(n_ticks):
        t += draw(st.integers(1, 3)) * S
        mid += draw(st.integers(-60, 60))
        ticks.append((t, 0, mid, mid + draw(st.integers(0, 25))))
    n_open = draw(st.integers(2, 6))
    rows = []
    for _ in range(n_open):
        ts = ticks[draw(st.integers(0, n_ticks // 2))][0]
        otype = draw(st.sampled_from([OrderType.BUY, OrderType.SELL]))
        rows.append(sc.row(ts, Action.NEW, otype, draw(st.integers(1, 200)) / 100.0))
    for _ in range(draw(st.integers(1, 4))):
        ts = ticks[draw(st.integers(0, n_ticks - 1))][0]
        a = draw(st.integers(1001, 1000 + n_open))
        rows.append(sc.close_by(ts, a, draw(st.integers(1001, 1000 + n_open))))
    rows.sort(key=lambda r: r[0])
    cfg = dict(mode="hedging", trigger_fill="mt5", slip=0.0, commission=draw(st.booleans()),
               balance=100_000.0, latency=draw(st.sampled_from([0.0, 700.0, 1700.0])),
               fill_on="arrival")
    return 1, ticks, rows, cfg


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(close_by_scenarios())
def test_venue_invariants_close_by(sc_):
    n_sym, ticks, rows, cfg = sc_
    sim, r, streams = simulate(n_sym, ticks, rows, cfg)
    check_run(sim, r, streams, cfg)
    # every Close By that executed: two OUT_BY deals of one order, opposite sides, equal
    # volumes, one price; their profits sum to (sell open - buy open) x volume x contract
    done = r.deals[r.deals["retcode"] == Retcode.DONE]
    opened = {int(d["position_id"]): d for d in done if d["entry"] == DealEntry.IN}
    by = done[done["entry"] == DealEntry.OUT_BY]
    assert len(by) % 2 == 0
    for k in range(0, len(by), 2):
        a, b = by[k], by[k + 1]
        assert a["order"] == b["order"] and a["type"] != b["type"]
        assert a["volume"] == b["volume"] and a["price"] == b["price"]
        assert b["profit"] == 0.0 and a["swap"] == 0.0 and b["swap"] == 0.0
        sell = opened[int(a["position_id"] if a["type"] == 0 else b["position_id"])]
        buy = opened[int(b["position_id"] if a["type"] == 0 else a["position_id"])]
        assert a["price"] == opened[int(b["position_id"])]["price"]
        expect = n_round((sell["price"] - buy["price"]) * CONTRACT * a["volume"])
        assert abs(a["profit"] + b["profit"] - expect) < 0.011, (a, b, expect)


def test_per_event_run_matches_replay():
    # the Python-driven per-event loop and the njit replay give the same journal
    ticks = [(T0 + i * S, 0, 110_000 + 37 * ((i * 7) % 11) - 150, 110_012 + 37 * ((i * 7) % 11)
              - 150) for i in range(30)]
    rows = [sc.row(T0 + 2 * S, Action.NEW, OrderType.BUY, 1.0, sl=1.09700, tp=1.10300),
            sc.row(T0 + 3 * S, Action.NEW, OrderType.SELL_LIMIT, 0.5, price=1.10200),
            sc.target(T0 + 10 * S, -1.0), sc.target(T0 + 20 * S, 0.3)]
    cfg = dict(mode="hedging", trigger_fill="mt5", slip=0.0, commission=True, balance=10_000.0,
               latency=0.0, fill_on="arrival")
    sim1, r1, streams = simulate(1, ticks, rows, cfg)
    sim2, _, _ = simulate(1, ticks, rows, cfg, run=False)
    r2 = run_per_event(sim2)
    assert len(r1.deals) >= 4
    assert np.array_equal(r1.deals, r2.deals)
    assert np.array_equal(r1.equity, r2.equity)
    assert np.array_equal(r1.decision, r2.decision)
    check_run(sim1, r1, streams, cfg)


def test_close_naming_another_symbol_is_rejected():
    # regression: the close of an EURUSD position sent for GBPUSD closed it at GBPUSD's quote
    ticks = [(T0 + S, 0, 110_000, 110_010), (T0 + 2 * S, 1, 127_000, 127_010),
             (T0 + 3 * S, 0, 110_000, 110_010)]
    rows = [sc.row(T0 + S, Action.NEW, OrderType.BUY, 1.0, symbol=0),
            sc.row(T0 + 2 * S, Action.CLOSE, OrderType.SELL, 1.0, ticket=1001, symbol=1)]
    cfg = dict(mode="hedging", trigger_fill="mt5", slip=0.0, commission=False, balance=10_000.0,
               latency=0.0, fill_on="arrival")
    sim, r, streams = simulate(2, ticks, rows, cfg)
    assert r.deals["retcode"].tolist() == [Retcode.DONE, Retcode.REJECT]
    assert len(r.positions) == 1 and r.positions[0]["symbol"] == 0
    check_run(sim, r, streams, cfg)


def test_same_tick_close_keeps_working_zero():
    # regression: a close routed before its position was in the book left ``working`` != 0
    ticks = [(T0 + i * S, 0, 110_000, 110_010) for i in range(1, 4)]
    rows = [sc.row(T0 + S, Action.NEW, OrderType.SELL, 0.5),
            sc.row(T0 + S, Action.CLOSE, OrderType.SELL, 0.5, ticket=1001),
            sc.row(T0 + 2 * S, Action.CLOSE, OrderType.BUY_LIMIT, 0.5, ticket=1001)]
    cfg = dict(mode="hedging", trigger_fill="mt5", slip=0.0, commission=False, balance=10_000.0,
               latency=0.0, fill_on="arrival")
    sim, r, streams = simulate(1, ticks, rows, cfg)
    assert r.deals["retcode"].tolist() == [Retcode.DONE, Retcode.DONE, Retcode.POSITION_CLOSED]
    assert sim.core.record["quote"][0]["working"] == 0.0 and sim.core.record["quote"][0]["net"] == 0.0
    check_run(sim, r, streams, cfg)
