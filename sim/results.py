"""The records of one run, whoever drove it: the venue's journals and the core's state.

The batch loop (``Simulation.result``) and a per-event drive (``DecisionCore`` +
``SimVenue``) both end in a ``RunResult``; metrics, frames, the store and the report read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.core.decision import DecisionCore
from sim.core.records import risk_event_dt
from sim.venue.state import VenueState


@dataclass
class RunResult:
    """Raw records of one run (trimmed to their used length)."""

    names: list[str]
    deals: np.ndarray
    trades: np.ndarray
    equity: np.ndarray
    orders: np.ndarray        # every order the decision core sent or denied (order_dt), in order
    positions: np.ndarray     # still open at the end
    account: np.ndarray
    decision: np.ndarray      # the decision core's state (core_dt, 1 row)
    sstate: np.ndarray
    n_ticks: int
    risk_events: np.ndarray = field(          # every risk decision: denials, state changes
        default_factory=lambda: np.zeros(0, risk_event_dt))


def run_result(venue: VenueState, core: DecisionCore, n_ticks: int) -> RunResult:
    """The records of a run: views of the venue's journals, copies of the states."""
    return RunResult(names=venue.names, **venue.journals(), decision=core.state.copy(),
                     sstate=core.sstate.copy(), n_ticks=n_ticks,
                     risk_events=core.risk_events.copy())
