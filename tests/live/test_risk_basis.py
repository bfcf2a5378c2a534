"""The loss rules of a demo / production session measure from the broker's account, not
from the backtest's ``account.balance``, and a restart keeps what they measure from
(docs/operations.md, "Risk limits at the broker")."""

from live_session import live_config, run_session, sample, two_sessions

from live import protocol as P
from live.fake_ea import EAOptions, FakeEA
from live.journal import read_journal
from sim.core.enums import Retcode, TradingState

N = 2_000                                   # ticks per session


def risk_rows(store, session):
    return [r for r in read_journal(store, session) if r["kind"] == "risk_basis"]


def halts(runner):
    ev = runner.core.risk_events
    return [int(e["rule"]) for e in ev
            if e["state_to"] == TradingState.HALTED != e["state_from"]]


def test_a_small_account_is_not_halted_for_the_configured_balance(tmp_path):
    # Arrange: account.balance says 10 000 (the backtest's); the broker's account holds
    # 3 000.  A 5 % drawdown rule measured from 10 000 would see a 70 % loss at once.
    store = tmp_path / "s.sqlite"
    cfg = live_config(store, "mode=demo", "risk.max_drawdown_pct=5", "risk.daily_loss_pct=2")
    # Act
    runner, ea, why = run_session(cfg, sample(N), EAOptions(speed=0, mode="demo",
                                                            balance=3_000.0, linger_s=2.0))
    # Assert: no HALT; the bases are the broker's first figures (no position yet: 3 000)
    assert why == "bye"
    assert halts(runner) == []
    first = risk_rows(store, runner.session)[0]
    assert first["source"] == "broker"
    assert (first["start_equity"], first["day_balance"], first["day_equity"]) == \
        (3_000.0, 3_000.0, 3_000.0)
    assert first["fills_day"] == 0
    # and it kept trading: fills at the broker reached the core and were counted for the day
    n_deals = int(ea.broker.venue.state.account["n_deals"])
    assert n_deals > 0 and runner.core.risk_basis()["fills_day"] == n_deals
    assert risk_rows(store, runner.session)[-1]["fills_day"] == n_deals


def test_a_restart_on_the_same_day_keeps_the_day_basis(tmp_path):
    # Arrange: a 2 % daily loss on balance; 300 lost at the broker between the sessions
    # (3 % of the first session's day balance)
    store, first, second = two_sessions(tmp_path, "risk.daily_loss_pct=2",
                                        "risk.flatten_on_halt=false", lost=300.0)
    # Assert: the second session measured from the first's day (not from its own start,
    # which would have hidden the loss) and HALTED at its first snapshot
    left = risk_rows(store, first.session)[-1]
    rows = risk_rows(store, second.session)
    assert [r["source"] for r in rows[:2]] == ["carried", "resumed"]
    assert rows[1]["day_balance"] == left["day_balance"] == 10_000.0
    assert rows[1]["start_equity"] == left["start_equity"] == 10_000.0
    assert rows[1]["fills_day"] == left["fills_day"] > 0
    assert halts(second) == [Retcode.RISK_DAILY_LOSS]


def closing_by_hand(closed: list):
    """``two_sessions``' ``between``: while ticklab is down, the trader closes every
    position at the broker; its deals are put in ``closed``."""
    def between(broker):
        before = len(broker.history)
        for k, p in enumerate(broker.snapshot(0, 0, "").positions):
            broker.execute(P.Close(cid=f"hand-{k}", position=p.ticket, volume=p.volume,
                                   deadline_ms=0), 0, broker.now, 0)
        closed.extend(broker.history[before:])
    return between


def streak_after(streak: int, deals) -> int:
    """A losing streak after ``deals`` (a loss adds one, a win ends it)."""
    for d in deals:
        net = d.profit + d.commission + d.swap
        streak = streak + 1 if net < 0 else 0 if net > 0 else streak
    return streak


def test_deals_made_while_ticklab_was_down_count_in_the_day_and_the_streak(tmp_path):
    # Arrange: the first session (3,000 ticks: a streak of 9 losing closes) leaves a
    # position open at a loss; the trader closes it by hand before the restart: the EA
    # resends that deal before the second session's snapshot
    closed = []
    store, first, second = two_sessions(tmp_path, n=3_000, between=closing_by_hand(closed))
    left = risk_rows(store, first.session)[-1]
    rows = risk_rows(store, second.session)
    # Assert: the basis once they are booked counts them on top of what the first session
    # left (the EA's periodic snapshot may base the session before or after the resend)
    assert closed
    journal = read_journal(store, second.session)
    booked = max(r["n"] for r in journal if r["kind"] == "deal" and "resumed_from" not in r
                 and r["deal"] in {d.deal for d in closed})
    resumed = next(r for r in rows if r["n"] > booked)
    assert any(r.get("source") == "resumed" for r in rows)
    assert resumed["fills_day"] == left["fills_day"] + len(closed)
    streak = streak_after(left["consecutive_losses"], closed)
    assert resumed["consecutive_losses"] == streak > left["consecutive_losses"] > 0


class Unreported(FakeEA):
    """An EA whose snapshots never reach ticklab: a session ends before its first."""

    def send(self, msg, faulty=True):
        if not isinstance(msg, P.Snapshot):
            super().send(msg, faulty)


def test_a_session_ending_before_its_first_snapshot_passes_on_the_resent_deals_counts(tmp_path):
    # Arrange: as above, the trader closes the position by hand between the sessions; the
    # second session books the resent deal but never hears a snapshot
    closed = []
    store, first, second = two_sessions(tmp_path, n=3_000, between=closing_by_hand(closed),
                                        second_ea=Unreported)
    # Assert: never based on the broker's figures, yet its last basis (what a restart
    # resumes from) counts the resent deal; the money bases are the carried ones
    left = risk_rows(store, first.session)[-1]
    rows = risk_rows(store, second.session)
    assert closed and not second.based
    assert {r["source"] for r in rows} == {"carried"}
    last = rows[-1]
    assert last["fills_day"] == left["fills_day"] + len(closed)
    assert last["consecutive_losses"] == streak_after(left["consecutive_losses"], closed)
    assert (last["start_equity"], last["peak_equity"], last["day_balance"]) == \
        (left["start_equity"], left["peak_equity"], left["day_balance"])


def test_a_large_account_halts_at_its_own_daily_loss(tmp_path):
    # Arrange: the broker's account holds 200 000, account.balance says 10 000; a 1 % daily
    # loss (2 000 at the broker).  Measured from 10 000 it could never fire before the
    # account lost 95 %.  2 500 is lost between two sessions of the same server day.
    store, first, second = two_sessions(tmp_path, "risk.daily_loss_pct=1",
                                        "risk.flatten_on_halt=false", lost=2_500.0,
                                        balance=200_000.0)
    # Assert: measured from the broker's 200 000; the first session traded on, the second
    # HALTED on the day's loss
    assert risk_rows(store, first.session)[0]["day_balance"] == 200_000.0
    assert halts(first) == []
    assert halts(second) == [Retcode.RISK_DAILY_LOSS]


def test_a_restart_on_the_next_day_starts_a_new_day_but_keeps_the_peak(tmp_path):
    # Arrange: the same 300 lost, but the second session starts on the next server day
    store, first, second = two_sessions(tmp_path, "risk.daily_loss_pct=2",
                                        "risk.max_drawdown_pct=50", "risk.trailing=true",
                                        lost=300.0, next_day=True)
    left = risk_rows(store, first.session)[-1]
    rows = risk_rows(store, second.session)
    resumed = rows[1]
    # Assert: a new day's basis (the broker's figures now), no fills yet today, no HALT;
    # the start and peak equity carried from the first session
    assert resumed["source"] == "resumed"
    assert resumed["day_end"] != left["day_end"]
    snap = next(r for r in read_journal(store, second.session) if r["kind"] == "snapshot")
    assert (resumed["day_balance"], resumed["day_equity"]) == (snap["balance"], snap["equity"])
    assert resumed["fills_day"] == 0
    assert resumed["start_equity"] == left["start_equity"]
    assert resumed["peak_equity"] == max(left["peak_equity"], resumed["day_equity"])
    assert halts(second) == []


def test_an_account_in_another_currency_is_refused(tmp_path):
    cfg = live_config(tmp_path / "s.sqlite", "mode=demo")
    runner, ea, why = run_session(cfg, sample(200), EAOptions(speed=0, mode="demo",
                                                              currency="EUR",
                                                              hello_timeout_s=3))
    assert why == ("error: the EA's account is in EUR, account.currency is USD: set "
                   "account.currency=EUR (conversions, margins and risk limits are in the "
                   "account's currency)")


def test_a_session_refused_at_its_hello_does_not_break_the_resume_chain(tmp_path):
    # Arrange: a demo session that traded; then one refused at its hello (the EA's account
    # in another currency): it journaled its config and hello, and nothing to resume from
    store = tmp_path / "s.sqlite"
    first, ea1, why = run_session(live_config(store, "mode=demo"), sample(N),
                                  EAOptions(speed=0, mode="demo", linger_s=2.0))
    assert why == "bye"
    refused, _, why = run_session(live_config(store, "mode=demo"), sample(200),
                                  EAOptions(speed=0, mode="demo", currency="EUR",
                                            hello_timeout_s=3))
    assert why.startswith("error: the EA's account is in EUR")
    # Act: the operator fixes it and starts again, on the first session's broker account
    ticks = sample(N + 500)

    def on_first_broker(endpoint):
        from live.fake_ea import FakeEA

        ea = FakeEA(endpoint, [ticks], EAOptions(speed=0, mode="demo", linger_s=2.0))
        for name in ("ts", "sym", "bid", "ask", "server_ms"):
            setattr(ea, name, getattr(ea, name)[N:])
        ea.broker = ea1.broker
        return ea

    third, _, why = run_session(live_config(store, "mode=demo"), None,
                                make_ea=on_first_broker)
    # Assert: it resumed from the first session, not from the refused one: its deals (with
    # the account after each), its risk bases and its strategy state
    assert why == "bye"
    rows = read_journal(store, third.session)
    resume = [r for r in rows if r["kind"] == "resume"]
    assert [r["session"] for r in resume] == [first.session]
    replayed = [r for r in rows if r["kind"] == "deal" and r.get("resumed_from")]
    assert replayed and all("balance" in r and r["balance"] > 0 for r in replayed)
    bases = risk_rows(store, third.session)
    assert [r["source"] for r in bases[:2]] == ["carried", "resumed"]
    assert bases[0]["session"] == first.session
    assert [r["session"] for r in rows if r["kind"] == "strategy_restored"] == [first.session]
