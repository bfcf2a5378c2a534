"""The strategy contract and its static dispatch.

A strategy is a module with a frozen ``Params`` dataclass, a ``params_dt`` record
dtype, a ``state_dt`` dtype, ``make_params``/``make_state``/``make_data`` and a kernel

    on_event_nb(sstate, params, data, e, core, intents) -> number of intents written

(no I/O, no wall clock: time is ``e["ts"]``).  ``e`` is an ``event_dt`` record of any
kind (sim/core/events.py); ``core`` is the decision core's state record (read it: quotes
``core["quote"][s]``, symbol specs ``core["spec"][s]``, the book, the account view);
``intents`` is where the strategy writes its intents (``intent_dt`` rows).  The module
calls ``register(params_dt, on_event_nb)`` at import.

The generic ``step_nb``/``replay_nb`` call ``on_event`` below, which numba resolves *at
compile time* from the params record type (an ``@overload``), so each strategy is bound
statically: no first-class function arguments or closures, which would defeat the compile
cache (style.md 3).  Under ``NUMBA_DISABLE_JIT=1`` the same stub dispatches in plain Python.

The params record the kernels see is the strategy's ``params_dt`` plus one tag field
(``bind``) named after the strategy's module and a digest of its sources (the module's
file and the files of the modules it imports from its own package or folder):

- two strategies with the same ``params_dt`` layout are two record types, so they coexist
  in one process;
- an edit of a strategy, or of a helper module it imports, changes the record type, so
  the compile cache, keyed by argument types, can never serve a kernel compiled with the
  old code (``sim.jit_cache`` covers ``sim/`` and ``strategies/``; this covers the
  user's own files wherever they live).
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import sys
from pathlib import Path

import numba
import numpy as np
from numba.extending import overload

from sim.core.strategy_pointer import address_of, call_strategy, pointer_dt

_POINTER_TYPE = numba.from_dtype(pointer_dt)
_BY_DTYPE: dict[np.dtype, object] = {}     # tagged params dtype -> on_event_nb
_BY_NBTYPE: dict[object, object] = {}      # numba Record type of it -> inlined on_event_nb
_TAGGED: dict[object, np.dtype] = {}       # on_event_nb -> its tagged params dtype


def imported_modules(path: Path, modname: str) -> set[str]:
    """The modules a source file imports (absolute, relative resolved, function-level too);
    each ``from X import y`` also gives ``X.y`` (``y`` may be a submodule)."""
    names = set()
    package = modname if path.name == "__init__.py" else modname.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_bytes())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                try:
                    base = importlib.util.resolve_name("." * node.level + base, package)
                except (ImportError, ValueError):
                    continue
            names.add(base)
            names |= {f"{base}.{a.name}" for a in node.names}
    return names


def source_digest(modname: str) -> str:
    """sha256 (12 hex) over a module's source and those of the modules it imports from its
    own home: its top-level package's folder, or its own folder for a plain module."""
    mod = sys.modules[modname]
    first = Path(mod.__file__).resolve()
    top = sys.modules.get(modname.partition(".")[0])
    top_file = getattr(top, "__file__", None)
    top_path = list(getattr(top, "__path__", []) or [])
    if "." not in modname:
        home = first.parent
    elif top_file:
        home = Path(top_file).resolve().parent
    else:                               # a namespace package: its (first) folder
        home = Path(top_path[0]).resolve() if top_path else first.parent
    seen, todo, h = set(), [(first, modname)], hashlib.sha256()
    while todo:
        path, name = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        h.update(str(path.relative_to(home)).encode() + b"\0" + path.read_bytes() + b"\0")
        for dep in sorted(imported_modules(path, name)):
            m = sys.modules.get(dep)
            f = getattr(m, "__file__", None)
            if f and f.endswith(".py") and Path(f).resolve().is_relative_to(home):
                todo.append((Path(f).resolve(), dep))
    return h.hexdigest()[:12]


def tagged_dtype(params_dt: np.dtype, modname: str) -> np.dtype:
    """``params_dt`` plus a 1-byte field named after the module and its source digest."""
    tag = "_strategy_" + modname.replace(".", "_") + "_" + source_digest(modname)
    fields = [(n, params_dt.fields[n][0]) for n in params_dt.names]
    return np.dtype(fields + [(tag, np.uint8)], align=True)


def register(params_dt: np.dtype, on_event_nb) -> None:
    """Bind a strategy's ``on_event_nb`` to its params record (tagged: see the module doc)."""
    py = getattr(on_event_nb, "py_func", on_event_nb)
    tagged = tagged_dtype(np.dtype(params_dt), py.__module__)
    _BY_DTYPE[tagged] = on_event_nb
    _BY_NBTYPE[numba.from_dtype(tagged)] = _inlined(on_event_nb)
    _TAGGED[on_event_nb] = tagged


def is_registered(on_event_nb) -> bool:
    return on_event_nb in _TAGGED


def registered_dtype(on_event_nb) -> np.dtype:
    """The tagged params dtype ``register`` made: the digest of the code now loaded."""
    return _TAGGED[on_event_nb]


def bind(params: np.ndarray, on_event_nb) -> np.ndarray:
    """The params record as the kernels take it: ``params`` (from the strategy's
    ``make_params``) copied into the strategy's tagged dtype (unchanged if already)."""
    tagged = _TAGGED.get(on_event_nb)
    if tagged is None:
        raise ValueError(f"{getattr(on_event_nb, '__module__', on_event_nb)}: its on_event_nb "
                         f"is not registered; end the module with register(params_dt, "
                         f"on_event_nb)")
    if params.dtype == tagged:
        return params
    out = np.zeros(len(params), dtype=tagged)
    for name in params.dtype.names:
        out[name] = params[name]
    return out


def _inlined(on_event_nb):
    # the replay loop calls the strategy on every tick: inline it at numba IR level, as the
    # loop's own per-tick kernels are (a call passing five arrays costs ~35 words of
    # arguments); the caller's cache holds the inlined code
    py = getattr(on_event_nb, "py_func", None)
    if py is None:                      # NUMBA_DISABLE_JIT: a plain function
        return on_event_nb
    return numba.njit(_nrt=False, inline="always")(py)


def on_event(sstate, params, data, e, core, intents):
    """Call the registered strategy for ``params``' dtype (pure-Python path)."""
    return _BY_DTYPE[params.dtype](sstate, params, data, e, core, intents)


@overload(on_event, jit_options={"_nrt": False}, inline="always")
def _on_event_ov(sstate, params, data, e, core, intents):
    if params.dtype == _POINTER_TYPE:       # sim/core/strategy_pointer.py
        def by_address(sstate, params, data, e, core, intents):
            p = params[0]
            n = call_strategy(p["fn"], p["sstate"], p["params"], p["data"], p["data_len"],
                              address_of(e), address_of(core))
            if n < 0:               # it raised (the wrapper caught it): counted, no intents
                core["n_raised"] += 1
                return 0
            return n

        return by_address
    impl = _BY_NBTYPE.get(params.dtype)
    if impl is None:
        raise numba.core.errors.TypingError(
            f"no strategy registered for params record {params.dtype}")

    def dispatch(sstate, params, data, e, core, intents):
        return impl(sstate, params, data, e, core, intents)

    return dispatch
