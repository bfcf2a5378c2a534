"""A demo session is stored as a run made from the broker's reports (``live.broker_record``):
its deals and trades are checked against the fake EA's own account (the simulated venue's
accounting, which books them independently), across a restart too."""

import dataclasses
import random

import numpy as np
import pytest
from live_session import live_config, run_session, sample, two_sessions

from live import protocol as P
from live.broker import FakeBroker
from live.broker_record import BrokerRecord
from live.fake_ea import EAOptions
from live.journal import read_journal
from live.link import Link
from live.runner import Runner
from sim.core.enums import Action, DealEntry, OrderState, OrderType, Retcode
from sim.core.records import order_dt
from sim.data.symbols import load_symbol
from sim.store import load_run

TRADE_FIELDS = ("symbol", "side", "volume", "position_id", "open_ts", "open_price", "close_ts",
                "close_price", "profit", "commission", "swap", "reason")
DEAL_FIELDS = ("deal", "order", "position_id", "symbol", "type", "entry", "reason", "volume",
               "price", "profit", "commission", "swap", "balance")


def brokers(ea):
    """The fake EA's account's own journals (its simulated venue's), its deals the fills."""
    j = ea.broker.venue.state.journals()
    return {**j, "deals": j["deals"][j["deals"]["retcode"] == Retcode.DONE]}


def assert_same(ours, theirs, fields):
    assert len(ours) == len(theirs)
    for f in fields:
        assert np.array_equal(ours[f], theirs[f]), f


@pytest.mark.parametrize("account", ["netting", "hedging"])
def test_a_demo_session_is_a_run_of_the_brokers_deals_and_trades(tmp_path, account):
    store = tmp_path / "s.sqlite"
    cfg = live_config(store, "mode=demo",
                      f"account={'hedging' if account == 'hedging' else 'default'}")
    runner, ea, why = run_session(cfg, sample(12_000),   # an account of its own size
                                  EAOptions(speed=0, mode="demo", account=account, linger_s=2.0,
                                            balance=25_000.0))
    assert why == "bye"
    run_id = runner.finish(why)
    result, theirs = runner.result(), brokers(ea)
    # every deal, as the broker booked it (ticket, order, position, money, balance after)
    fills = result.deals[result.deals["retcode"] == Retcode.DONE]
    assert len(fills) > 50
    assert_same(fills, theirs["deals"], DEAL_FIELDS)
    assert (fills["ts"] // 1_000_000 == theirs["deals"]["ts"] // 1_000_000).all()  # ms clock
    # the trades paired from the wire equal the venue's own (open and close, commissions)
    assert_same(result.trades, theirs["trades"], TRADE_FIELDS)
    assert (result.trades["close_ts"] >= result.trades["open_ts"]).all()
    # every order the core sent, filled, with the broker's ticket; a denial (the first
    # order may come while the start's reconciliation holds the session REDUCING) is a
    # rejection row as in a backtest
    sent = result.orders[result.orders["retcode"] == 0]
    assert (sent["state"] == OrderState.FILLED).all()
    # arrived at the broker when it executed them (the broker's clock), after the signal
    first = {}
    for d in fills[::-1]:
        first[int(d["cid"])] = int(d["ts"])
    assert [first[int(c)] for c in sent["cid"]] == list(sent["arrive_ts"])
    assert (sent["arrive_ts"] >= sent["signal_ts"]).all()
    assert set(sent["ticket"]) == set(theirs["deals"]["order"])
    denied = result.orders[result.orders["retcode"] != 0]
    assert (denied["state"] == OrderState.REJECTED).all()
    refused = result.deals[result.deals["retcode"] != Retcode.DONE]
    assert list(refused["cid"]) == list(denied["cid"])
    # stored as a run of its mode; the metrics are the broker's money
    run = load_run(store, run_id)
    assert run["run"]["mode"] == "demo" and run["run"]["session"] == runner.session
    assert len(run["trades"]) == len(theirs["trades"]) and len(run["fills"]) == len(fills)
    final = float(theirs["account"][0]["balance"])
    assert run["run"]["initial_balance"] == 25_000.0        # the broker's, not account.balance
    pnl = theirs["trades"]
    assert run["metrics"]["gross_pnl"] == pytest.approx(float(pnl["profit"].sum()))
    assert final - 25_000.0 == pytest.approx(float(fills["profit"].sum() + fills["commission"].sum()
                                                   + fills["swap"].sum()))
    assert (fills["signal_ts"] > 0).all() and (fills["signal_ts"] <= fills["ts"]).all()


def test_the_fake_ea_reports_the_account_every_30_s_of_market_time(tmp_path):
    store = tmp_path / "s.sqlite"
    ticks = sample(12_000)
    runner, ea, why = run_session(live_config(store, "mode=demo"), ticks,
                                  EAOptions(speed=0, mode="demo"))
    rows = read_journal(store, runner.session)
    unasked = [r for r in rows if r["kind"] == "snapshot" and not r["cid"]]
    # as the EA's InpSnapshotSec=30: at the first tick 30 s after the last one (a quiet
    # market's gap between ticks can make it later)
    span_s = (int(ticks.ts[-1]) - int(ticks.ts[0])) / 1e9
    gaps = np.diff([r["ts"] for r in unasked]) / 1e9
    assert 28 < np.median(gaps) < 32                     # (the rows' time is ticklab's)
    assert span_s / 30 * 0.8 < len(unasked) <= span_s / 30 + 1
    asked = [r for r in rows if r["kind"] == "snapshot" and r["cid"]]
    assert len(unasked) + len(asked) == ea.sent["snapshot"]
    # each is a point of the run's equity curve, between the deals
    eq = runner.result().equity
    assert len(eq) >= len(unasked) + (runner.result().deals["retcode"] == Retcode.DONE).sum()
    assert (np.diff(eq["ts"]) >= 0).all()


def test_a_trade_closed_after_a_restart_pairs_with_its_opening_before_it(tmp_path):
    # Arrange: the first session leaves a position open (ema_cross is always in the market
    # once it crossed); the second one, resumed, closes it
    store, first, second = two_sessions(tmp_path, n=3_000)
    # Act
    a, b = first.result(), second.result()
    # Assert: the resumed deals are the first session's, not the second's
    assert not set(a.deals["deal"]) & set(b.deals["deal"][b.deals["deal"] > 0])
    opened = a.deals[a.deals["entry"] != DealEntry.OUT]
    t = b.trades[0]
    assert t["open_ts"] < second.first_ts <= t["close_ts"]
    before = opened[opened["position_id"] == t["position_id"]]
    assert len(before) and t["open_ts"] == before["ts"][-1]
    assert t["open_price"] == before["price"][-1]
    # both runs' trades together are the broker's (one account across the restart)
    rows = read_journal(store, second.session)
    assert any(r["kind"] == "resume" for r in rows)


T0 = 1_549_238_400_000_000_000


def place(otype, volume):
    return lambda b: P.Place(cid=f"c{otype}{volume}", symbol="EURUSD", order_type=otype,
                             volume=volume, deadline_ms=0)


def close_by(b):
    p = b.positions[b.positions["active"]]
    return P.CloseBy(cid="cb", position=int(p["ident"][0]), by_position=int(p["ident"][1]),
                     deadline_ms=0)


def close_part(b):
    p = b.positions[b.positions["active"]]
    return P.Close(cid="cp", position=int(p["ident"][0]), volume=0.1, deadline_ms=0)


NETTING = [place(OrderType.BUY, 0.1), place(OrderType.SELL, 0.3), place(OrderType.BUY, 0.2),
           place(OrderType.BUY, 0.3), place(OrderType.SELL, 0.1)]
HEDGING = [place(OrderType.BUY, 0.3), place(OrderType.SELL, 0.1), close_by,
           place(OrderType.SELL, 0.2), close_part]


def broker_deals(entry, account, script):
    """A fake broker (the simulated venue) on EURUSD with ``commission_entry`` ``entry``,
    executing ``script``, one command a second: its deal messages and its own trades."""
    spec = dataclasses.replace(load_symbol("EURUSD"), commission_entry=entry)
    b = FakeBroker([spec], EAOptions(mode="demo", account=account), T0, T0 + 10**12)
    msgs, ts, bid = [], T0, 1.1000
    for k, step in enumerate(script):
        ts, bid = ts + 10**9, bid + 0.0005
        msgs += b.quote(k, ts, 0, bid, bid + 0.0001, ts // 10**6)
        msgs += b.execute(step(b), k, ts, ts // 10**6)
    return [m for m in msgs if isinstance(m, P.Deal)], b.venue.state.journals()["trades"]


@pytest.mark.parametrize("entry", ["all", "in", "out"])
@pytest.mark.parametrize("account, script", [("netting", NETTING), ("hedging", HEDGING)])
def test_trades_pair_as_the_venue_books_them_in_any_order_of_arrival(entry, account, script):
    # Arrange: the broker's deals (netting reversals, partial closes, a Close By), and the
    # venue's own trades, with the symbol's commission on entry, exit or both
    deals, theirs = broker_deals(entry, account, script)
    assert len(theirs) >= 3
    for seed in range(4):                        # as sent, then shuffled (lost and resent)
        order = deals[:] if seed == 0 else random.Random(seed).sample(deals, len(deals))
        rec = BrokerRecord(["EURUSD"], 2, [entry])
        o = np.zeros(1, dtype=order_dt)[0]
        # Act
        for m in order:
            rec.deal(m, o, m.time_msc * 1_000_000, 0, m.position)
        # Assert: the venue's trades, field by field
        assert_same(rec.trades(), theirs, TRADE_FIELDS)


def test_a_close_whose_opening_never_came_is_a_trade_with_its_opening_unknown():
    deals, _ = broker_deals("all", "hedging", HEDGING[:2])
    rec = BrokerRecord(["EURUSD"], 2, ["all"])
    o = np.zeros(1, dtype=order_dt)[0]
    buy = deals[0]
    close = P.msgspec.structs.replace(buy, deal=99, entry=DealEntry.OUT, deal_type=1, volume=0.1,
                                profit=-1.5, time_msc=buy.time_msc + 5_000)
    rec.deal(close, o, close.time_msc * 1_000_000, 0, 4242)     # nothing opened 4242 here
    rec.deal(buy, o, buy.time_msc * 1_000_000, 0, buy.position)
    t = rec.trades()
    assert len(t) == 1 and t[0]["position_id"] == 4242 and t[0]["profit"] == -1.5
    assert np.isnan(t[0]["open_price"]) and t[0]["open_ts"] == t[0]["close_ts"]   # held 0 s


def test_a_session_the_broker_never_reported_to_is_not_stored(tmp_path):
    link = Link("tcp://127.0.0.1:0")
    try:
        runner = Runner(live_config(tmp_path / "s.sqlite", "mode=demo"), link)
        runner.start(T0)                   # the core exists (as at the hello), no figures
        assert runner.result() is None and runner.finish("bye") is None
    finally:
        link.close()


def deal_msg(deal, entry, volume, time_ms, profit=0.0, commission=0.0, balance=10_000.0,
             position=500, deal_type=0):
    return P.Deal(symbol="EURUSD", deal=deal, order=deal, position=position, deal_type=deal_type,
                  entry=entry, reason=0, volume=volume, price=1.1, time_msc=time_ms,
                  profit=profit, commission=commission, balance=balance, equity=balance)


def test_the_initial_balance_is_the_first_snapshots_before_this_sessions_deals():
    rec = BrokerRecord(["EURUSD"], 2, ["all"])
    o = np.zeros(1, dtype=order_dt)[0]
    # a deal in the snapshot's second, reported before it (the EA's snapshot time is whole
    # seconds); one made while ticklab was down, resent after it; one made after it
    rec.deal(deal_msg(1, 0, 0.1, 5_000_500, commission=-7.0, balance=9_993.0), o,
             5_000_500 * 10**6, 0, 500)
    rec.account(5_000_000 * 10**6, 9_990.0, 9_990.0, 0.0, snapshot=True)
    rec.deal(deal_msg(2, 1, 0.1, 4_000_000, profit=-3.0, balance=9_990.0, position=400,
                      deal_type=1), o, 4_000_000 * 10**6, 0, 400)
    rec.deal(deal_msg(3, 1, 0.1, 5_001_200, profit=5.0, balance=9_995.0, deal_type=1), o,
             5_001_200 * 10**6, 0, 500)
    assert rec.initial_balance() == 10_000.0
    # a refusal's row carries the balance known then
    rec.rejected(o, 5_002_000 * 10**6, 0, Retcode.REJECT)
    assert rec.deals[int(rec.acct[0]["n_deals"]) - 1]["balance"] == 9_995.0


def test_a_close_larger_than_the_known_opening_opens_nothing():
    rec = BrokerRecord(["EURUSD"], 2, ["all"])
    o = np.zeros(1, dtype=order_dt)[0]
    rec.deal(deal_msg(1, DealEntry.IN, 0.1, 1_000), o, 10**9, 0, 500)
    rec.deal(deal_msg(2, DealEntry.OUT, 0.3, 2_000, deal_type=1), o, 2 * 10**9, 0, 500)
    rec.deal(deal_msg(3, DealEntry.IN, 0.2, 3_000), o, 3 * 10**9, 0, 500)
    rec.deal(deal_msg(4, DealEntry.OUT, 0.2, 4_000, deal_type=1), o, 4 * 10**9, 0, 500)
    t = rec.trades()
    assert list(np.round(t["volume"], 8)) == [0.1, 0.2]
    assert list(t["open_ts"]) == [10**9, 3 * 10**9]           # no phantom reversed position


def test_the_fill_of_a_triggered_stop_order_carries_its_signal(tmp_path):
    store = tmp_path / "s.sqlite"
    runner, ea, why = run_session(live_config(store, "mode=demo", "strategy=breakout"),
                                  sample(60_000), EAOptions(speed=0, mode="demo", linger_s=2.0))
    assert why == "bye"
    result, theirs = runner.result(), brokers(ea)
    fills = result.deals[result.deals["retcode"] == Retcode.DONE]
    o = result.orders
    stops = o[(o["action"] == Action.NEW) & np.isin(o["type"], [OrderType.BUY_STOP,
                                                                OrderType.SELL_STOP])]
    triggered = stops[stops["state"] == OrderState.FILLED]
    assert len(triggered) and set(triggered["ticket"]) <= set(fills["order"])
    ours = fills[fills["cid"] > 0]
    assert len(ours) and (ours["signal_ts"] > 0).all() and (ours["signal_ts"] <= ours["ts"]).all()
    assert_same(result.trades, theirs["trades"], TRADE_FIELDS)
