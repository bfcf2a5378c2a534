"""The live journal: an append-only table in the results store's SQLite file (WAL).

One row per thing that happened, in order (``n``), with the wall clock (``wall_ns``, UTC)
and the market time (``ts``, UTC ns) where there is one:

| kind       | body                                                                      |
|------------|---------------------------------------------------------------------------|
| config     | the resolved config's hash and YAML                                      |
| hello      | the EA's hello (platform, login, server, modes, limits, clock)           |
| ticks      | a digest of the ticks since the previous row: count, first/last ts, crc32 |
| decision   | an order the core sent (cid, action, type, symbol, lots, price, sl, tp)   |
| denial     | an order the core denied (the risk retcode)                              |
| command    | a command put on the wire (its JSON), written BEFORE it is sent           |
| ack, order_result, deal, order_update | the EA's answers, as received                   |
| state      | a trading-state change; error, bad_frame, gap: faults seen on the link     |
| adopt      | a pending order of ours at the broker booked into the core at reconciliation |
| renumber   | MT4: a partial close left the rest of a position under a new ticket        |
| risk_basis | what the loss rules measure from (the day's balance and equity, start and  |
|            | peak equity, the day's fills, the losing streak) when it changes: at once  |
|            | after a report or a server day, within a second after a tick's change      |
| strategy_state | the strategy's state (base64 of its array), when it changed: with each |
|            | command, in its transaction, else at most once a second; a restart resumes |
|            | from the newest (``strategy_restored``, or ``strategy_fresh`` and why)     |
| stop       | why the session ended and its counters                                   |

Rows are grouped into one transaction per loop turn (a turn with only ticks: at most
every 0.1 s, ``Journal.settle``), committed before each heartbeat to the EA and always
before a command leaves (write-ahead): a ``kill -9`` never loses a command that reached
the EA.  It can lose the uncommitted turn's other rows (acks, deals, states) and about the
last 0.1 s of tick digests; a restart asks the EA for the deals since the last
reconciliation, so none stays lost.
At the end of a session the run's results go to the store's usual tables (``runs`` with
``mode``, ``orders``, ``fills``, ``trades``, ...) under one run id (shadow: the simulated
venue's records; demo, production: the broker's, ``live.broker_record``), so ``ticklab runs
compare`` can set a session beside a backtest.
"""

from __future__ import annotations

import json
import struct
import time
import zlib

from sim.store import open_store

COLUMNS = {"session": str, "n": int, "wall_ns": int, "ts": int, "kind": str, "cid": str,
           "body": str}
_TICK = struct.Struct("<iqdd")


class Journal:
    def __init__(self, path, session: str):
        self.db = open_store(path)
        # checkpoints (copying the WAL into the database) take milliseconds: never inside
        # a commit on the order path; ``maintain`` runs them when the loop is idle
        self.db.execute("PRAGMA wal_autocheckpoint = 0")
        self.last_checkpoint = time.monotonic()
        self.db["live_journal"].create(COLUMNS, if_not_exists=True)
        self.db["live_journal"].create_index(["session", "n"], if_not_exists=True)
        self.path, self.session = path, session
        self.rows: list[tuple] = []
        self.n = 0
        self.ticks = 0
        self._crc, self._first, self._last = 0, 0, 0
        self.committed_at = 0.0

    def add(self, kind: str, ts: int = 0, cid: str = "", **body) -> None:
        self.flush_ticks()
        self._row(kind, ts, cid, body)

    def _row(self, kind, ts, cid, body) -> None:
        self.n += 1
        self.rows.append((self.session, self.n, time.time_ns(), int(ts), kind, cid,
                          json.dumps(body, separators=(",", ":"), default=float)))

    def tick(self, s: int, ts: int, bid: float, ask: float) -> None:
        """Fold one tick into the running digest (a ``ticks`` row at the next flush)."""
        if not self.ticks:
            self._first = ts
        self.ticks += 1
        self._last = ts
        self._crc = zlib.crc32(_TICK.pack(s, ts, bid, ask), self._crc)

    def flush_ticks(self) -> None:
        if self.ticks:
            self._row("ticks", self._last, "", {"count": self.ticks, "first_ts": self._first,
                                                "last_ts": self._last, "crc32": self._crc})
            self.ticks, self._crc = 0, 0

    def settle(self, every_s: float) -> None:
        """A loop turn's end: commit what is pending, but tick digests alone at most every
        ``every_s`` (a transaction costs ~0.1 ms: not one per tick; a tick is no one's
        acknowledged event, and ``commit`` before each command and heartbeat writes them)."""
        if self.rows or (self.ticks and time.monotonic() - self.committed_at >= every_s):
            self.commit()

    def commit(self) -> None:
        """Write what is pending in one transaction."""
        self.committed_at = time.monotonic()
        self.flush_ticks()
        if self.rows:
            self.db.conn.executemany("INSERT INTO live_journal VALUES (?,?,?,?,?,?,?)",
                                     self.rows)
            self.db.conn.commit()
            self.rows.clear()

    def command(self, cid: str) -> dict | None:
        """The command with wire cid ``cid`` that a session in this store put on the wire
        (its decoded JSON), or None."""
        self.commit()
        row = self.db.execute("SELECT body FROM live_journal WHERE kind = 'command' AND cid = ? "
                              "LIMIT 1", [cid]).fetchone()
        frame = json.loads(row[0]).get("frame") if row else None
        return json.loads(frame) if frame else None

    def maintain(self, every_s: float = 5.0) -> None:
        """Checkpoint the WAL if ``every_s`` passed (call it when the loop is idle)."""
        if time.monotonic() - self.last_checkpoint >= every_s:
            self.commit()
            self.db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            self.last_checkpoint = time.monotonic()

    def close(self) -> None:
        self.commit()
        self.db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        self.db.close()


def read_journal(path, session: str | None = None) -> list[dict]:
    """The rows of one session (the newest if None), in order, bodies decoded."""
    db = open_store(path)
    try:
        if session is None:
            row = db.execute("SELECT session FROM live_journal ORDER BY wall_ns DESC LIMIT 1"
                             ).fetchone()
            if row is None:
                return []
            session = row[0]
        cur = db.execute("SELECT n, wall_ns, ts, kind, cid, body FROM live_journal "
                         "WHERE session = ? ORDER BY n", [session])
        return [{"n": n, "wall_ns": w, "ts": ts, "kind": k, "cid": c, **json.loads(b)}
                for n, w, ts, k, c, b in cur.fetchall()]
    finally:
        db.close()


def last_row(path, session: str, kind: str) -> dict | None:
    """The newest row of ``kind`` in ``session`` (body decoded, with ``n`` and ``ts``)."""
    db = open_store(path)
    try:
        row = db.execute("SELECT n, ts, body FROM live_journal WHERE session = ? AND kind = ? "
                         "ORDER BY n DESC LIMIT 1", [session, kind]).fetchone()
        return {"n": row[0], "ts": row[1], **json.loads(row[2])} if row else None
    finally:
        db.close()


def previous_session(path, mode: str, session: str, login: int) -> tuple[str | None, list[dict]]:
    """The newest other session of ``mode`` on the account ``login`` in the store that left
    something to resume from, and that, in order, each row with its ``kind``: its deals and MT4
    renumberings (``deal``, ``renumber``, resumed ones included)."""
    db = open_store(path)
    try:
        rows = db.execute("SELECT session, body FROM live_journal WHERE kind = 'config' "
                          "AND session != ? ORDER BY wall_ns DESC", [session]).fetchall()
        logins = {s: json.loads(b).get("login") for s, b in db.execute(
            "SELECT session, body FROM live_journal WHERE kind = 'hello'").fetchall()}
        # a session refused at its hello (wrong currency, clock, ...) left nothing to
        # resume from: the one before it is the previous session
        left = {s for (s,) in db.execute(
            "SELECT DISTINCT session FROM live_journal WHERE kind IN ('deal', 'renumber', "
            "'risk_basis', 'strategy_state', 'resume')").fetchall()}
        prev = next((s for s, b in rows if json.loads(b).get("mode") == mode
                     and logins.get(s) == login and s in left), None)
        if prev is None:
            return None, []
        cur = db.execute("SELECT ts, cid, kind, body FROM live_journal WHERE session = ? AND "
                         "kind IN ('deal', 'renumber') ORDER BY n", [prev])
        return prev, [{"ts": ts, "cid": c, "kind": k, **json.loads(b)}
                      for ts, c, k, b in cur.fetchall()]
    finally:
        db.close()
