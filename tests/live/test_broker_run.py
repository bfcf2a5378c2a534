"""A demo session is stored as a run made from the broker's reports (``live.broker_record``):
its deals and trades are checked against the fake EA's own account (the simulated venue's
accounting, which books them independently), across a restart too."""

import numpy as np
import pytest
from live_session import live_config, run_session, sample, two_sessions

from live.fake_ea import EAOptions
from live.journal import read_journal
from sim.core.enums import DealEntry, OrderState, Retcode
from sim.store import load_run

TRADE_FIELDS = ("symbol", "side", "volume", "position_id", "open_ts", "open_price", "close_ts",
                "close_price", "profit", "commission", "swap", "reason")
DEAL_FIELDS = ("deal", "order", "position_id", "symbol", "type", "entry", "reason", "volume",
               "price", "profit", "commission", "swap", "balance")


def brokers(ea):
    """The fake EA's account's own journals (its simulated venue's)."""
    return ea.broker.venue.state.journals()


def assert_same(ours, theirs, fields):
    assert len(ours) == len(theirs)
    for f in fields:
        assert np.array_equal(ours[f], theirs[f]), f


@pytest.mark.parametrize("account", ["netting", "hedging"])
def test_a_demo_session_is_a_run_of_the_brokers_deals_and_trades(tmp_path, account):
    store = tmp_path / "s.sqlite"
    cfg = live_config(store, "mode=demo",
                      f"account={'hedging' if account == 'hedging' else 'default'}")
    runner, ea, why = run_session(cfg, sample(12_000),
                                  EAOptions(speed=0, mode="demo", account=account, linger_s=2.0))
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
    assert run["run"]["initial_balance"] == 10_000.0
    pnl = theirs["trades"]
    assert run["metrics"]["gross_pnl"] == pytest.approx(float(pnl["profit"].sum()))
    assert final - 10_000.0 == pytest.approx(float(fills["profit"].sum() + fills["commission"].sum()
                                                   + fills["swap"].sum()))


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
