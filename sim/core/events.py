"""The event contract: how each kind of ``event_dt`` is filled (docs/architecture.md).

Whoever feeds the decision core (the batch loop, the simulated venue, the live runner
decoding the EA's messages) builds its events with these kernels, so every producer
fills the same fields for the same kind:

| kind    | fields                                                                          |
|---------|---------------------------------------------------------------------------------|
| TICK    | ts, symbol, bid, ask                                                            |
| FILL    | ts, symbol, cid, type, side, entry, deal_reason, volume, price, position_id,    |
|         | profit, commission, swap; balance, equity, margin after the deal, as_of = its   |
|         | execution time                                                                  |
| REJECT  | ts, symbol, cid, type, side, volume, price, retcode, position_id                |
|         | (a requote also carries the new bid/ask)                                        |
| TIMER   | ts, timer (TimerKind); DAY: balance, equity, margin, as_of = ts; a DAY's ts is  |
|         | a server midnight, so it also gives the server's UTC offset (``core["utc_offset"]``) |
| ACCOUNT | ts, balance, equity, margin, as_of = ts                                         |
| ORDER   | ts, symbol, cid, ticket, type, state (PLACED: placed, modified or a stop-limit  |
|         | turned limit; CANCELED), volume, price, sl, tp, expiry                          |

Every other field is 0.  ``ts`` is int64 ns UTC and the core's only clock; events reach
the core in ``ts`` order.  ``symbol`` indexes the core's symbols (``core["spec"]``).

A stage that needs time to pass without an event (a bar's close, a risk cool-down) asks
for a TIMER with ``wake_at_nb``: the core delivers TIMER(WAKE) to itself just before the
first event at or after that instant, with that event's ``ts`` (the core has no clock but
its events), whoever feeds it.
"""

from __future__ import annotations

from sim.core.enums import EventKind
from sim.core.records import NS_PER_DAY
from sim.jit_cache import kernel


@kernel(inline=True)
def clear_event_nb(e, ts, kind):
    e["ts"] = ts
    e["kind"] = kind
    e["symbol"] = 0
    e["bid"] = 0.0
    e["ask"] = 0.0
    e["cid"] = 0
    e["type"] = 0
    e["retcode"] = 0
    e["side"] = 0
    e["entry"] = 0
    e["deal_reason"] = 0
    e["volume"] = 0.0
    e["price"] = 0.0
    e["position_id"] = 0
    e["profit"] = 0.0
    e["commission"] = 0.0
    e["swap"] = 0.0
    e["balance"] = 0.0
    e["equity"] = 0.0
    e["margin"] = 0.0
    e["as_of"] = 0
    e["timer"] = 0
    e["ticket"] = 0
    e["state"] = 0
    e["sl"] = 0.0
    e["tp"] = 0.0
    e["expiry"] = 0


@kernel(inline=True)
def tick_event_nb(e, ts, s, bid, ask):
    """A quote of symbol ``s`` (only the TICK fields: the hot path writes nothing else)."""
    e["ts"] = ts
    e["kind"] = EventKind.TICK
    e["symbol"] = s
    e["bid"] = bid
    e["ask"] = ask


@kernel
def report_event_nb(e, ts, kind, order, s, side, entry, reason, volume, price, retcode,
                    position_id, profit, commission, swap):
    """A FILL (a deal) or REJECT report of ``order`` (an ``order_dt`` row: its cid and type)."""
    clear_event_nb(e, ts, kind)
    e["symbol"] = s
    e["cid"] = order["cid"]
    e["type"] = order["type"]
    e["retcode"] = retcode
    e["side"] = side
    e["entry"] = entry
    e["deal_reason"] = reason
    e["volume"] = volume
    e["price"] = price
    e["position_id"] = position_id
    e["profit"] = profit
    e["commission"] = commission
    e["swap"] = swap


@kernel
def order_event_nb(e, ts, order, state):
    """An ORDER event: pending ``order`` (an ``order_dt`` row) now in ``state``."""
    clear_event_nb(e, ts, EventKind.ORDER)
    e["symbol"] = order["symbol"]
    e["cid"] = order["cid"]
    e["ticket"] = order["ticket"]
    e["type"] = order["type"]
    e["state"] = state
    e["volume"] = order["volume"]
    e["price"] = order["price"]
    e["sl"] = order["sl"]
    e["tp"] = order["tp"]
    e["expiry"] = order["expiry"]


@kernel
def account_fields_nb(e, as_of, balance, equity, margin):
    """Attach the venue's account figures, as of ``as_of`` (FILL, TIMER DAY, ACCOUNT)."""
    e["as_of"] = as_of
    e["balance"] = balance
    e["equity"] = equity
    e["margin"] = margin


@kernel
def account_event_nb(e, ts, balance, equity, margin):
    """An ACCOUNT snapshot."""
    clear_event_nb(e, ts, EventKind.ACCOUNT)
    account_fields_nb(e, ts, balance, equity, margin)


@kernel
def timer_event_nb(e, ts, timer, balance, equity, margin):
    """A TIMER of kind ``timer`` (TimerKind) with the account at that instant."""
    clear_event_nb(e, ts, EventKind.TIMER)
    e["timer"] = timer
    account_fields_nb(e, ts, balance, equity, margin)


@kernel(inline=True)
def midnight_offset_nb(ts):
    """The server's clock minus UTC (ns, in (-12 h, +12 h]) given that ``ts`` (ns UTC) is a
    server midnight, as a TIMER DAY's is."""
    off = -ts % NS_PER_DAY
    return off - NS_PER_DAY if off > NS_PER_DAY // 2 else off


@kernel
def wake_at_nb(c, ts):
    """Ask the core ``c`` for a TIMER(WAKE) at ``ts`` (ns UTC; the earliest request wins)."""
    if c["wake_ts"] == 0 or ts < c["wake_ts"]:
        c["wake_ts"] = ts
