"""The results store: one SQLite file (through sqlite-utils) that every run appends to.

Schema and conventions: docs/store.md.  Times are stored as int64 ns UTC, money
in the account currency, volumes in lots.  A run is written in ONE ``BEGIN
IMMEDIATE`` transaction (all tables or nothing); concurrent writers (sweep
processes) are serialised by SQLite's lock, with WAL, a busy timeout and a retry
loop on ``database is locked``.  Run ids are SQLite ``INTEGER PRIMARY KEY``
values (1, 2, 3, ...), unique within one database file.
"""

from __future__ import annotations

import json
import math
import os
import random
import sqlite3
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import sqlite_utils

from sim import frames

ENV_STORE = "TICKLAB_STORE"
DEFAULT_STORE = "ticklab.sqlite"
BUSY_TIMEOUT_MS = 30_000
RETRIES = 60
MAX_EQUITY_ROWS = 20_000

_I, _F, _S = int, float, str
SCHEMA: dict[str, dict[str, type]] = {
    "runs": {"id": _I, "started": _S, "saved": _S, "strategy": _S, "symbols": _S,
             "execution": _S, "config_yaml": _S, "data_fingerprint": _S, "code_version": _S,
             "initial_balance": _F, "n_ticks": _I, "n_trades": _I, "net_pnl": _F,
             "max_dd": _F, "max_dd_pct": _F, "metrics": _S, "data_info": _S,
             "mode": _S, "session": _S, "sweep_id": _I, "params": _S},
    "orders": {"run_id": _I, "cid": _I, "ticket": _I, "action": _I, "type": _I, "symbol": _S,
               "lots": _F, "price": _F, "sl": _F, "tp": _F, "expiry": _I, "pos_ticket": _I,
               "signal_ts": _I, "arrive_ts": _I, "signal_price": _F, "retcode": _I,
               "reason": _S, "state": _S, "lots_filled": _F, "n_deals": _I,
               "first_fill_ts": _I},
    "risk_events": {"run_id": _I, "ts": _I, "rule": _S, "retcode": _I, "symbol": _S,
                    "cid": _I, "value": _F, "threshold": _F, "state_from": _S,
                    "state_to": _S, "text": _S},
    "fills": {"run_id": _I, "ts": _I, "cid": _I, "order": _I, "deal": _I, "position_id": _I,
              "symbol": _S, "type": _I, "entry": _I, "reason": _I, "retcode": _I, "lots": _F,
              "price": _F, "profit": _F, "commission": _F, "swap": _F, "signal_ts": _I,
              "signal_price": _F, "slippage": _F, "spread_cost": _F, "balance": _F},
    "trades": {"run_id": _I, "symbol": _S, "side": _I, "lots": _F, "open_ts": _I,
               "open_price": _F, "close_ts": _I, "close_price": _F, "profit": _F,
               "commission": _F, "swap": _F, "pnl": _F, "reason": _I, "position_id": _I,
               "move_points": _F, "mfe_points": _F, "mae_points": _F},
    "equity": {"run_id": _I, "ts": _I, "balance": _F, "equity": _F, "min_equity": _F,
               "max_equity": _F, "margin": _F},
    "positions": {"run_id": _I, "ticket": _I, "position_id": _I, "symbol": _S, "side": _I,
                  "lots": _F, "open_ts": _I, "open_price": _F, "sl": _F, "tp": _F,
                  "swap": _F, "commission": _F, "profit": _F},
    "prices": {"run_id": _I, "symbol": _S, "ts": _I, "bid": _F, "ask": _F, "bid_low": _F,
               "ask_high": _F},
}
SCHEMA["rejections"] = {**SCHEMA["fills"], "reason_text": _S}
SWEEPS = {"id": _I, "started": _S, "saved": _S, "strategy": _S, "symbols": _S, "grid": _S,
          "overrides": _S, "config_yaml": _S, "data_fingerprint": _S, "code_version": _S,
          "n_ticks": _I, "n_points": _I, "n_skipped": _I, "n_failed": _I, "n_jobs": _I,
          "seconds": _F, "skipped": _S, "kind": _S, "study": _S}
TS_COLUMNS = {"ts", "signal_ts", "arrive_ts", "first_fill_ts", "open_ts", "close_ts"}
_NAT = int(np.iinfo(np.int64).min)
CHILD_TABLES = ("orders", "fills", "rejections", "trades", "equity", "positions", "prices",
                "risk_events")


def default_store_path() -> Path:
    """``$TICKLAB_STORE`` if set, else ``ticklab.sqlite`` in the working directory."""
    return Path(os.environ.get(ENV_STORE) or DEFAULT_STORE)


def code_version() -> str:
    """Git commit of the checkout (``+dirty`` with uncommitted changes), else the package version."""
    root = Path(__file__).resolve().parents[1]
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, capture_output=True, text=True, timeout=5,
                               check=True).stdout.strip()
        if sha:
            return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        from importlib.metadata import version

        return "ticklab " + version("ticklab")
    except Exception:
        return "unknown"


def _is_locked(exc: BaseException) -> bool:
    msg = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in msg or "busy" in msg)


def _retry(fn, retries: int = RETRIES):
    """Call ``fn()``; on ``database is locked``/busy wait (jittered backoff) and try again."""
    for attempt in range(retries):
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            if not _is_locked(exc) or attempt == retries - 1:
                raise
            time.sleep(min(0.05 * (1.5 ** attempt), 2.0) * (0.5 + random.random()))
    raise AssertionError("unreachable")


def _add_columns(db: sqlite_utils.Database) -> None:
    """Add the columns a store written by an older ticklab lacks (the schema only grows)."""
    for name, cols in {**SCHEMA, "sweeps": SWEEPS}.items():
        have = db[name].columns_dict
        for col, kind in cols.items():
            if col not in have:
                try:
                    db[name].add_column(col, kind)
                except sqlite3.OperationalError as exc:    # a parallel sweep job added it
                    if "duplicate column" not in str(exc):
                        raise


def _create_tables(db: sqlite_utils.Database) -> None:
    if all(db[t].exists() for t in (*SCHEMA, "sweeps")):
        _add_columns(db)
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        db["sweeps"].create(SWEEPS, pk="id", if_not_exists=True)
        for name, cols in SCHEMA.items():
            if name == "runs":
                db["runs"].create(cols, pk="id", if_not_exists=True)
            else:
                db[name].create(cols, if_not_exists=True,
                                foreign_keys=[("run_id", "runs", "id")])
                db[name].create_index(["run_id"], if_not_exists=True)
        db.conn.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise
    _add_columns(db)            # tables an older ticklab made lack the newer columns


def open_store(path: str | os.PathLike | None = None) -> sqlite_utils.Database:
    """Open (creating if needed) the results database: WAL, busy timeout, tables present.

    Args:
        path: database file; ``None`` = ``default_store_path()``.
    """
    path = Path(path) if path is not None else default_store_path()
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    db = sqlite_utils.Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    _retry(db.enable_wal)
    db.execute("PRAGMA synchronous = NORMAL")
    _retry(lambda: _create_tables(db))
    return db


def _encode_metrics(metrics: dict) -> str:
    def enc(v):
        if isinstance(v, (float, np.floating)):
            v = float(v)
            if math.isnan(v):
                return None
            if math.isinf(v):
                return "inf" if v > 0 else "-inf"
            return v
        if isinstance(v, (np.integer,)):
            return int(v)
        return v

    return json.dumps({k: enc(v) for k, v in metrics.items()})


def _decode_metrics(text: str | None) -> dict:
    out = {}
    for k, v in json.loads(text or "{}").items():
        if v is None:
            v = math.nan
        elif v in ("inf", "-inf"):
            v = float(v)
        out[k] = v
    return out


def _rows(df: pd.DataFrame, table: str, run_id: int) -> list[dict]:
    """DataFrame -> list of plain-Python dicts in the table's column order (ts as int ns)."""
    cols = [c for c in SCHEMA[table] if c != "run_id"]
    data = {}
    for c in cols:
        s = df[c]
        if c in TS_COLUMNS:
            if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(s):
                ns = pd.DatetimeIndex(s).as_unit("ns").asi8
            else:
                ns = np.asarray(s, dtype=np.int64)
            data[c] = [None if v == _NAT else v for v in ns.tolist()]    # NaT -> NULL
        elif SCHEMA[table][c] is str:
            data[c] = [str(v) for v in s]
        else:
            data[c] = np.asarray(s, dtype=np.float64 if SCHEMA[table][c] is float
                                 else np.int64).tolist()
    n = len(df)
    return [{"run_id": run_id, **{c: data[c][i] for c in cols}} for i in range(n)]


def downsample_equity(eq: pd.DataFrame, max_rows: int = MAX_EQUITY_ROWS) -> pd.DataFrame:
    """Merge consecutive rows into groups of k so at most ``max_rows`` remain.

    Each group keeps its last ``ts``/``balance``/``equity``/``margin``, the minimum
    ``min_equity`` and the maximum ``max_equity``, so the stored curve keeps every dip
    and every high (a drawdown inside one merged group is bounded by the group's span).
    """
    n = len(eq)
    if n <= max_rows:
        return eq
    k = -(-n // max_rows)
    g = np.arange(n) // k
    out = eq.groupby(g).agg(ts=("ts", "last"), balance=("balance", "last"),
                            equity=("equity", "last"), min_equity=("min_equity", "min"),
                            max_equity=("max_equity", "max"),
                            margin=("margin", "last"))
    return out.reset_index(drop=True)


def downsample_prices(ts: np.ndarray, bid: np.ndarray, ask: np.ndarray, symbol: str,
                      bucket_s: int = 60) -> pd.DataFrame:
    """Per-bucket last bid/ask (plus lowest bid, highest ask) of one symbol's ticks.

    Args:
        ts: tick times, int64 ns UTC (sorted).
        bid, ask: quotes (quote currency).
        symbol: symbol name stored with the rows.
        bucket_s: bucket length in seconds.

    Returns:
        Columns ``symbol``, ``ts`` (UTC, time of the bucket's last tick), ``bid``,
        ``ask``, ``bid_low``, ``ask_high``.
    """
    ts = np.asarray(ts, dtype=np.int64)
    bid, ask = np.asarray(bid, np.float64), np.asarray(ask, np.float64)
    if len(ts) == 0:
        idx = np.zeros(0, np.int64)
        first = idx
    else:
        b = ts // (int(bucket_s) * 1_000_000_000)
        first = np.flatnonzero(np.r_[True, b[1:] != b[:-1]])
        idx = np.r_[first[1:], len(ts)] - 1
    return pd.DataFrame({
        "symbol": [symbol] * len(idx),
        "ts": frames.utc(ts[idx]),
        "bid": bid[idx], "ask": ask[idx],
        "bid_low": np.minimum.reduceat(bid, first) if len(first) else bid[idx],
        "ask_high": np.maximum.reduceat(ask, first) if len(first) else ask[idx],
    })


def _names_from_yaml(config_yaml: str) -> tuple[str | None, str | None]:
    try:
        import yaml

        cfg = yaml.safe_load(config_yaml or "") or {}
    except Exception:
        return None, None

    def name(key):
        v = cfg.get(key) if isinstance(cfg, dict) else None
        return str(v.get("name")) if isinstance(v, dict) and v.get("name") else None

    return name("strategy"), name("execution")


def save_run(path, result, metrics: dict, config_yaml: str, data_fingerprint: str,
             code_version: str, initial_balance: float, started: datetime | str | None = None,
             *, prices: pd.DataFrame | None = None, strategy: str | None = None,
             execution: str | None = None, data_info: dict | None = None,
             mode: str = "backtest", session: str | None = None, tables=()) -> int:
    """Append one run (all its tables) in a single transaction; return its run id.

    Args:
        path: database file (``None`` = default store).
        result: ``sim.batch.engine.RunResult``.
        metrics: ``sim.metrics.compute_metrics`` output.
        config_yaml: the resolved config as YAML text.
        data_fingerprint: hash identifying the tick data.
        code_version: ``code_version()`` at run time.
        initial_balance: starting balance (account currency).
        started: run start (datetime or ISO text; default now, UTC).
        prices: optional downsampled prices (``downsample_prices``, concatenated per symbol).
        strategy, execution: names for the header; default ``strategy.name`` /
            ``execution.name`` of ``config_yaml``.
        data_info: where the ticks came from (``sim.data.provenance.describe``): real or
            synthetic, server time zone, import clean-ups.
        mode: ``backtest``, or the live mode (``shadow``, ``demo``, ``production``) of a
            live session stored as a run; ``session``: its journal's session id.
        tables: the tick tables replayed, for the trades' excursions
            (``sim.trade_analysis.excursions``; NaN without them).
    """
    if isinstance(started, datetime):
        started = started.astimezone(UTC).isoformat()
    y_strat, y_exec = _names_from_yaml(config_yaml)
    run_row = _run_row(result.names, int(result.n_ticks), metrics, started,
                       strategy=strategy or y_strat or "", execution=execution or y_exec or "",
                       config_yaml=config_yaml, data_fingerprint=data_fingerprint,
                       code_version=code_version, initial_balance=initial_balance,
                       data_info=data_info, mode=mode, session=session)
    run_row["n_trades"] = int(metrics.get("n_trades", len(result.trades)))
    db = open_store(path)
    try:
        return _retry(lambda: _write(db, run_row, _children(result, prices, tables)))
    finally:
        db.close()


def _run_row(names, n_ticks: int, metrics: dict, started: str | None, **cols) -> dict:
    """A ``runs`` row: the header columns given, the headline metrics, the metrics JSON."""
    info = cols.pop("data_info", None)
    row = {"started": started or datetime.now(UTC).isoformat(), "symbols": ",".join(names),
           "n_ticks": n_ticks, "n_trades": int(metrics.get("n_trades", 0)),
           "net_pnl": _num(metrics.get("net_pnl")), "max_dd": _num(metrics.get("max_dd")),
           "max_dd_pct": _num(metrics.get("max_dd_pct")), "metrics": _encode_metrics(metrics),
           "data_info": json.dumps(info) if info is not None else None}
    row.update({k: v if v is not None or k in ("session", "sweep_id", "params") else ""
                for k, v in cols.items()})
    row["initial_balance"] = float(row.get("initial_balance") or 0.0)
    return row


def _children(result, prices: pd.DataFrame | None = None, tables=()) -> dict:
    """A run's child tables (``CHILD_TABLES``) as DataFrames; the trades' excursions come
    from the tick ``tables`` replayed (NaN without them: a live session)."""
    from sim.trade_analysis import analysed_trades

    return {
        "orders": frames.orders_frame(result), "fills": frames.fills_frame(result),
        "rejections": frames.rejections_frame(result),
        "trades": analysed_trades(result, tables),
        "equity": downsample_equity(frames.equity_frame(result)),
        "positions": frames.open_positions_frame(result),
        "prices": prices if prices is not None else None,
        "risk_events": frames.risk_events_frame(result),
    }


def save_sweep(path, plan, grid: dict, overrides: list[str], points, seconds: float,
               n_jobs: int, kind: str = "grid", study: str | None = None
               ) -> tuple[int, dict[int, int]]:
    """Store a sweep (``sim.sweep``: ``kind`` grid; ``sim.optimize``: kind optuna, with its
    ``study``) in one transaction: a ``sweeps`` row, and a ``runs`` row per parameter set
    that ran (``sweep_id``, ``params``; its child tables only when the sweep kept its
    results).  Returns the sweep id and {point index: run id}."""
    from omegaconf import OmegaConf

    from sim.sweeps import points_json

    cfg = plan.cfg
    names = [t.symbol for t in plan.tables]
    started = datetime.now(UTC).isoformat()
    fingerprint = "+".join(t.fingerprint for t in plan.tables)
    version = code_version()
    strategy = str(cfg.strategy.get("name") or "")
    sweep_row = {
        "started": started, "strategy": strategy, "symbols": ",".join(names),
        "grid": json.dumps(grid), "overrides": json.dumps(overrides),
        "config_yaml": OmegaConf.to_yaml(cfg), "data_fingerprint": fingerprint,
        "code_version": version, "n_ticks": plan.n_ticks,
        "n_points": sum(1 for p in points if p.metrics),
        "n_skipped": sum(1 for p in points if p.skipped),
        "n_failed": sum(1 for p in points if p.failed), "seconds": float(seconds),
        "n_jobs": int(n_jobs), "kind": kind, "study": study,
        "skipped": json.dumps([{**p.values, "reason": p.skipped or p.failed}
                               for p in points if p.skipped or p.failed][:1000]),
    }
    execution = str(cfg.execution.get("name") or "")

    def write() -> tuple[int, dict[int, int]]:
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            now = datetime.now(UTC).isoformat()
            sweep_id = int(db["sweeps"].insert({**sweep_row, "saved": now}).last_pk)
            ids = {}
            for p in points:
                if not p.metrics:
                    continue
                row = _run_row(names, plan.n_ticks, p.metrics, started, strategy=strategy,
                               execution=execution, config_yaml="",
                               data_fingerprint=fingerprint, code_version=version,
                               initial_balance=p.metrics.get("initial_balance"),
                               mode="sweep", session=None, sweep_id=sweep_id,
                               params=points_json(p.values), saved=now)
                ids[p.index] = run_id = int(db["runs"].insert(row).last_pk)
                if p.result is not None:
                    _insert_children(db, run_id, _children(p.result, None, plan.tables))
            db.conn.execute("COMMIT")
            return sweep_id, ids
        except BaseException:
            db.rollback()
            raise

    db = open_store(path)
    try:
        return _retry(write)
    finally:
        db.close()


def _num(v) -> float | None:
    return None if v is None or not math.isfinite(float(v)) else float(v)


def _write(db: sqlite_utils.Database, run_row: dict, children: dict) -> int:
    db.conn.execute("BEGIN IMMEDIATE")     # take the write lock now (no upgrade deadlock)
    try:
        run_row = {**run_row, "saved": datetime.now(UTC).isoformat()}
        run_id = int(db["runs"].insert(run_row).last_pk)
        _insert_children(db, run_id, children)
        db.conn.execute("COMMIT")
        return run_id
    except BaseException:
        db.rollback()
        raise


def _insert_children(db: sqlite_utils.Database, run_id: int, children: dict) -> None:
    for table in CHILD_TABLES:
        df = children.get(table)
        if df is None or len(df) == 0:
            continue
        db[table].insert_all(_rows(df, table, run_id), batch_size=2000)


def _frame(db: sqlite_utils.Database, table: str, run_id: int) -> pd.DataFrame:
    cols = [c for c in SCHEMA[table] if c != "run_id"]
    sel = ", ".join(f'"{c}"' for c in cols)
    rows = db.execute(f'SELECT {sel} FROM "{table}" WHERE run_id = ? ORDER BY rowid',
                      [run_id]).fetchall()
    data = list(zip(*rows, strict=True)) if rows else [[] for _ in cols]
    out = {}
    for c, vals in zip(cols, data, strict=True):
        kind = SCHEMA[table][c]
        if c in TS_COLUMNS:
            out[c] = frames.utc(np.asarray([_NAT if v is None else v for v in vals], np.int64))
        elif kind is float:
            out[c] = np.asarray([math.nan if v is None else v for v in vals], dtype=np.float64)
        elif kind is int:
            out[c] = np.asarray(vals, dtype=np.int64)
        else:
            out[c] = pd.Series(list(vals), dtype="str")
    return pd.DataFrame(out)


def load_run(path, run_id: int) -> dict:
    """Read one run back.

    Returns:
        ``{"run": runs row (dict), "metrics": dict, "config": YAML text, "data_info": dict
        or None (runs stored before it existed), "orders"|"fills"|"rejections"|"trades"|
        "equity"|"positions"|"prices"|"risk_events": DataFrame}``.

    Raises:
        KeyError: no run with this id.
    """
    db = open_store(path)
    try:
        rows = list(db.query("SELECT * FROM runs WHERE id = ?", [int(run_id)]))
        if not rows:
            raise KeyError(f"run {run_id} not found in {path}")
        run = rows[0]
        out = {"run": run, "metrics": _decode_metrics(run.get("metrics")),
               "config": run.get("config_yaml") or "",
               "data_info": json.loads(run["data_info"]) if run.get("data_info") else None}
        for table in CHILD_TABLES:
            out[table] = _frame(db, table, int(run_id))
        return out
    finally:
        db.close()


def runs_frame(path=None, sweep_id: int | None = None, mode: str | None = None) -> pd.DataFrame:
    """The stored runs with their parameters (a sweep's ``params``) and every metric as
    columns, oldest first; only those of sweep ``sweep_id`` and/or of ``mode``."""
    db = open_store(path)
    try:
        cols = [c for c in SCHEMA["runs"] if c not in ("config_yaml", "data_info")]
        where, args = [], []
        if sweep_id is not None:
            where.append("sweep_id = ?")
            args.append(int(sweep_id))
        if mode is not None:
            where.append("mode = ?")
            args.append(mode)
        sql = f"SELECT {', '.join(cols)} FROM runs" + \
            (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY id"
        rows = list(db.query(sql, args))
    finally:
        db.close()
    base = pd.DataFrame(rows, columns=cols).drop(columns=["metrics", "params"])
    params = pd.DataFrame([json.loads(r["params"] or "{}") for r in rows], index=base.index)
    metrics = pd.DataFrame([_decode_metrics(r["metrics"]) for r in rows], index=base.index)
    metrics = metrics.drop(columns=[c for c in metrics.columns if c in base.columns])
    return pd.concat([base, params, metrics], axis=1)


def merge_store(source, target=None) -> dict:
    """Copy the runs and sweeps of store ``source`` (made elsewhere: another machine, a
    cluster node) into ``target``, in one transaction: new ids, each run's child tables and
    its sweep with it.  A run already in ``target`` (same start, save time, fingerprint and
    parameters) is not copied twice.  Returns {"runs": copied, "sweeps": copied,
    "skipped": already there}."""
    src = open_store(source)
    dst = open_store(target)
    try:
        def write() -> dict:
            dst.conn.execute("BEGIN IMMEDIATE")
            try:
                have = {(r["started"], r["saved"], r["data_fingerprint"], r["params"])
                        for r in dst.query("SELECT started, saved, data_fingerprint, params "
                                           "FROM runs")}
                sweep_ids, n_runs, skipped = {}, 0, 0
                for run in src.query("SELECT * FROM runs ORDER BY id"):
                    key = (run["started"], run["saved"], run["data_fingerprint"], run["params"])
                    if key in have:
                        skipped += 1
                        continue
                    old_id, old_sweep = run.pop("id"), run.get("sweep_id")
                    if old_sweep is not None and old_sweep not in sweep_ids:
                        row = next(iter(src.query("SELECT * FROM sweeps WHERE id = ?",
                                                  [old_sweep])), None)
                        if row is not None:
                            row.pop("id")
                            sweep_ids[old_sweep] = int(dst["sweeps"].insert(row).last_pk)
                    if old_sweep is not None:
                        run["sweep_id"] = sweep_ids.get(old_sweep)
                    new_id = int(dst["runs"].insert(run).last_pk)
                    for table in CHILD_TABLES:
                        rows = [{**r, "run_id": new_id} for r in
                                src.query(f'SELECT * FROM "{table}" WHERE run_id = ?', [old_id])]
                        if rows:
                            dst[table].insert_all(rows, batch_size=2000)
                    n_runs += 1
                dst.conn.execute("COMMIT")
                return {"runs": n_runs, "sweeps": len(sweep_ids), "skipped": skipped}
            except BaseException:
                dst.rollback()
                raise

        return _retry(write)
    finally:
        src.close()
        dst.close()


def list_runs(path=None) -> pd.DataFrame:
    """Every stored run (without the config, metrics and data_info JSON), oldest first."""
    db = open_store(path)
    try:
        cols = [c for c in SCHEMA["runs"] if c not in ("config_yaml", "metrics", "data_info")]
        rows = list(db.query(f"SELECT {', '.join(cols)} FROM runs ORDER BY id"))
        return pd.DataFrame(rows, columns=cols)
    finally:
        db.close()
