"""One backtest from a composed config: data -> Simulation -> records -> metrics.

Both the CLI (``ticklab backtest``) and the notebook API (``sim.backtest``) call
``run_backtest``, so the same config gives the same numbers everywhere.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numba
import numpy as np
import pandas as pd
import xxhash
from omegaconf import DictConfig, OmegaConf

from sim.batch.engine import Simulation
from sim.config import ExecutionConfig, from_mapping
from sim.core_config import account_config, core_parts
from sim.data import TickTable, load_bars, load_ticks
from sim.data.formats import Chunk
from sim.data.symbols import load_symbol
from sim.data.synthetic import CHOICES, check_bar_spread, check_mode, ticks_from_bars
from sim.data.validate import validate_chunk
from sim.results import RunResult
from sim.strategy_loader import compile_error, load_strategy
from sim.strategy_wrapper import strategy_address

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass
class BacktestOutcome:
    """Everything one run produced, before storage."""

    cfg: DictConfig
    tables: list[TickTable]
    result: RunResult
    metrics: dict
    seconds: float
    compiled: bool = False    # the replay kernel was compiled (cold cache) during this run

    @property
    def fingerprint(self) -> str:
        return "+".join(t.fingerprint for t in self.tables)


def resolve_path(p: str) -> Path:
    """A data path as given, else relative to the ticklab checkout (bundled sample)."""
    path = Path(p).expanduser()
    if path.exists() or path.is_absolute():
        return path
    alt = PROJECT_ROOT / path
    return alt if alt.exists() else path


DATA_KEYS = ("path", "symbol", "format", "server_tz", "start", "end", "ticks_from_bars",
             "bar_spread")


def load_data(cfg: DictConfig) -> list[TickTable]:
    """Load the ``data`` group: one path (or a list of {path, symbol, ...}) per symbol.

    With ``ticks_from_bars`` (open_only, ohlc, every_tick) the path holds bars and the
    ticks are generated from them as MT5's tester does (``sim.data.synthetic``).
    """
    d = cfg.data
    items = d.path if OmegaConf.is_list(d.path) else [d]
    tables = []
    for item in items:
        if isinstance(item, str):
            item = OmegaConf.create({"path": item})
        # any other key is an importer option (e.g. +data.epoch=ns, +data.spread_points=8)
        extra = {k: v for k, v in OmegaConf.to_container(item).items() if k not in DATA_KEYS}
        kw = dict(fmt=item.get("format", d.get("format", "auto")),
                  symbol=item.get("symbol", d.get("symbol")),
                  server_tz=item.get("server_tz", d.get("server_tz")), **extra)
        mode = item.get("ticks_from_bars", d.get("ticks_from_bars"))
        spread = check_bar_spread(item.get("bar_spread", d.get("bar_spread")))
        if mode is None:
            if spread is not None:
                raise ValueError(f"data.bar_spread={spread}: applies only to bars; set "
                                 f"data.ticks_from_bars={CHOICES} as well")
            tables.append(load_ticks(resolve_path(item.path), **kw))
        else:
            check_mode(mode)
            tables.append(ticks_from_bars(load_bars(resolve_path(item.path), **kw), mode,
                                          spread))
    start, end = d.get("start"), d.get("end")
    if start is not None or end is not None:
        tables = [t.between(start, end) for t in tables]
        if not any(len(t) for t in tables):
            raise ValueError(f"data.start={start}, data.end={end}: no ticks in that range")
    return tables


def from_frame(df: pd.DataFrame, symbol: str) -> TickTable:
    """Wrap a DataFrame with ``ts`` (int64 ns UTC or datetime64) + ``bid``/``ask`` as ticks;
    without a ``ts`` column, a ``DatetimeIndex`` (``TickTable.to_pandas()``) gives the times."""
    if "ts" not in df.columns and isinstance(df.index, pd.DatetimeIndex):
        df = df.assign(ts=df.index)
    missing = [c for c in ("ts", "bid", "ask") if c not in df.columns]
    if missing:
        raise ValueError(f"tick DataFrame lacks column(s) {missing}; needs ts, bid, ask")
    ts = df["ts"]
    if pd.api.types.is_datetime64_any_dtype(ts):
        ts = ts.dt.tz_convert("UTC") if ts.dt.tz is not None else ts.dt.tz_localize("UTC")
        ts = ts.astype("datetime64[ns, UTC]").astype("int64")
    cols = {"ts": np.asarray(ts, dtype=np.int64),
            "bid": np.asarray(df["bid"], dtype=np.float64),
            "ask": np.asarray(df["ask"], dtype=np.float64)}
    # the importers' checks and policies (NaN/zero prices, crossed, backwards, ...) apply here too
    chunk, issues = validate_chunk(Chunk("<DataFrame>", cols, first_line=0))
    # xxh3 over the buffers themselves (no copy): 240 MB of ticks in ~20 ms, where sha256
    # took 0.15 s, as long as the backtest of 10 M ticks
    h = xxhash.xxh3_128()
    for name in ("ts", "bid", "ask"):
        h.update(memoryview(np.ascontiguousarray(chunk.columns[name])).cast("B"))
    return TickTable(chunk.columns, symbol=symbol, source="dataframe",
                     fingerprint="dataframe:xxh3:" + h.hexdigest(), issues=tuple(issues))


def build_simulation(cfg: DictConfig, tables: list[TickTable]) -> Simulation:
    """Turn a composed config and loaded ticks into a ready Simulation."""
    if any(t.symbol is None for t in tables):
        raise ValueError("every tick table needs a symbol (data.symbol=EURUSD, or symbol=...)")
    specs = [load_symbol(t.symbol) for t in tables]
    mod, params, data, limits = core_parts(cfg, specs)
    execution = from_mapping(ExecutionConfig, OmegaConf.to_container(cfg.execution, resolve=True),
                             "execution")
    address = 0
    if strategy_call(cfg, sum(len(t) for t in tables)) == "pointer":
        address = strategy_address(mod, mod.make_state(), params, data)
    return Simulation(specs, [(t.ts, t.bid, t.ask) for t in tables], mod, params, execution,
                      account_config(cfg), limits=limits, data=data, fn_address=address)


AUTO_POINTER_TICKS = 5_000_000
STRATEGY_CALLS = ("auto", "inline", "pointer")


def strategy_call(cfg: DictConfig, n_ticks: int) -> str:
    """How the replay loop calls the strategy (``strategy_call``: auto, inline, pointer).

    ``inline``: the strategy compiled into the loop (fastest per tick; every strategy and
    every edit of one compiles the loop again, ~50 s here).  ``pointer``: the loop,
    compiled once for all strategies, calls it by address (a strategy compiles in about a
    second; a few ns more per tick).  ``auto``: pointer below 5 M ticks, else inline.
    """
    call = str(cfg.get("strategy_call", "auto"))
    if call not in STRATEGY_CALLS:
        raise ValueError(f"strategy_call={call}: expected one of {', '.join(STRATEGY_CALLS)}")
    if numba.config.DISABLE_JIT:
        return "inline"            # plain Python: nothing to compile, no addresses
    if call == "auto":
        return "pointer" if n_ticks < AUTO_POINTER_TICKS else "inline"
    return call


def store_outcome(out: BacktestOutcome, path, started=None) -> int:
    """Store a finished backtest (its records, metrics, config, downsampled prices and
    where its ticks came from) in the results store at ``path``; return its run id."""
    from sim.data import provenance
    from sim.store import code_version, downsample_prices, save_run

    prices = pd.concat([downsample_prices(t.ts, t.bid, t.ask, t.symbol) for t in out.tables],
                       ignore_index=True)
    return save_run(path, out.result, out.metrics, OmegaConf.to_yaml(out.cfg), out.fingerprint,
                    code_version(), float(out.cfg.account.balance), started, prices=prices,
                    data_info=provenance.describe(out.tables), tables=out.tables)


def run_backtest(cfg: DictConfig, tables: list[TickTable] | None = None,
                 progress=None) -> BacktestOutcome:
    """Run the backtest described by ``cfg`` (ticks from ``cfg.data`` unless given)."""
    from sim.metrics import compute_metrics

    tables = tables if tables is not None else load_data(cfg)
    from sim.batch.replay import replay_nb

    misses = sum(replay_nb.stats.cache_misses.values()) if hasattr(replay_nb, "stats") else 0
    try:
        sim = build_simulation(cfg, tables)
        sim.warm()            # load (or compile) the kernel outside the timed replay
    except numba.core.errors.NumbaError as exc:
        raise compile_error(exc, load_strategy(cfg.strategy.get("module") or cfg.strategy.name)) \
            from exc
    compiled = hasattr(replay_nb, "stats") and sum(replay_nb.stats.cache_misses.values()) > misses
    t0 = time.perf_counter()
    result = sim.run(progress=progress)
    seconds = time.perf_counter() - t0
    metrics = compute_metrics(result, float(cfg.account.balance), str(cfg.account.server_tz))
    return BacktestOutcome(cfg, tables, result, metrics, seconds, compiled)
