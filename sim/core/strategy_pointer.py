"""Calling a strategy through a function address: the fast-compiling path.

Statically bound (sim/core/strategy_api.py), the strategy is inlined into the replay loop
and the core's entry points: the fastest per tick, but every strategy, and every edit of
one, compiles the whole loop again (tens of seconds).  Given a ``pointer_dt`` params
record instead, ``on_event`` calls the strategy through a C function address: the loop is
compiled once for every strategy, and a strategy alone compiles in a second or two
(``sim.strategy_wrapper`` builds its wrapper, a ``cfunc`` of ``POINTER_SIG``).

The wrapper receives the addresses of the strategy's state, params and data arrays (kept
alive by their owner, ``DecisionCore``), the data's length, and the addresses of the
event and core records.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

pointer_dt = np.dtype([("fn", np.int64), ("sstate", np.int64), ("params", np.int64),
                       ("data", np.int64), ("data_len", np.int64)], align=True)

# int64 fn(sstate, params, data, data_len, event, core): the addresses, the intents written
POINTER_SIG = types.int64(*([types.int64] * 6))


@intrinsic
def address_of(typingctx, rec):
    """The address of a record (int64): numba passes records by pointer."""
    if not isinstance(rec, types.Record):
        return None

    def codegen(context, builder, signature, args):
        return builder.ptrtoint(args[0], ir.IntType(64))

    return types.int64(rec), codegen


@intrinsic
def to_pointer(typingctx, addr):
    """An int64 address as a ``voidptr`` (for ``numba.carray``)."""
    if not isinstance(addr, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], context.get_value_type(types.voidptr))

    return types.voidptr(addr), codegen


@intrinsic
def call_strategy(typingctx, fn, sstate, params, data, data_len, event, core):
    """Call the ``POINTER_SIG`` function at address ``fn``; its int64 result."""
    sig = types.int64(*([types.int64] * 7))

    def codegen(context, builder, signature, args):
        fnty = ir.FunctionType(ir.IntType(64), [ir.IntType(64)] * 6)
        return builder.call(builder.inttoptr(args[0], fnty.as_pointer()), args[1:])

    return sig, codegen
