"""The strategy contract and its static dispatch.

A strategy is a module with a frozen ``Params`` dataclass, a ``params_dt`` record
dtype, a ``state_dt`` dtype, ``make_params``/``make_state``/``make_data`` and a kernel

    on_event_nb(sstate, params, data, e, core, intents) -> number of intents written

(no I/O, no wall clock: time is ``e["ts"]``).  ``e`` is an ``event_dt`` record of any
kind (sim/core/events.py); ``core`` is the decision core's state record (read it: quotes
``core["quote"][s]``, symbol specs ``core["spec"][s]``, the book, the account view);
``intents`` is where the strategy writes its intents (``intent_dt`` rows).  The module calls ``register`` at
import.  The generic ``step_nb``/``replay_nb`` call ``on_event`` below, which numba
resolves *at compile time* from the params record type (an ``@overload``), so each
strategy is bound statically: no first-class function arguments or closures, which
would defeat the compile cache (style.md 3).  Under ``NUMBA_DISABLE_JIT=1`` the same
stub dispatches in plain Python.
"""

from __future__ import annotations

import numba
import numpy as np
from numba.extending import overload

_BY_DTYPE: dict[np.dtype, object] = {}     # params_dt -> on_event_nb
_BY_NBTYPE: dict[object, object] = {}      # numba Record type -> on_event_nb


def register(params_dt: np.dtype, on_event_nb) -> None:
    """Bind a strategy's ``on_event_nb`` to its (unique) params record dtype."""
    key = numba.from_dtype(params_dt)
    other = _BY_NBTYPE.get(key)
    if other is not None and other is not on_event_nb:
        raise ValueError(
            f"params_dt of {on_event_nb.__module__} has the same layout as that of "
            f"{other.__module__}; give each strategy's params_dt a distinct field set")
    _BY_DTYPE[np.dtype(params_dt)] = on_event_nb
    _BY_NBTYPE[key] = _inlined(on_event_nb)


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
    impl = _BY_NBTYPE.get(params.dtype)
    if impl is None:
        raise numba.core.errors.TypingError(
            f"no strategy registered for params record {params.dtype}")

    def dispatch(sstate, params, data, e, core, intents):
        return impl(sstate, params, data, e, core, intents)

    return dispatch
