"""Limits of the simulated venue fail loudly and never corrupt state."""

import numpy as np
import pytest

import strategies.scripted as sc
from sim.batch.engine import Simulation
from sim.config import AccountConfig, Dist, ExecutionConfig
from sim.core.enums import Action, OrderState, OrderType, Retcode
from sim.data.symbols import SymbolSpec, load_symbol
from sim.venue.state import POSITIONS

T0 = 1_700_000_000_000_000_000


def _run(specs, streams, rows, execution=None, account=None):
    p = sc.Params(rows=tuple(rows))
    return Simulation(specs, streams, sc, sc.make_params(p), execution or ExecutionConfig(commission=False),
                      account or AccountConfig(balance=1e7), data=sc.make_data(p)).run()


def test_hedging_positions_beyond_the_table_are_rejected_not_overwritten():
    # Arrange: 70 separate buys on a hedging account with a 64-slot position table
    n = POSITIONS + 6
    ts = T0 + np.arange(n + 1, dtype=np.int64) * 1_000_000
    bid, ask = np.full(n + 1, 1.1), np.full(n + 1, 1.1001)
    rows = [sc.row(int(ts[i]), Action.NEW, OrderType.BUY, 0.01) for i in range(n)]
    # Act
    r = _run([load_symbol("EURUSD")], [(ts, bid, ask)], rows, account=AccountConfig(mode="hedging"))
    # Assert
    assert (r.deals["retcode"] == Retcode.DONE).sum() == POSITIONS
    assert (r.deals["retcode"] == Retcode.BOOK_FULL).sum() == 6
    assert len(r.positions) == POSITIONS
    assert r.account[0]["margin"] == pytest.approx(POSITIONS * 0.01 * 1000 * 1.1001, abs=0.01 * POSITIONS)


def test_a_full_position_table_still_closes_a_position():
    # Arrange: 64 buys fill the table; then a close of the first
    n = POSITIONS
    ts = T0 + np.arange(n + 2, dtype=np.int64) * 1_000_000
    bid, ask = np.full(n + 2, 1.1), np.full(n + 2, 1.1001)
    rows = [sc.row(int(ts[i]), Action.NEW, OrderType.BUY, 0.01) for i in range(n)]
    rows.append(sc.row(int(ts[n]), Action.CLOSE, OrderType.SELL, 0.01, ticket=1001))
    # Act
    r = _run([load_symbol("EURUSD")], [(ts, bid, ask)], rows, account=AccountConfig(mode="hedging"))
    # Assert: a close needs no free slot
    assert (r.deals["retcode"] == Retcode.DONE).sum() == POSITIONS + 1
    assert len(r.positions) == POSITIONS - 1 and 1001 not in r.positions["ticket"]


def test_trade_before_the_conversion_pair_quotes_is_rejected_price_off():
    # Arrange: GBPJPY ticks from T0, USDJPY and GBPUSD only from T0 + 5 s
    t = T0 + np.arange(10, dtype=np.int64) * 1_000_000_000
    late = t[5:]
    streams = [(t, np.full(10, 190.0), np.full(10, 190.02)),
               (late, np.full(5, 150.0), np.full(5, 150.02)),
               (late, np.full(5, 1.27), np.full(5, 1.2701))]
    specs = [load_symbol("GBPJPY"), load_symbol("USDJPY"), load_symbol("GBPUSD")]
    rows = [sc.row(int(t[0]), Action.NEW, OrderType.BUY, 1.0), sc.row(int(t[6]), Action.NEW, OrderType.BUY, 1.0)]
    # Act
    r = _run(specs, streams, rows)
    # Assert: the early order is refused, the later one fills, equity is finite throughout
    assert list(r.deals["retcode"]) == [Retcode.PRICE_OFF, Retcode.DONE]
    assert np.isfinite(r.equity["equity"]).all() and np.isfinite(r.account[0]["equity"])
    assert r.positions[0]["margin"] == pytest.approx(1000 * 1.2701)


def test_hundreds_of_stops_triggered_on_one_tick_all_fill():
    # Arrange: 600 buy stops placed one per tick, then one tick through all of them
    n = 600
    spec = SymbolSpec("EURUSD", 5, 0.00001, 100000, "forex", "EUR", "USD", "EUR", 0.01, 0.01, 100.0)
    ts = T0 + np.arange(n + 2, dtype=np.int64) * 1_000_000
    bid = np.full(n + 2, 1.1000)
    bid[-1] = 1.1100
    ask = bid + 0.0001
    rows = [sc.row(int(ts[i]), Action.NEW, OrderType.BUY_STOP, 0.01, price=1.1050) for i in range(n)]
    ex = ExecutionConfig(commission=False, report_latency=Dist("constant", 1000.0))
    # Act
    r = _run([spec], [(ts, bid, ask)], rows, execution=ex)
    # Assert
    fills = r.deals[r.deals["retcode"] == Retcode.DONE]
    assert len(fills) == n and (fills["ts"] == ts[-1]).all()
    assert r.positions[0]["volume"] == pytest.approx(n * 0.01)


def test_futures_calc_mode_refused_without_its_tick_value_and_margin():
    with pytest.raises(ValueError, match="futures"):
        SymbolSpec("ES", 2, 0.25, 50, "futures", "USD", "USD", "USD", 1, 1, 100)


def test_netting_close_by_identifier_after_reversal():
    # Arrange: buy 1, sell 2 (reversal: ticket changes, identifier stays), then close by id
    ts = T0 + np.arange(4, dtype=np.int64) * 1_000_000
    bid, ask = np.full(4, 1.1), np.full(4, 1.1001)
    rows = [sc.row(int(ts[0]), Action.NEW, OrderType.BUY, 1.0),
            sc.row(int(ts[1]), Action.NEW, OrderType.SELL, 2.0),
            sc.row(int(ts[2]), Action.CLOSE, OrderType.BUY, 1.0, ticket=1001)]
    # Act
    r = _run([load_symbol("EURUSD")], [(ts, bid, ask)], rows)
    # Assert: the close finds position 1001 (now ticket 1002) and flattens it
    assert list(r.deals["retcode"]) == [Retcode.DONE] * 3
    assert len(r.positions) == 0


def test_a_conversion_pair_quoted_below_one_is_a_quote_like_any_other():
    # Arrange: an AUD account trading EURUSD: profit converts through AUDUSD at 0.65 (its
    # price, not a missing quote); the margin through the fixed EURAUD rate
    t = T0 + np.arange(3, dtype=np.int64) * 1_000_000_000
    streams = [(t, np.full(3, 1.1), np.full(3, 1.1001)),
               (t, np.full(3, 0.65), np.full(3, 0.6501))]
    rows = [sc.row(int(t[1]), Action.NEW, OrderType.BUY, 1.0)]
    acct = AccountConfig(currency="AUD", balance=1e5, rates={"EURAUD": 1.69})
    # Act
    audusd = SymbolSpec("AUDUSD", 5, 0.00001, 100000, "forex", "AUD", "USD", "AUD", 0.01, 0.01,
                        100.0)
    r = _run([load_symbol("EURUSD"), audusd], streams, rows, account=acct)
    # Assert: filled; margin 100 000 EUR / 100 x 1.69 = 1 690.00 AUD
    assert list(r.deals["retcode"]) == [Retcode.DONE]
    assert r.positions[0]["margin"] == pytest.approx(1_690.00)


def test_the_order_journal_shows_each_order_as_it_ended_past_the_order_tables_compaction():
    # Arrange: 150 market orders, one a tick, netting; every 10th asks 500 lots (no money).
    # Finished slots are dropped from the order table every few dozen orders (their journal
    # rows take their last state first)
    n = 150
    ts = T0 + np.arange(n + 1, dtype=np.int64) * 1_000_000
    bid, ask = np.full(n + 1, 1.1), np.full(n + 1, 1.1001)
    rows = [sc.row(int(ts[i]), Action.NEW, OrderType.BUY if i % 2 == 0 else OrderType.SELL,
                   500.0 if i % 10 == 9 else 0.01) for i in range(n)]
    # Act
    r = _run([load_symbol("EURUSD")], [(ts, bid, ask)], rows,
             account=AccountConfig(balance=10_000.0))
    # Assert: the filled ones FILLED under the ticket their deal names; the refused ones
    # REJECTED with no ticket taken (MT5 gives a refused request none)
    o = r.orders
    refused = np.arange(n) % 10 == 9
    assert (o["state"][refused] == OrderState.REJECTED).all()
    assert (o["ticket"][refused] == 0).all()
    assert (o["state"][~refused] == OrderState.FILLED).all()
    done = r.deals[r.deals["retcode"] == Retcode.DONE]
    assert o["ticket"][~refused].tolist() == done["order"].tolist()
    assert done["order"].tolist() == list(range(1001, 1001 + int((~refused).sum())))
