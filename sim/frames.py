"""RunResult records -> pandas DataFrames (the edge where pandas appears).

Thin unwrapping only: symbol indices become names, int64 ns become
``datetime64[ns, UTC]``, MT5 codes keep their numeric values.  Units: prices in
quote currency, volumes in lots, money in the account currency.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.core.enums import RETCODE_DESC, OrderState, Retcode, TradingState

DONE = Retcode.DONE
ORDER_STATES = {v: k.lower() for k, v in OrderState._asdict().items()}
TRADING_STATES = {v: k for k, v in TradingState._asdict().items()}
RISK_RULES = {v: k[len("RISK_"):].lower() for k, v in Retcode._asdict().items()
              if k.startswith("RISK_")}


def utc(ns: np.ndarray) -> pd.DatetimeIndex:
    """int64 ns UTC -> tz-aware ``DatetimeIndex`` (UTC)."""
    return pd.DatetimeIndex(np.asarray(ns, dtype="datetime64[ns]")).tz_localize("UTC")


def _names(names: list[str], idx: np.ndarray) -> np.ndarray:
    lut = np.asarray(list(names) + ["?"], dtype=object)
    idx = np.asarray(idx, dtype=np.int64)
    return lut[np.where((idx >= 0) & (idx < len(names)), idx, len(names))]


def trades_frame(result) -> pd.DataFrame:
    """One row per closing deal (full or partial close) of ``result.trades``.

    Columns: ``symbol`` (name), ``side`` (+1 long / -1 short), ``lots``,
    ``open_ts``/``close_ts`` (UTC), ``open_price``/``close_price``, ``profit``
    (gross, account currency), ``commission`` and ``swap`` (signed, negative =
    paid), ``pnl`` = profit + commission + swap, ``reason`` (MT5 DEAL_REASON of
    the close), ``position_id``.
    """
    t = result.trades
    return pd.DataFrame({
        "symbol": _names(result.names, t["symbol"]),
        "side": t["side"].astype(np.int64),
        "lots": t["volume"].astype(np.float64),
        "open_ts": utc(t["open_ts"]),
        "open_price": t["open_price"].astype(np.float64),
        "close_ts": utc(t["close_ts"]),
        "close_price": t["close_price"].astype(np.float64),
        "profit": t["profit"].astype(np.float64),
        "commission": t["commission"].astype(np.float64),
        "swap": t["swap"].astype(np.float64),
        "pnl": (t["profit"] + t["commission"] + t["swap"]).astype(np.float64),
        "reason": t["reason"].astype(np.int64),
        "position_id": t["position_id"].astype(np.int64),
    })


def _deals_frame(result, deals: np.ndarray) -> pd.DataFrame:
    d = deals
    return pd.DataFrame({
        "ts": utc(d["ts"]),
        "cid": d["cid"].astype(np.int64),
        "order": d["order"].astype(np.int64),
        "deal": d["deal"].astype(np.int64),
        "position_id": d["position_id"].astype(np.int64),
        "symbol": _names(result.names, d["symbol"]),
        "type": d["type"].astype(np.int64),
        "entry": d["entry"].astype(np.int64),
        "reason": d["reason"].astype(np.int64),
        "retcode": d["retcode"].astype(np.int64),
        "lots": d["volume"].astype(np.float64),
        "price": d["price"].astype(np.float64),
        "profit": d["profit"].astype(np.float64),
        "commission": d["commission"].astype(np.float64),
        "swap": d["swap"].astype(np.float64),
        "signal_ts": utc(d["signal_ts"]),
        "signal_price": d["signal_price"].astype(np.float64),
        "slippage": d["slippage"].astype(np.float64),
        "spread_cost": d["spread_cost"].astype(np.float64),
        "balance": d["balance"].astype(np.float64),
    })


def fills_frame(result) -> pd.DataFrame:
    """Executed deals (``retcode == 10009``), one row per deal.

    ``type`` is MT5 DEAL_TYPE (0 buy, 1 sell), ``entry`` DEAL_ENTRY (0 in, 1 out,
    2 in/out, 3 out by: a Close By), ``slippage`` and ``spread_cost`` are money paid (positive = cost),
    ``signal_ts`` is when the strategy decided (UTC), ``balance`` is after the deal.
    """
    d = result.deals
    return _deals_frame(result, d[d["retcode"] == DONE])


def rejections_frame(result) -> pd.DataFrame:
    """Rejected requests (``retcode != 10009``) with ``reason_text`` from RETCODE_DESC."""
    d = result.deals
    f = _deals_frame(result, d[d["retcode"] != DONE])
    f["reason_text"] = pd.Series(
        [RETCODE_DESC.get(int(c), f"retcode {int(c)}") for c in f["retcode"]],
        index=f.index, dtype=object)
    return f


def orders_frame(result) -> pd.DataFrame:
    """Every order the decision side sent (``result.orders``, send order) and its outcome.

    Request columns: ``cid``, ``ticket`` (the venue's ticket, 0 if it never got one: the
    deals' ``order``), ``action`` (1 new, 2
    close, 3 modify, 4 cancel, 10 close by), ``type`` (MT5 ORDER_TYPE), ``symbol``, ``lots``,
    ``price``/``sl``/``tp`` (0 = none), ``expiry`` (int ns UTC, 0 = none),
    ``pos_ticket``, ``signal_ts``/``arrive_ts`` (UTC: decided / reaches the venue),
    ``signal_price``.  Outcome from the deal journal: ``retcode`` (10009 if any
    deal filled, else the first rejection code, 0 = no deal yet, e.g. a pending
    order still working or canceled), ``reason`` (the retcode in words: a risk denial
    names its rule), ``state`` (where the order ended: ``filled``, ``rejected`` (a risk
    denial never left), ``canceled``, ``expired``, or at the end of the run still
    ``placed`` (working) or ``in_flight``; a modify or cancel request that was carried
    out is ``filled``), ``lots_filled``, ``n_deals``, ``first_fill_ts`` (UTC,
    NaT if none).
    """
    o = result.orders
    d = result.deals
    d = d[d["cid"] > 0]
    cids = o["cid"].astype(np.int64)
    retcode = np.zeros(len(o), np.int64)
    filled = np.zeros(len(o), np.float64)
    n_deals = np.zeros(len(o), np.int64)
    first_fill = np.full(len(o), np.iinfo(np.int64).max, np.int64)
    if len(o) and len(d):
        order = np.argsort(cids, kind="stable")
        pos = np.searchsorted(cids[order], d["cid"])
        pos = np.minimum(pos, len(o) - 1)
        hit = cids[order][pos] == d["cid"]
        row = order[pos[hit]]
        dh = d[hit]
        done = dh["retcode"] == DONE
        np.add.at(filled, row[done], dh["volume"][done])
        np.add.at(n_deals, row[done], 1)
        np.minimum.at(first_fill, row[done], dh["ts"][done].astype(np.int64))
        # first rejection per order (journal order), then DONE wins
        rej = ~done
        for r, code in zip(row[rej][::-1], dh["retcode"][rej][::-1], strict=True):
            retcode[r] = code
        retcode[n_deals > 0] = DONE
    ff = np.where(n_deals > 0, first_fill, np.iinfo(np.int64).min)     # min int64 = NaT
    return pd.DataFrame({
        "cid": cids,
        "ticket": o["ticket"].astype(np.int64),
        "action": o["action"].astype(np.int64),
        "type": o["type"].astype(np.int64),
        "symbol": _names(result.names, o["symbol"]),
        "lots": o["volume"].astype(np.float64),
        "price": o["price"].astype(np.float64),
        "sl": o["sl"].astype(np.float64),
        "tp": o["tp"].astype(np.float64),
        "expiry": o["expiry"].astype(np.int64),
        "pos_ticket": o["pos_ticket"].astype(np.int64),
        "signal_ts": utc(o["signal_ts"]),
        "arrive_ts": utc(o["arrive_ts"]),
        "signal_price": o["signal_price"].astype(np.float64),
        "retcode": retcode,
        "reason": [RETCODE_DESC.get(int(c), "") if c else "" for c in retcode],
        "state": [ORDER_STATES.get(int(x), str(x)) for x in o["state"]],
        "lots_filled": filled,
        "n_deals": n_deals,
        "first_fill_ts": utc(ff),
    })


def risk_events_frame(result) -> pd.DataFrame:
    """Every risk decision (``result.risk_events``): a denial (``state_from`` equal to
    ``state_to``) or a trading-state change.

    Columns: ``ts`` (UTC), ``rule`` (its ``Retcode.RISK_*`` name in lower case, e.g.
    ``daily_loss``), ``retcode``, ``symbol`` ("" for an account-wide change), ``cid`` (the
    denied order's client id, 0 for a change), ``value`` (what the rule saw) and
    ``threshold`` (its limit) in the rule's unit (docs/risk.md), ``state_from``,
    ``state_to`` (ACTIVE, REDUCING, HALTED), ``text``.
    """
    r = result.risk_events
    sym = np.asarray(r["symbol"], dtype=np.int64)
    return pd.DataFrame({
        "ts": utc(r["ts"]),
        "rule": [RISK_RULES.get(int(c), str(c)) for c in r["rule"]],
        "retcode": r["rule"].astype(np.int64),
        "symbol": np.where(sym >= 0, _names(result.names, sym), ""),
        "cid": r["cid"].astype(np.int64),
        "value": r["value"].astype(np.float64),
        "threshold": r["threshold"].astype(np.float64),
        "state_from": [TRADING_STATES.get(int(x), str(x)) for x in r["state_from"]],
        "state_to": [TRADING_STATES.get(int(x), str(x)) for x in r["state_to"]],
        "text": [RETCODE_DESC.get(int(c), "") for c in r["rule"]],
    })


def equity_frame(result) -> pd.DataFrame:
    """Equity curve: ``ts`` (UTC), ``balance``, ``equity`` (at the row's last quote),
    ``min_equity``/``max_equity`` (lowest/highest equity inside the bucket), ``margin``
    (account currency)."""
    e = result.equity
    return pd.DataFrame({
        "ts": utc(e["ts"]),
        "balance": e["balance"].astype(np.float64),
        "equity": e["equity"].astype(np.float64),
        "min_equity": e["min_equity"].astype(np.float64),
        "max_equity": e["max_equity"].astype(np.float64),
        "margin": e["margin"].astype(np.float64),
    })


def open_positions_frame(result) -> pd.DataFrame:
    """Positions still open at the end: ``ticket``, ``position_id``, ``symbol``,
    ``side``, ``lots``, ``open_ts``, ``open_price``, ``sl``, ``tp``, ``swap``,
    ``commission`` (paid on entry), ``profit`` (floating, at the last quote)."""
    p = result.positions
    return pd.DataFrame({
        "ticket": p["ticket"].astype(np.int64),
        "position_id": p["ident"].astype(np.int64),
        "symbol": _names(result.names, p["symbol"]),
        "side": p["side"].astype(np.int64),
        "lots": p["volume"].astype(np.float64),
        "open_ts": utc(p["open_ts"]),
        "open_price": p["price"].astype(np.float64),
        "sl": p["sl"].astype(np.float64),
        "tp": p["tp"].astype(np.float64),
        "swap": p["swap"].astype(np.float64),
        "commission": p["commission"].astype(np.float64),
        "profit": p["profit"].astype(np.float64),
    })
