"""The per-event drive: the decision core and the simulated venue called one event at a time
through their public entry points (``DecisionCore``, ``SimVenue``), in the order the batch
loop uses.  This is the live adapter's shadow mode with ticks from a list instead of a socket.
"""

from sim.batch.engine import Simulation
from sim.results import RunResult, run_result
from sim.venue.sim_venue import SimVenue


def drive(core, venue: SimVenue, ts, sym, bid, ask) -> None:
    """Feed the ticks (ts ns UTC, symbol index, bid, ask) to ``core`` and ``venue``, spelled
    out as ``SimVenue.feed_tick`` does it."""
    for i in range(len(ts)):
        t, s = int(ts[i]), int(sym[i]) if len(sym) else 0
        venue.quote(t, s, bid[i], ask[i])
        for ev in venue.events(t):
            venue.submit(core.on_event(ev), t, s)
        venue.submit(core.tick(t, s, bid[i], ask[i]), t, s)
        for ev in venue.events(t):
            venue.submit(core.on_event(ev), t, s)
        venue.end_tick(t)


def run_per_event(sim: Simulation) -> RunResult:
    """Run a prepared (not yet run) Simulation per event instead of in the njit loop."""
    ts, sym, bid, ask, roll_ts, roll_wd = sim.T
    venue = SimVenue(sim.venue, roll_ts, roll_wd)
    for i in range(len(ts)):
        venue.feed_tick(sim.core, int(ts[i]), int(sym[i]) if len(sym) else 0, bid[i], ask[i])
    return run_result(sim.venue, sim.core, len(ts))
