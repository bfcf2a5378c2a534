"""``sim.sweep(..., backend="ray")``: a sweep's parameter sets on a Ray cluster.

One job: run the ``todo`` points of a ``Plan`` on Ray and fill them in, as
``sim.sweeps._execute`` does on threads.  The caller composes the config, checks the grid,
loads the ticks and stores the results; nothing is written on the workers and no shared
filesystem is assumed.

- The ticks (``ts``, ``bid``, ``ask`` of each symbol), the resolved config as a plain
  container and the caller's symbol specs go into Ray's object store once (``ray.put``).
  A task receives a reference; on a worker's first task of a sweep it builds the ``Plan``
  from them (numpy arrays are read zero-copy from the node's object store) and warms the
  replay kernel (loaded from the worker's numba cache, compiled once per worker process
  when absent), then keeps that plan for the sweep's later tasks.
- A task runs a chunk of parameter sets (about a quarter of a worker's share, so a slow
  chunk does not hold the end back) one after the other, and returns per set its index,
  metrics, refusal, failure, seconds and, when trades are stored, its records.
- At most ``workers`` chunks are in flight; the progress bar advances as chunks return.

The workers import ``sim`` and the strategy themselves: ticklab (the same version) and any
user strategy must be importable there (docs/research.md, "On a cluster (Ray)").
"""

from __future__ import annotations

import math

from omegaconf import OmegaConf

from sim.sweeps import Plan, Point, SweepError, jobs, progress_bar, run_point

EXTRA = "backend=\"ray\" needs the ray extra: pip install -e '.[ray]'"
HINT = ("ticklab and the strategy must be importable on every Ray worker "
        "(docs/research.md, On a cluster)")
CHUNKS_PER_WORKER = 4


def need_ray():
    """The ``ray`` module, or one line saying how to install it."""
    try:
        import ray
    except ImportError:
        raise SweepError(EXTRA) from None
    return ray


def connect(address: str | None = None):
    """Use this process's Ray if initialised; else start a local instance (``address``
    None) or connect to the cluster at ``address`` (``auto``, ``host:6379``,
    ``ray://host:10001``)."""
    ray = need_ray()
    if ray.is_initialized():
        return ray
    if address is not None:
        _reachable(address)
    try:
        if address is None:
            ray.init(include_dashboard=False)
        else:
            ray.init(address=address)
    except Exception as exc:              # no cluster there, refused, version mismatch
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise SweepError(f"ray_address={address!r}: {first}") from None
    return ray


def _reachable(address: str, timeout: float = 5.0) -> None:
    """Refuse in one line a ``host:port`` (or ``ray://host:port``) where nothing answers:
    ``ray.init`` would retry connecting to it for minutes."""
    import socket

    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return                         # auto, local: Ray answers at once
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise SweepError(f"ray_address={address!r}: nothing answers at {host}:{port} "
                         f"({exc.strerror or type(exc).__name__}); start the cluster with "
                         f"ray start --head, or check the address") from None


class Runner:
    """``execute(plan, todo, n_jobs, keep, progress)`` for ``sim.sweeps.evaluate`` on Ray.

    ``workers``: chunks in flight at once (``n_jobs``; -1: every CPU of the cluster)."""

    def __init__(self, address: str | None = None, n_jobs: int = -1):
        wanted = None if n_jobs in (-1, None) else jobs(n_jobs)    # refused before connecting
        self.ray = connect(address)
        cpus = int(self.ray.cluster_resources().get("CPU", 0))
        if cpus < 1:                   # its tasks would wait for a CPU forever
            raise SweepError(f"the Ray cluster at {address or 'this process'} has no CPU "
                             f"(ray start --num-cpus N on its nodes)")
        self.workers = wanted or cpus

    def __call__(self, plan: Plan, todo: list[Point], n_jobs: int, keep: bool,
                 progress: bool) -> None:
        ray = self.ray
        for p in todo:
            p.parts = None             # rebuilt on the worker (a strategy's address is per process)
        shared = ray.put({
            "config": OmegaConf.to_container(plan.cfg, resolve=True),
            "streams": [(t.symbol, t.ts, t.bid, t.ask) for t in plan.tables],
            "specs": plan.specs,
        })
        size = max(1, math.ceil(len(todo) / (CHUNKS_PER_WORKER * self.workers)))
        chunks = [[(p.index, p.values) for p in todo[i:i + size]]
                  for i in range(0, len(todo), size)]
        by_index = {p.index: p for p in todo}
        task = ray.remote(num_cpus=1)(run_chunk)
        label = f"sweep (ray, {self.workers} worker{'s' * (self.workers > 1)})"
        pending: dict = {}
        with progress_bar(progress, len(todo), label) as advance:
            try:
                for chunk in chunks:
                    while len(pending) >= self.workers:
                        self._collect(pending, by_index, advance)
                    pending[task.remote([shared], chunk, keep)] = len(chunk)
                while pending:
                    self._collect(pending, by_index, advance)
            except BaseException:      # a worker's error or Ctrl-C: drop what is queued
                for ref in pending:
                    ray.cancel(ref)
                raise

    def _collect(self, pending: dict, by_index: dict, advance) -> None:
        ray = self.ray
        (ref,), _ = ray.wait(list(pending), num_returns=1)
        pending.pop(ref)
        try:
            rows = ray.get(ref)
        except ray.exceptions.RayError as exc:
            cause = getattr(exc, "cause", None) or exc
            first = (str(cause).strip().splitlines() or [""])[0]
            missing = isinstance(cause, ImportError) or type(cause).__name__ == "StrategyError"
            raise SweepError(f"a Ray worker failed: {type(cause).__name__}: {first}" +
                             (f"; {HINT}" if missing else "")) from None
        for index, metrics, skipped, failed, seconds, result in rows:
            p = by_index[index]
            p.metrics, p.skipped, p.failed, p.seconds, p.result = \
                metrics, skipped, failed, seconds, result
        advance(len(rows))


_PLANS: dict[str, list] = {}       # in a worker process: [plan, warmed] of the current sweep


def _plan(ref) -> list:
    """This worker's [plan, warmed] for the sweep whose shared half is ``ref``: built on
    the worker's first task of the sweep, reused by its later ones."""
    import ray

    from sim.data.table import TickTable

    key = ref.hex()
    entry = _PLANS.get(key)
    if entry is None:
        _PLANS.clear()                 # one sweep at a time: release the previous one's ticks
        shared = ray.get(ref)          # the arrays: read-only views of the object store
        tables = [TickTable({"ts": ts, "bid": bid, "ask": ask}, symbol=symbol)
                  for symbol, ts, bid, ask in shared["streams"]]
        # the caller's symbol specs, not this node's conf/ (which may lack them)
        plan = Plan(OmegaConf.create(shared["config"]), tables, shared["specs"])
        entry = _PLANS[key] = [plan, False]
    return entry


def run_chunk(refs: list, chunk: list[tuple[int, dict]], keep: bool) -> list[tuple]:
    """On a worker: run ``chunk`` [(index, values)] one after the other on the sweep's
    plan (``refs``: [the shared half's reference], nested so that Ray hands it over
    unresolved); [(index, metrics, skipped, failed, seconds, result)] back to the
    caller."""
    from sim.sweeps import _warm

    entry = _plan(refs[0])
    plan = entry[0]
    out = []
    for index, values in chunk:
        p = Point(index, values)
        try:
            p.parts = plan.parts(values)
        except (ValueError, TypeError, KeyError) as exc:    # as sim.sweeps.evaluate
            p.skipped = str(exc)
        if p.parts is not None:
            if not entry[1]:           # compile or load the replay kernel once per worker
                _warm(plan, p)
                entry[1] = True
            run_point(plan, p, keep)
        out.append((p.index, p.metrics, p.skipped, p.failed, p.seconds, p.result))
    return out
