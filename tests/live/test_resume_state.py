"""A restarted demo session's strategy resumes from the state its predecessor journaled
(docs/operations.md, "Stop and recover"), or starts afresh and says why."""

import base64

from live_session import two_sessions

from live.broker_session import BrokerSession
from live.journal import read_journal


def spy_on_resume(monkeypatch):
    """The second session's strategy state right after its resume."""
    seen = {}
    resume = BrokerSession.resume

    def spy(self, ts):
        seen["fresh"] = self.core.sstate.tobytes()
        resume(self, ts)
        seen["resumed"] = self.core.sstate.tobytes()

    monkeypatch.setattr(BrokerSession, "resume", spy)
    return seen


def test_a_restart_resumes_the_strategy_where_it_stopped(tmp_path, monkeypatch):
    # Arrange, act: ema_cross for 2,000 ticks, stopped; restarted on the same store
    seen = spy_on_resume(monkeypatch)
    store, first, second = two_sessions(tmp_path)
    # Assert: the first session's last state (journaled at its wind-down) is the second's
    # after its resume: the EMAs go on, not from zero
    ended = first.core.sstate.tobytes()
    assert seen["fresh"] != ended and seen["resumed"] == ended
    rows = read_journal(store, first.session)
    saved = [r for r in rows if r["kind"] == "strategy_state"]
    assert base64.b64decode(saved[-1]["state"]) == ended
    # each command was journaled right after the state that decided it (ema_cross's state
    # changes on every tick), in its write-ahead transaction
    for k, r in enumerate(rows):
        if r["kind"] == "command":
            j = k - 1
            while rows[j]["kind"] in ("decision", "command"):
                j -= 1
            assert rows[j]["kind"] == "strategy_state", (r, rows[j])
    later = read_journal(store, second.session)
    restored = [r for r in later if r["kind"] == "strategy_restored"]
    assert [(r["session"], r["row"]) for r in restored] == [(first.session, saved[-1]["n"])]
    # and passed on at once, as the second session's own (its successor resumes from it)
    own = [r for r in later if r["kind"] == "strategy_state"]
    assert base64.b64decode(own[0]["state"]) == ended and own[0]["n"] > restored[0]["n"]


def test_a_restart_with_other_parameters_starts_the_strategy_afresh(tmp_path, monkeypatch):
    seen = spy_on_resume(monkeypatch)
    store, first, second = two_sessions(tmp_path, second=["strategy.fast=7"])
    assert seen["resumed"] == seen["fresh"]
    fresh = [r for r in read_journal(store, second.session) if r["kind"] == "strategy_fresh"]
    assert [r["why"] for r in fresh] == ["the strategy, its parameters or the symbols changed"]


def test_a_journaled_state_that_does_not_fit_is_not_restored(tmp_path, monkeypatch):
    # the newest strategy_state row of the first session damaged (a truncated blob)
    import sqlite3

    seen = spy_on_resume(monkeypatch)
    real = BrokerSession.restore_strategy_state

    def damage_then_restore(self, prev, ts):
        db = sqlite3.connect(self.cfg.store)
        n, body = db.execute("SELECT n, body FROM live_journal WHERE session = ? AND kind = "
                             "'strategy_state' ORDER BY n DESC LIMIT 1", [prev]).fetchone()
        body = body.replace('"state":"', '"state":"AAAA')
        db.execute("UPDATE live_journal SET body = ? WHERE session = ? AND n = ?",
                   [body, prev, n])
        db.commit()
        db.close()
        real(self, prev, ts)

    monkeypatch.setattr(BrokerSession, "restore_strategy_state", damage_then_restore)
    store, _, second = two_sessions(tmp_path)
    assert seen["resumed"] == seen["fresh"]
    fresh = [r for r in read_journal(store, second.session) if r["kind"] == "strategy_fresh"]
    assert len(fresh) == 1 and fresh[0]["why"].startswith("the journaled state does not fit")
