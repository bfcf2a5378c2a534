"""Cross-check ticklab against vectorbt on real ticks (zero latency, zero costs).

The ema_cross signals are rebuilt here with pandas only (``ewm(span, adjust=False)``
on mid, the strategy's docstring definition), never with ticklab's kernels.  Both
engines then trade the same crossings:

- ticklab: ``Simulation.run()`` with the ideal execution config (no latency, no
  slippage, no commission, no swaps, no stop-out); a buy fills at the ask and a sell
  at the bid of the signal tick;
- vectorbt: ``Portfolio.from_signals`` with ``entries`` = the up-crossings and
  ``short_entries`` = the down-crossings, ``upon_opposite_entry="reverse"``,
  ``accumulate=False``, ``size`` = lots x contract size in units
  (``size_type="amount"``), no fees, huge initial cash, and ``price`` = the ask at a
  buy tick and the bid at a sell tick.  A reversal closes the old position and opens
  the new one at that single price, exactly as ticklab's one net order of 2 x lots.

Compared: trade count, side, entry/exit timestamp, entry/exit price, P&L of every
trade and the total, plus the still-open last position.  Tolerance for P&L is
0.01 per trade: vectorbt keeps P&L unrounded in the quote currency (USD for both
symbols here, = the account currency) while ticklab rounds each deal's profit to
the cent like MT5.  With 5-digit EURUSD x 100,000 units and 1-decimal BTCUSD x 1
coin every true P&L is a whole multiple of 0.1 USD, so the only difference left is
float noise (~1e-9); the totals are compared with the same 0.01 bound.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

vbt = pytest.importorskip("vectorbt")

import strategies.ema_cross as ec  # noqa: E402
from sim.batch.engine import Simulation  # noqa: E402
from sim.config import AccountConfig, ExecutionConfig  # noqa: E402
from sim.data import load_ticks  # noqa: E402
from sim.data.symbols import load_symbol  # noqa: E402

pytestmark = [pytest.mark.vectorbt, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
IDEAL = ExecutionConfig(commission=False, swaps=False, stop_out=False)
CENT = 0.01


def pandas_signals(bid: np.ndarray, ask: np.ndarray, fast: int, slow: int):
    """(buy, sell) boolean arrays: the ticks where fast EMA > slow EMA turns True / False."""
    mid = pd.Series((bid + ask) / 2.0)
    f = mid.ewm(span=fast, adjust=False).mean().to_numpy()
    s = mid.ewm(span=slow, adjust=False).mean().to_numpy()
    up = f > s
    prev = np.concatenate(([False], up[:-1]))      # ``up`` starts False
    return up & ~prev, ~up & prev


def run_ticklab(symbol: str, ticks, fast: int, slow: int, lots: float, mode: str = "netting"):
    p = ec.make_params(ec.Params(fast=fast, slow=slow, lots=lots))
    return Simulation([load_symbol(symbol)], [(ticks.ts, ticks.bid, ticks.ask)], ec, p, IDEAL,
                      AccountConfig(balance=1e9, mode=mode)).run()


def run_vectorbt(ticks, buy, sell, units: float):
    price = np.where(buy, ticks.ask, ticks.bid)
    pf = vbt.Portfolio.from_signals(
        pd.Series(price), entries=pd.Series(buy), short_entries=pd.Series(sell),
        size=units, size_type="amount", accumulate=False, upon_opposite_entry="reverse",
        fees=0.0, slippage=0.0, init_cash=1e12)
    return pf.trades.values      # structured records: entry_idx, exit_idx, pnl, status...


@pytest.fixture(scope="module")
def eurusd():
    return load_ticks(ROOT / "data" / "sample" / "EURUSD")


@pytest.fixture(scope="module")
def btcusd():
    return load_ticks(ROOT / "tests" / "data" / "real" / "dukascopy" / "BTCUSD")


def compare(ticks, res, vt, units: float):
    """Assert that ticklab's trades equal vectorbt's; return a one-line summary."""
    ts = np.asarray(ticks.ts)
    closed = vt[vt["status"] == 1]
    still_open = vt[vt["status"] == 0]
    tr = res.trades
    assert len(tr) == len(closed), f"trade count: ticklab {len(tr)} vs vectorbt {len(closed)}"
    # sides: ticklab +1 buy / -1 sell; vectorbt direction 0 long / 1 short
    np.testing.assert_array_equal(tr["side"], np.where(closed["direction"] == 0, 1, -1))
    np.testing.assert_array_equal(tr["open_ts"], ts[closed["entry_idx"]])
    np.testing.assert_array_equal(tr["close_ts"], ts[closed["exit_idx"]])
    # same quotes, no slippage: the fill prices are the very same floats
    np.testing.assert_array_equal(tr["open_price"], closed["entry_price"])
    np.testing.assert_array_equal(tr["close_price"], closed["exit_price"])
    np.testing.assert_allclose(tr["volume"] * units, closed["size"], rtol=0, atol=1e-9)
    diff = np.abs(tr["profit"] - closed["pnl"])
    worst = int(np.argmax(diff)) if len(diff) else 0
    assert not len(diff) or diff[worst] <= CENT, (
        f"trade {worst}: ticklab profit {tr['profit'][worst]} vs vectorbt {closed['pnl'][worst]}")
    total_t, total_v = float(tr["profit"].sum()), float(closed["pnl"].sum())
    assert abs(total_t - total_v) <= CENT, f"total P&L: ticklab {total_t} vs vectorbt {total_v}"
    # ticklab's balance moved by exactly the closed P&L (no costs)
    a = res.account[0]
    assert abs((a["balance"] - 1e9) - total_t) <= 1e-6
    assert a["commission_total"] == 0 and a["swap_total"] == 0
    # the position still open at the end
    assert len(res.positions) == len(still_open) == 1
    pos, ov = res.positions[0], still_open[0]
    assert pos["open_ts"] == ts[ov["entry_idx"]]
    assert pos["price"] == ov["entry_price"]
    assert pos["side"] == (1 if ov["direction"] == 0 else -1)
    return f"{len(tr)} trades, total {total_t:.2f} USD, max |dP&L| {diff.max():.2e}"


@pytest.mark.parametrize("mode", ["netting", "hedging"])
def test_eurusd_matches_vectorbt(eurusd, mode):
    buy, sell = pandas_signals(eurusd.bid, eurusd.ask, 50, 200)
    assert buy.sum() + sell.sum() > 1000                   # a meaningful number of trades
    units = 1.0 * load_symbol("EURUSD").contract_size
    res = run_ticklab("EURUSD", eurusd, 50, 200, 1.0, mode)
    vt = run_vectorbt(eurusd, buy, sell, units)
    print("EURUSD", mode, compare(eurusd, res, vt, units))


def test_btcusd_matches_vectorbt(btcusd):
    buy, sell = pandas_signals(btcusd.bid, btcusd.ask, 20, 100)
    assert buy.sum() + sell.sum() > 100
    units = 1.0 * load_symbol("BTCUSD").contract_size
    res = run_ticklab("BTCUSD", btcusd, 20, 100, 1.0)
    vt = run_vectorbt(btcusd, buy, sell, units)
    print("BTCUSD", compare(btcusd, res, vt, units))


@pytest.mark.parametrize(("fast", "slow"), [(50, 200), (5, 30), (200, 1000)])
def test_signal_count_equals_pandas_crossings(eurusd, fast, slow):
    """ema_cross's own counter and its fills equal an independent pandas reimplementation."""
    buy, sell = pandas_signals(eurusd.bid, eurusd.ask, fast, slow)
    res = run_ticklab("EURUSD", eurusd, fast, slow, 0.1)
    assert int(res.sstate[0]["signals"]) == int(buy.sum() + sell.sum())
    # zero latency: one deal per signal, at the signal tick, at ask (buy) / bid (sell)
    idx = np.flatnonzero(buy | sell)
    d = res.deals
    np.testing.assert_array_equal(d["ts"], np.asarray(eurusd.ts)[idx])
    np.testing.assert_array_equal(d["price"], np.where(buy, eurusd.ask, eurusd.bid)[idx])
