"""``sim.optimize``: an Optuna study over a strategy's parameters (docs/research.md,
"Optimisation with Optuna").

Optuna is called directly (not through Hydra's Optuna sweeper, whose pinned Optuna breaks
on SQLAlchemy 2).  Each trial is one replay on the shared ticks (``sim.sweeps.Plan``), on
``n_jobs`` threads (the replay releases the GIL).  The study lives in an SQLite file beside
the results store, so it can be resumed, inspected with ``optuna-dashboard`` and extended;
each finished trial is also a ``runs`` row of the results store, under one ``sweeps`` row
(``kind = 'optuna'``).  Pruning: a trial reports its running net P&L after each tenth of
the ticks and the median pruner stops one that trails the median of the trials before it.

The space: ``"5:100"`` (integers 5..100), ``"5:100:5"`` (a step), ``"0.5:2.5"`` (a float
range; ``"0.5:2.5:0.25"`` with a step), ``"a,b,c"`` (a choice); from Python also
``range(5, 101, 5)``, ``(0.5, 2.5)`` and lists.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.sweeps import RANGE, Plan, SweepError, check_axes, jobs

PRUNE_STEPS = 10


@dataclass(frozen=True)
class Dist:
    """One axis of the search space: ``int``/``float`` from ``low`` to ``high`` (``step`` or
    None), or ``choice`` among ``values``."""

    kind: str
    low: float = 0.0
    high: float = 0.0
    step: float | None = None
    values: tuple = ()

    def suggest(self, trial, name: str):
        if self.kind == "int":
            return trial.suggest_int(name, int(self.low), int(self.high),
                                     step=int(self.step or 1))
        if self.kind == "float":
            return trial.suggest_float(name, self.low, self.high, step=self.step)
        return trial.suggest_categorical(name, list(self.values))

    def as_json(self):
        return list(self.values) if self.kind == "choice" else \
            {"kind": self.kind, "low": self.low, "high": self.high, "step": self.step}


def parse_dist(key: str, spec, current=0) -> Dist:
    """An axis from text (``"5:100:5"``, ``"0.5:2.5"``, ``"a,b"``) or Python (``range``, a
    ``(low, high)`` tuple, a list).  A key whose config value (``current``) is text takes
    a choice of texts (``"08:00,10:30"``)."""
    from sim.sweeps import _scalar, parse_values

    if isinstance(spec, str) and isinstance(current, str):
        return Dist("choice", values=tuple(parse_values(key, spec, current)))
    if isinstance(spec, range):
        if len(spec) == 0 or spec.step <= 0:
            raise SweepError(f"{key}: an empty range")
        return Dist("int", spec.start, spec[-1], spec.step)
    if isinstance(spec, tuple) and len(spec) == 2:
        lo, hi = spec
        if not lo < hi:
            raise SweepError(f"{key}={spec}: expected (low, high) with low < high")
        whole = all(isinstance(x, int) and not isinstance(x, bool) for x in spec)
        return Dist("int" if whole else "float", lo, hi)
    if isinstance(spec, list | tuple):
        if not spec:
            raise SweepError(f"{key}: no values")
        return Dist("choice", values=tuple(spec))
    text = str(spec).strip()
    m = RANGE.match(text)
    if m:
        lo, hi, st = m.group(1), m.group(2), m.group(3)
        whole = all(re.fullmatch(r"-?\d+", x) for x in (lo, hi) + ((st,) if st else ()))
        a, b = (int(lo), int(hi)) if whole else (float(lo), float(hi))
        step = (int(st) if whole else float(st)) if st else None
        if not a < b or (step is not None and step <= 0):
            raise SweepError(f"{key}={text}: expected LOW:HIGH[:STEP] with LOW < HIGH and "
                             f"STEP > 0")
        if step is not None and not whole and abs((b - a) / step - round((b - a) / step)) > 1e-9:
            raise SweepError(f"{key}={text}: HIGH - LOW must be a multiple of STEP")
        return Dist("int" if whole else "float", a, b, step)
    values = [_scalar(x.strip()) for x in text.split(",") if x.strip()]
    if not values:
        raise SweepError(f"{key}={text!r}: expected LOW:HIGH[:STEP] or a,b,c")
    return Dist("choice", values=tuple(values))


def study_storage(store_path) -> str:
    """The Optuna storage beside the results store: ``ticklab.optuna.sqlite`` next to
    ``ticklab.sqlite``."""
    p = Path(store_path)
    return f"sqlite:///{p.with_name(p.stem + '.optuna.sqlite')}"


@dataclass
class OptimizeResult:
    """A finished study: ``study`` (the Optuna study), ``trials`` (one row per trial:
    number, state, the axes, the metric's value, every metric of a finished trial),
    ``best`` ({"params", "value", "metrics"}), ``storage``, ``sweep_id``."""

    study: object
    trials: pd.DataFrame
    best: dict
    storage: str | None
    sweep_id: int | None

    def __repr__(self) -> str:
        b = self.best
        return (f"OptimizeResult({len(self.trials)} trials, best {b.get('params')}: "
                f"{b.get('value')})")


def optimize(ticks=None, space: dict | None = None, overrides=(), *, n_trials: int = 100,
             metric: str = "net_pnl", n_jobs: int = -1, study_name: str | None = None,
             storage=None, store=True, prune: bool = True, seed: int | None = None,
             timeout: float | None = None, progress: bool = True,
             symbol: str | None = None) -> OptimizeResult:
    """Search ``space`` with Optuna (TPE) for the parameters maximising ``metric``
    (minimising drawdowns, costs and delays).

    Args:
        ticks, overrides, symbol: as ``sim.sweep``.
        space: axis -> ``Dist`` spec (``parse_dist``).
        n_trials, timeout: when to stop (``timeout`` in seconds).
        metric: a metric of ``docs/metrics.md``.
        n_jobs: threads; -1 every core.
        study_name: resume the study of that name (default: a new one, named after the
            strategy and the time).
        storage: an Optuna storage URL; default beside the results store
            (``study_storage``), or in memory when ``store`` is False.
        store: True (the default store), a path, or False: each finished trial as a
            ``runs`` row under one ``sweeps`` row (``kind = 'optuna'``).
        prune: stop trials whose running net P&L trails the median (maximised metrics
            only: a running P&L says nothing about a drawdown still to come).
        seed: the sampler's seed (with ``n_jobs=1``, a study that can be replayed).
        progress: one line per finished trial.
    """
    try:
        import optuna
    except ImportError:
        raise SweepError("sim.optimize needs Optuna: pip install -e '.[research]' "
                         "(or pip install 'optuna>=5,<6')") from None

    from omegaconf import OmegaConf

    from sim.api import compose, tick_tables
    from sim.pipeline import load_data
    from sim.sweep_report import LOWER_IS_BETTER, check_metric
    from sim.sweeps import Point

    check_metric(metric)
    cfg = compose(overrides)
    check_axes(cfg, {k: [0] for k in (space or {})})
    dists = {k: v if isinstance(v, Dist) else parse_dist(k, v, OmegaConf.select(cfg, k))
             for k, v in space.items()}
    if not isinstance(n_trials, int) or n_trials < 1:
        raise SweepError(f"n_trials={n_trials!r}: expected a whole number >= 1")
    n_jobs = jobs(n_jobs)
    tables = tick_tables(ticks, cfg, symbol)
    plan = Plan(cfg, tables if tables is not None else load_data(cfg))
    minimise = metric in LOWER_IS_BETTER
    prune = prune and not minimise
    if store is not False and storage is None:
        from sim.store import default_store_path

        storage = study_storage(default_store_path() if store is True else store)
    name = study_name or f"{cfg.strategy.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    meta = {"space": {k: d.as_json() for k, d in dists.items()}, "overrides": list(overrides),
            "metric": metric, "n_ticks": plan.n_ticks}
    if storage is not None and study_name is not None:
        _check_resume(optuna, storage, study_name, meta)
    study = optuna.create_study(
        storage=storage, study_name=name, load_if_exists=True,
        direction="minimize" if minimise else "maximize",
        sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2)
        if prune else optuna.pruners.NopPruner())
    study.set_user_attr("ticklab", meta)
    try:                                 # compile (or load) the kernel before the threads
        from sim.sweeps import _warm

        _warm(plan, Point(0, {}, plan.parts({k: _middle(d) for k, d in dists.items()})))
    except (ValueError, TypeError, KeyError):
        pass                             # the middle of the space is refused: first trial
    points: dict[int, Point] = {}

    def objective(trial):
        from sim.metrics import compute_metrics

        values = {k: d.suggest(trial, k) for k, d in dists.items()}
        try:
            parts = plan.parts(values)
        except (ValueError, TypeError, KeyError) as exc:
            trial.set_user_attr("refused", str(exc))
            raise optuna.TrialPruned(f"refused: {exc}") from None
        sim = plan.simulation(parts)
        balance = float(parts["account"].balance)
        t0 = time.perf_counter()

        def report(done, total):
            if prune and done < total:
                step = round(done * PRUNE_STEPS / total)
                trial.report(float(sim.venue.account["equity"]) - balance, step)
                if trial.should_prune():
                    raise optuna.TrialPruned(f"running net P&L at {step}/{PRUNE_STEPS}")

        result = sim.run(progress=report if prune else None,
                         chunk=max(1, -(-plan.n_ticks // PRUNE_STEPS)))
        m = compute_metrics(result, float(parts["account"].balance),
                            str(parts["account"].server_tz))
        trial.set_user_attr("metrics", {k: _plain(v) for k, v in m.items()})
        points[trial.number] = Point(trial.number, values, metrics=m,
                                     seconds=time.perf_counter() - t0)
        if progress:
            print(f"trial {trial.number}: {_params(values)} {metric} {m[metric]:,.4g}",
                  flush=True)
        if math.isnan(m[metric]):
            raise optuna.TrialPruned(f"{metric} undefined (e.g. no trade)")
        return m[metric]

    t0 = time.perf_counter()
    study.optimize(objective, n_trials=n_trials, n_jobs=n_jobs, timeout=timeout)
    wall = time.perf_counter() - t0
    trials = _trials_frame(study, list(dists))
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    best = {}
    if done:
        b = study.best_trial
        best = {"params": b.params, "value": b.value, "metrics": b.user_attrs.get("metrics")}
    sweep_id = None
    if store is not False and points:
        from sim.store import default_store_path, save_sweep

        ordered = [points[k] for k in sorted(points)]
        for p in ordered:
            p.skipped = p.failed = ""
        sweep_id, _ = save_sweep(default_store_path() if store is True else store, plan,
                                 {k: d.as_json() for k, d in dists.items()}, list(overrides),
                                 ordered, wall, n_jobs, kind="optuna",
                                 study=f"{name} @ {storage}")
    return OptimizeResult(study, trials, best, storage, sweep_id)


def _check_resume(optuna, storage: str, name: str, meta: dict) -> None:
    """A study resumed by name must be the same search: metric, space and overrides."""
    try:
        old = optuna.load_study(study_name=name, storage=storage).user_attrs.get("ticklab")
    except KeyError:
        return                                   # no such study yet: a new one
    if not old:
        return
    for what in ("metric", "space", "overrides"):
        if old.get(what) != meta[what]:
            raise SweepError(f"study {name}: its {what} was {old.get(what)!r}, not "
                             f"{meta[what]!r}: the same search to resume it, or a new "
                             f"--study name")


def _middle(d: Dist):
    if d.kind == "choice":
        return d.values[0]
    mid = (d.low + d.high) / 2
    return int(mid) if d.kind == "int" else mid


def _plain(v):
    return float(v) if isinstance(v, float) else v


def _params(values: dict) -> str:
    return " ".join(f"{k}={v}" for k, v in values.items())


def _trials_frame(study, axes: list[str]) -> pd.DataFrame:
    rows = []
    for t in study.trials:
        rows.append({"trial": t.number, "state": t.state.name.lower(),
                     **{a: t.params.get(a) for a in axes}, "value": t.value,
                     "note": t.user_attrs.get("refused", ""),
                     **(t.user_attrs.get("metrics") or {})})
    return pd.DataFrame(rows)

