"""``sim.sweep``: many parameter sets over one set of ticks, in one process (docs/research.md).

The config is composed once; the ticks are loaded, validated and fingerprinted once; the
replay kernel is compiled (or loaded) once.  Each parameter set then costs one replay over
the shared, read-only tick arrays plus its metrics, on ``n_jobs`` threads: the replay loop
releases the GIL (``@kernel(nogil=True)``), so threads run it in parallel with no copy of
the ticks and nothing to pickle.  ``backend="ray"`` runs the same parameter sets on a Ray
cluster instead (``sim.sweep_ray``); the results come back and are stored here.

Axes are config keys of the ``strategy``, ``risk``, ``execution`` and ``account`` groups
(``strategy.fast``, ``risk.max_orders``, ``execution.latency.mean_ms``...).  A parameter set
the strategy or the config refuses (``fast >= slow``) is reported and skipped, never fatal.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim.config import AccountConfig, ExecutionConfig, exec_record, from_mapping

AXES = ("strategy", "risk", "execution", "account")
_NUM = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
RANGE = re.compile(rf"^({_NUM}):({_NUM})(?::({_NUM}))?$")
MAX_POINTS = 1_000_000
BACKENDS = ("threads", "ray")


class SweepError(ValueError):
    """A grid or an axis the sweep cannot run: one line saying what to change."""


WORDS = {"true": True, "false": False, "null": None}


def _scalar(text: str):
    """A list item: an integer, a number, true/false/null, or the text as written (a time
    such as 08:00 stays text)."""
    t = text.strip()
    if t.lower() in WORDS:
        return WORDS[t.lower()]
    if re.fullmatch(r"[-+]?\d+", t):
        return int(t)
    if re.fullmatch(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?", t):
        return float(t)
    return t


def parse_values(key: str, text: str, current=0) -> list:
    """An axis's values from text (the command line, or a string in a Python grid).

    ``START:STOP:STEP`` is a range with STOP included when it falls on the grid, as in
    MT5's Strategy Tester (``10:50:10`` -> 10, 20, 30, 40, 50; STEP defaults to 1); integers
    stay integers.  ``a,b,c`` is a list (numbers, true/false or text).  A key whose value in
    the config (``current``) is text takes text: ``08:00,10:30`` are two times.
    """
    if isinstance(current, str):
        values = [x.strip() for x in text.split(",") if x.strip()]
    else:
        m = RANGE.match(text.strip())
        values = _range(key, text, m) if m else \
            [_scalar(x) for x in text.split(",") if x.strip()]
    if not values:
        raise SweepError(f"{key}={text!r}: no values (START:STOP:STEP or a,b,c)")
    return values


def _range(key: str, text: str, m) -> list:
    from decimal import Decimal

    lo, hi, st = m.group(1), m.group(2), m.group(3) or "1"
    whole = all(re.fullmatch(r"-?\d+", x) for x in (lo, hi, st))
    a, b, s = (int(lo), int(hi), int(st)) if whole else (Decimal(lo), Decimal(hi), Decimal(st))
    if s <= 0 or b < a:
        raise SweepError(f"{key}={text}: expected START:STOP:STEP with START <= STOP and "
                         f"STEP > 0")
    n = int((b - a) // s) + 1
    if n > MAX_POINTS:
        raise SweepError(f"{key}={text}: {n:,} values (the limit is {MAX_POINTS:,} parameter "
                         f"sets): a coarser step, or ticklab optimize")
    return [a + k * s if whole else float(a + k * s) for k in range(n)]


def axis_values(key: str, spec, current) -> list:
    """An axis as given to ``sim.sweep`` (a list, a range, a numpy array, or a text read by
    ``parse_values``) as plain Python values, each once, in order."""
    if isinstance(spec, str):
        values = parse_values(key, spec, current)
    elif isinstance(spec, list | tuple | range) or hasattr(spec, "tolist"):
        values = spec.tolist() if hasattr(spec, "tolist") else list(spec)
    else:
        raise SweepError(f"{key}={spec!r}: expected a list of values, a range, or a text "
                         f"such as '10:50:10' or '10,20,30'")
    values = [v.item() if hasattr(v, "item") else v for v in values]
    if not values:
        raise SweepError(f"{key}: no values")
    return list(dict.fromkeys(values))            # a value given twice runs once


def grid_points(grid: dict[str, list]) -> list[dict]:
    """Every combination of the axes' values, the first axis varying slowest."""
    keys = list(grid)
    n = math.prod(len(v) for v in grid.values()) if grid else 0
    if n > MAX_POINTS:
        raise SweepError(f"the grid has {n:,} parameter sets (limit {MAX_POINTS:,}): "
                         f"coarsen a step, or use ticklab optimize")
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*grid.values())]


def check_axes(cfg: DictConfig, grid: dict) -> dict[str, list]:
    """Refuse, in one line, an axis that is not a key of the composed config; return the
    axes' values (``axis_values``, typed by the config's current values)."""
    if not grid:
        raise SweepError("no axis to sweep: give at least one, e.g. strategy.fast=10:100:10")
    out = {}
    for key, spec in grid.items():
        group, _, rest = key.partition(".")
        if group not in AXES or not rest:
            raise SweepError(f"{key}: sweep axes are keys of {', '.join(AXES)} "
                             f"(e.g. strategy.fast); config groups and data: "
                             f"ticklab backtest -m")
        if key in ("strategy.name", "strategy.module"):
            raise SweepError(f"{key}: one strategy per sweep (several: ticklab backtest -m)")
        if OmegaConf.select(cfg, key, default="\0missing") == "\0missing":
            known = ", ".join(k for k in cfg[group] if k not in ("name", "module"))
            raise SweepError(f"{key}: not a key of {group} (its keys: {known})")
        out[key] = axis_values(key, spec, OmegaConf.select(cfg, key))
    return out


@dataclass
class Point:
    """One parameter set: its values, then its Simulation parts, or why it was skipped."""

    index: int
    values: dict
    parts: dict | None = None
    skipped: str = ""              # refused by the strategy or the config: never ran
    failed: str = ""               # ran and raised
    metrics: dict = field(default_factory=dict)
    result: object = None
    seconds: float = 0.0


class Plan:
    """The shared half of a sweep: config sections, symbols, tick streams, strategy call."""

    def __init__(self, cfg: DictConfig, tables, specs=None):
        from sim.data.symbols import load_symbol
        from sim.pipeline import strategy_call
        from sim.strategy_loader import load_strategy

        self.cfg = cfg
        self.tables = tables
        self.specs = specs if specs is not None else [load_symbol(t.symbol) for t in tables]
        self.streams = [(t.ts, t.bid, t.ask) for t in tables]
        self.sections = {k: OmegaConf.to_container(cfg.get(k) or OmegaConf.create({}),
                                                   resolve=True) for k in AXES}
        self.n_ticks = sum(len(t) for t in tables)
        s = self.sections["strategy"]
        self.mod = load_strategy(s.get("module") or s.get("name"))
        self.rolls = {}                # server_tz -> the rollover instants (Simulation)
        self.pointer = strategy_call(cfg, self.n_ticks) == "pointer"

    def parts(self, values: dict) -> dict:
        """The Simulation arguments of one parameter set (raises what the config refuses)."""
        from sim.core_config import core_parts_of
        from sim.strategy_wrapper import strategy_address

        sec = dict(self.sections)
        for key, value in values.items():     # copy only the mappings on each key's path
            *parents, name = key.split(".")
            node = sec
            for k in parents:
                node[k] = node = dict(node[k])
            node[name] = value
        mod, params, data, limits = core_parts_of(sec["strategy"], sec["risk"], self.specs,
                                                  self.mod)
        execution = from_mapping(ExecutionConfig, sec["execution"], "execution")
        account = from_mapping(AccountConfig, sec["account"], "account")
        exec_record(execution, account)      # what the venue would refuse: refused here
        return {"strategy": mod, "params": params, "data": data, "limits": limits,
                "execution": execution, "account": account,
                "fn_address": strategy_address(mod, mod.make_state(), params, data)
                if self.pointer else 0}

    def simulation(self, parts: dict):
        from sim.batch.engine import Simulation

        sim = Simulation(self.specs, self.streams, parts["strategy"], parts["params"],
                         parts["execution"], parts["account"], limits=parts["limits"],
                         data=parts["data"], fn_address=parts["fn_address"],
                         rolls=self.rolls.get(parts["account"].server_tz))
        self.rolls.setdefault(parts["account"].server_tz, sim.T[4:])
        return sim


def run_point(plan: Plan, p: Point, keep: bool) -> Point:
    """Replay one parameter set (in a worker thread: the replay releases the GIL)."""
    from sim.metrics import compute_metrics

    t0 = time.perf_counter()
    try:
        result = plan.simulation(p.parts).run()
        acc = p.parts["account"]
        p.metrics = compute_metrics(result, float(acc.balance), str(acc.server_tz))
        p.result = result if keep else None
    except Exception as exc:       # one failed point is reported, the sweep goes on
        p.failed = f"{type(exc).__name__}: {exc}"
    p.seconds = time.perf_counter() - t0
    p.parts = None                 # its arrays are no longer needed
    return p


def jobs(n_jobs: int) -> int:
    """``n_jobs`` threads; -1: one per core this process may use."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if n_jobs == -1 or n_jobs is None:
        return max(1, cores or 1)
    if not isinstance(n_jobs, int) or isinstance(n_jobs, bool) or n_jobs < 1:
        raise SweepError(f"n_jobs={n_jobs!r}: expected a whole number >= 1, or -1 (every core)")
    return n_jobs


def sweep(ticks=None, grid: dict | None = None, overrides=(), *, n_jobs: int = -1,
          store=True, trades: bool = False, progress: bool = True,
          symbol: str | None = None, backend: str = "threads",
          ray_address: str | None = None) -> pd.DataFrame:
    """Run every parameter set of ``grid`` over the same ticks.

    Args:
        ticks: as ``sim.backtest`` (a ``TickTable``, a DataFrame, a list of them, or None to
            load ``data=`` from the config).
        grid: ``{"strategy.fast": [10, 20, 30], "strategy.slow": range(100, 401, 100)}``:
            config keys of the strategy, risk, execution or account groups and their values
            (``parse_values`` reads ``10:200:10`` and ``a,b,c`` texts).
        overrides: Hydra override strings for everything else, as ``sim.backtest``.
        n_jobs: worker threads; -1 one per core.  With ``backend="ray"``: Ray tasks at
            once; -1 one per CPU of the cluster.
        store: True (the default store, ``$TICKLAB_STORE`` or ``ticklab.sqlite``), a path,
            or False.  The sweep is a ``sweeps`` row; each parameter set a ``runs`` row with
            its ``params`` and metrics (``sweep_id``); trade lists only with ``trades``.
        trades: also store each run's orders, fills and trades (a large sweep writes a
            lot: off by default).
        progress: a progress bar (terminal or notebook).
        symbol: the symbol of a DataFrame.
        backend: ``"threads"`` (this process) or ``"ray"`` (a Ray cluster: the ``ray``
            extra; ``sim.sweep_ray``).  Either way the results are stored by the caller.
        ray_address: with ``backend="ray"`` and Ray not yet initialised in this process:
            None starts a local instance; ``"auto"``, ``"host:6379"`` or
            ``"ray://host:10001"`` connects to a running cluster.

    Returns:
        One row per parameter set that ran, in grid order: the axes, ``run_id`` (when
        stored), ``seconds`` and every metric of ``sim.backtest``.  ``attrs``:
        ``sweep_id``, ``skipped`` and ``failed`` (parameter sets with the reason),
        ``seconds`` (wall time), ``n_jobs``, ``backend``, ``grid`` (each axis's values as
        read).
    """
    from sim.api import compose, tick_tables
    from sim.pipeline import load_data

    if backend not in BACKENDS:
        raise SweepError(f"backend={backend!r}: expected one of {', '.join(BACKENDS)}")
    if ray_address is not None and backend != "ray":
        raise SweepError(f"ray_address={ray_address!r}: only with backend='ray'")
    if backend == "ray":
        from sim import sweep_ray

        sweep_ray.need_ray()               # a missing extra: one line, before any work
    cfg = compose(overrides)
    grid = check_axes(cfg, grid or {})
    values = grid_points(grid)
    execute = _execute
    if backend == "ray":
        execute = sweep_ray.Runner(ray_address, n_jobs)
        n_jobs = execute.workers
    else:
        n_jobs = jobs(n_jobs)
    tables = tick_tables(ticks, cfg, symbol)
    plan = Plan(cfg, tables if tables is not None else load_data(cfg))
    points, wall = evaluate(plan, values, n_jobs, trades and store is not False, progress,
                            execute)
    frame = _frame(grid, points)
    frame.attrs.update(skipped=[{**p.values, "reason": p.skipped} for p in points if p.skipped],
                       failed=[{**p.values, "reason": p.failed} for p in points if p.failed],
                       seconds=wall, n_jobs=n_jobs, backend=backend, sweep_id=None,
                       n_ticks=plan.n_ticks,
                       grid=grid,
                       config_yaml=OmegaConf.to_yaml(cfg))
    if store is not False:
        from sim.store import default_store_path, save_sweep

        path = default_store_path() if store is True else store
        sweep_id, run_ids = save_sweep(path, plan, grid, list(overrides), points, wall,
                                       n_jobs)
        frame.insert(len(grid), "run_id", [run_ids[i] for i in frame.index])
        frame.attrs.update(sweep_id=sweep_id, store=str(path))
    return frame.reset_index(drop=True)


def evaluate(plan: Plan, values: list[dict], n_jobs: int, keep: bool = False,
             progress: bool = False, execute=None) -> tuple[list[Point], float]:
    """Run each parameter set of ``values`` on ``plan``; a set the config refuses is
    marked skipped.  Returns the points (grid order) and the wall time, compiling aside.
    ``keep``: keep each run's records (``Point.result``).  ``execute(plan, todo, n_jobs,
    keep, progress)`` runs the sets that were not refused (default: on threads here;
    ``sim.sweep_ray.Runner``: on Ray)."""
    points = [Point(i, v) for i, v in enumerate(values)]
    for p in points:
        try:
            p.parts = plan.parts(p.values)
        except (ValueError, TypeError, KeyError) as exc:   # StrategyError is a ValueError
            p.skipped = str(exc)
    todo = [p for p in points if p.parts is not None]
    if todo:
        _warm(plan, todo[0])
    t0 = time.perf_counter()
    if todo:
        (execute or _execute)(plan, todo, n_jobs, keep, progress)
    return points, time.perf_counter() - t0


def _warm(plan: Plan, first: Point) -> None:
    """Compile or load the replay kernel once, before any thread calls it."""
    from sim import jit_cache

    global _SAID
    reason = jit_cache.compile_reason()
    if reason and not _SAID:
        print(f"sweep: {reason}", flush=True)
        _SAID = True
    plan.simulation(first.parts).warm()


_SAID = False          # the compile notice was printed (once per process)


@contextmanager
def progress_bar(progress: bool, total: int, label: str):
    """Yield ``advance(n=1)``: a progress bar on a terminal or in a notebook (not into
    logs), or nothing."""
    bar = None
    if progress:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        console = Console()
    if progress and (console.is_terminal or console.is_jupyter):     # not into logs
        bar = Progress("[progress.description]{task.description}", BarColumn(),
                       MofNCompleteColumn(), TimeRemainingColumn(), console=console,
                       transient=False)
        task = bar.add_task(label, total=total)
        bar.start()
    try:
        yield (lambda n=1: bar.advance(task, n)) if bar is not None else (lambda n=1: None)
    finally:
        if bar is not None:
            bar.stop()


def _execute(plan: Plan, todo: list[Point], n_jobs: int, keep: bool, progress: bool) -> None:
    with progress_bar(progress, len(todo),
                      f"sweep ({n_jobs} thread{'s' * (n_jobs > 1)})") as advance:
        if n_jobs == 1:
            for p in todo:
                run_point(plan, p, keep)
                advance()
            return
        pool = ThreadPoolExecutor(max_workers=n_jobs, thread_name_prefix="sweep")
        try:
            for _ in as_completed([pool.submit(run_point, plan, p, keep) for p in todo]):
                advance()
        except BaseException:          # Ctrl-C: the sets not started are dropped at once
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()


def _frame(grid: dict, points: list[Point]) -> pd.DataFrame:
    ran = [p for p in points if p.metrics]
    rows = [{**p.values, "seconds": p.seconds, **p.metrics} for p in ran]
    cols = list(grid) + ["seconds"]
    frame = pd.DataFrame(rows, index=[p.index for p in ran],
                         columns=cols + [k for k in (ran[0].metrics if ran else {})])
    return frame


def points_json(values: dict) -> str:
    """A parameter set as stored in ``runs.params``: JSON, keys in grid order."""
    return json.dumps({k: (v.item() if isinstance(v, np.generic) else v)
                       for k, v in values.items()})
