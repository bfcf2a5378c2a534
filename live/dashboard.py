"""The terminal view of a live session (``live.dashboard``): connection, last tick age,
positions, P&L, trading state, message rates, faults.  Built from ``Runner.status()``."""

from __future__ import annotations

import time

from rich.table import Table

STATE_STYLE = {"ACTIVE": "green", "REDUCING": "yellow", "HALTED": "bold red"}
_last: dict = {}


def render(runner) -> Table:
    st = runner.status()
    now = time.monotonic()
    received = sum(runner.link.counters.received.values())
    prev_t, prev_n = _last.get(id(runner), (now, received))
    rate = (received - prev_n) / (now - prev_t) if now > prev_t else 0.0
    _last[id(runner)] = (now, received)
    t = Table(title=f"ticklab live: {st['mode']}, session {st['session']}", show_header=False)
    t.add_column("what", style="bold")
    t.add_column("value")
    t.add_row("EA", "[green]connected[/green]" if st["ea_connected"] else "[red]not heard[/red]")
    t.add_row("trading state", f"[{STATE_STYLE[st['state']]}]{st['state']}[/]"
              + ("" if st["reconciled"] else " (reconciling)"))
    t.add_row("last tick", "–" if st["last_tick_age_s"] is None
              else f"{st['last_tick_age_s']:.3f} s ago")
    t.add_row("ticks / lost", f"{st['ticks']:,} / {st['ticks_lost']:,}")
    t.add_row("messages in", f"{rate:,.0f}/s")
    t.add_row("orders / denied", f"{st['decisions']:,} / {st['denials']:,}")
    t.add_row("positions", str(st["positions"]))
    if st["balance"] is not None:
        c = runner.core.record
        t.add_row("balance / equity", f"{float(c['balance']):,.2f} / {float(c['equity']):,.2f}")
    t.add_row("bad frames", str(st["bad_frames"] or 0))
    return t
