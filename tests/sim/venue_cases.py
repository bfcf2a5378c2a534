"""Shared harness of the venue case tests: symbols as in mt-execution.md 11, a scripted run."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

import strategies.scripted as sc
from sim.batch.engine import Simulation
from sim.config import AccountConfig, ExecutionConfig
from sim.core.enums import Action, OrderType, Retcode
from sim.data.symbols import load_symbol

S = 1_000_000_000
H = 3600 * S
T0 = pd.Timestamp("2024-01-16T08:00:00Z").value     # Tuesday 10:00 server


def plain(name, **kw):
    kw.setdefault("commission_per_lot", 0.0)
    kw.setdefault("swap_mode", "disabled")
    return dataclasses.replace(load_symbol(name), stops_level=0, freeze_level=0, **kw)


EURUSD = plain("EURUSD")
GBPUSD = plain("GBPUSD")
GBPJPY = plain("GBPJPY")
USDJPY = plain("USDJPY")


def make(specs, quotes, rows, mode="hedging", balance=10_000.0, rates=None, server_tz="NY+7",
         leverage=100.0, **ex):
    """quotes: {symbol index: [(ts, bid, ask), ...]}."""
    streams = []
    for k in range(len(specs)):
        q = quotes[k]
        streams.append((np.array([x[0] for x in q], dtype=np.int64),
                        np.array([x[1] for x in q]), np.array([x[2] for x in q])))
    ex.setdefault("commission", False)
    ex.setdefault("swaps", False)
    p = sc.Params(rows=tuple(rows))
    acct = AccountConfig(mode=mode, balance=balance, equity_bucket_s=1, rates=rates or {},
                         server_tz=server_tz, leverage=leverage)
    return Simulation(specs, streams, sc, sc.make_params(p), ExecutionConfig(**ex), acct,
                      data=sc.make_data(p))


def run(*a, **kw):
    return make(*a, **kw).run()


def done(r):
    return r.deals[r.deals["retcode"] == Retcode.DONE]


def new(ts, otype, vol, symbol=0, price=0.0, sl=0.0, tp=0.0):
    return sc.row(ts, Action.NEW, otype, vol, price=price, sl=sl, tp=tp, symbol=symbol)


def close(ts, ticket, vol, symbol=0):
    return sc.row(ts, Action.CLOSE, OrderType.BUY, vol, ticket=ticket, symbol=symbol)


def eq_at(r, ts):
    row = r.equity[r.equity["ts"] == ts]
    assert len(row) == 1
    return row[0]


def close_by(ts, ticket, by_ticket, symbol=0):
    return sc.close_by(ts, ticket, by_ticket, symbol=symbol)
