"""Reconciliation: the EA's snapshot against what the decision core believes.

Positions are matched by ticket (MT5 position identifier = the core's book ``ident``):
symbol, side and volume must agree; pending orders by ticket: symbol, type and volume.
Only what the EA reports under our magic counts.  When they agree, a command whose outcome
was unknown (no answer before its deadline) left no trace at the broker: it did not
execute, and the EA refuses it from now on (its deadline is past).
"""

from __future__ import annotations

from sim.core.enums import OrderState
from sim.core.records import VOL_EPS


def differences(core, names: list[str], snap) -> list[str]:
    """One line per difference (empty: reconciled)."""
    out = []
    book = core.record["book"] if core is not None else None
    ours = {}
    if book is not None:
        for p in book[book["active"]]:
            ours[int(p["ident"])] = (names[int(p["symbol"])], int(p["side"]), float(p["volume"]))
    theirs = {p.ticket: (p.symbol, p.side, p.volume) for p in snap.positions}
    for t in sorted(set(ours) | set(theirs)):
        a, b = ours.get(t), theirs.get(t)
        if a is None:
            out.append(f"position {t} {b[0]} {'buy' if b[1] > 0 else 'sell'} {b[2]:g} lots is "
                       f"open at the broker, unknown to ticklab")
        elif b is None:
            out.append(f"position {t} {a[0]} {'buy' if a[1] > 0 else 'sell'} {a[2]:g} lots is "
                       f"open in ticklab's book, not at the broker")
        elif a[0] != b[0] or a[1] != b[1] or abs(a[2] - b[2]) > VOL_EPS:
            out.append(f"position {t}: ticklab {a[0]} {a[1]:+d} {a[2]:g} lots, broker "
                       f"{b[0]} {b[1]:+d} {b[2]:g} lots")
    pend = {}
    if core is not None:
        for o in core.pending:
            if o["state"] == OrderState.PLACED:
                pend[int(o["ticket"])] = (names[int(o["symbol"])], int(o["type"]),
                                          float(o["volume"]))
    theirs_o = {o.ticket: (o.symbol, o.order_type, o.volume) for o in snap.orders}
    for t in sorted(set(pend) | set(theirs_o)):
        a, b = pend.get(t), theirs_o.get(t)
        if a != b and not (a and b and a[:2] == b[:2] and abs(a[2] - b[2]) <= VOL_EPS):
            out.append(f"pending order {t}: ticklab {a or 'none'}, broker {b or 'none'}")
    return out
