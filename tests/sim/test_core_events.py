"""The event contract as the core sees it: the account view from FILL / ACCOUNT / TIMER, the
server-day TIMER, and a TIMER(WAKE) a stage asks for."""

from dataclasses import dataclass

import numpy as np

import strategies.ema_cross as ec
from sim.batch.engine import Simulation
from sim.config import AccountConfig, ExecutionConfig, symbol_records
from sim.core.decision import DecisionCore
from sim.core.enums import Action, EventKind, Retcode, TimerKind
from sim.core.events import wake_at_nb
from sim.core.records import event_dt
from sim.core.strategy_api import register
from sim.data import load_ticks
from sim.data.symbols import load_symbol
from sim.jit_cache import kernel
from tests.conftest import SAMPLE

S = 1_000_000_000


# -- a probe strategy: asks for a WAKE 2.5 s after its first tick, buys when it comes --

@dataclass(frozen=True)
class Params:
    delay_ns: int = 2_500_000_000


params_dt = np.dtype([("delay_ns", np.int64)], align=True)
state_dt = np.dtype([("asked", np.bool_), ("wakes", np.int64), ("wake_ts", np.int64),
                     ("last_kind", np.int32)], align=True)


@kernel
def on_event_nb(sstate, params, data, e, core, intents):
    st = sstate[0]
    st["last_kind"] = e["kind"]
    if e["kind"] == EventKind.TICK and not st["asked"]:
        st["asked"] = True
        wake_at_nb(core, e["ts"] + params[0]["delay_ns"])
        return 0
    if e["kind"] == EventKind.TIMER and e["timer"] == TimerKind.WAKE:
        st["wakes"] += 1
        st["wake_ts"] = e["ts"]
        it = intents[0]
        it["action"] = Action.TARGET
        it["symbol"] = 0
        it["volume"] = 0.1
        return 1
    return 0


register(params_dt, on_event_nb)


class probe:  # the strategy "module" DecisionCore expects
    on_event_nb = on_event_nb

    @staticmethod
    def make_state():
        return np.zeros(1, dtype=state_dt)


def test_core_wake_timer_is_delivered_before_the_first_event_at_or_after_it():
    # Arrange: ticks every second; a WAKE asked for at t0 + 2.5 s
    syms = symbol_records([load_symbol("EURUSD")], AccountConfig())
    params = np.zeros(1, dtype=params_dt)
    params[0]["delay_ns"] = Params().delay_ns
    core = DecisionCore(probe, params, syms, 0, 10_000.0)
    t0 = 1_700_000_000 * S
    # Act
    outs = [core.tick(t0 + k * S, 0, 1.1, 1.1001).copy() for k in range(5)]
    # Assert: nothing until the tick at t0 + 3 s, whose call first delivers the WAKE (with
    # that tick's ts) and returns the order it caused; once only
    assert [len(o) for o in outs] == [0, 0, 0, 1, 0]
    assert outs[3][0]["signal_ts"] == t0 + 3 * S and outs[3][0]["volume"] == 0.1
    st = core.sstate[0]
    assert st["wakes"] == 1 and st["wake_ts"] == t0 + 3 * S
    assert st["last_kind"] == EventKind.TICK          # the tick itself came after the WAKE
    assert core.record["wake_ts"] == 0


def test_core_account_view_follows_the_venue_events():
    # Arrange: zero latency, so every fill report reaches the core before the data ends
    t = load_ticks(SAMPLE / "EURUSD")
    sim = Simulation([load_symbol("EURUSD")], [(t.ts, t.bid, t.ask)], ec,
                     ec.make_params(ec.Params()), ExecutionConfig(commission=True, swaps=True),
                     AccountConfig())
    # Act
    r = sim.run()
    # Assert: the core's balance is the venue's, its realized sum is the deals' own
    c, a = r.decision[0], r.account[0]
    done = r.deals[r.deals["retcode"] == Retcode.DONE]
    assert c["n_fills"] == len(done) > 1000
    assert c["balance"] == a["balance"]
    realized = done["profit"].sum() + done["commission"].sum() + done["swap"].sum()
    assert abs(c["realized"] - realized) < 1e-6
    # server-day TIMERs: the sample spans 4-5 Feb 2019; the last one at a server midnight
    assert c["day_ts"] == sim.T[4][-1]
    # ACCOUNT snapshots every equity bucket: the core saw at least one per row
    assert c["n_events"] >= len(t.ts) + len(done) + len(r.equity)


def test_core_timer_day_event_updates_the_account_view():
    syms = symbol_records([load_symbol("EURUSD")], AccountConfig())
    core = DecisionCore(ec, ec.make_params(ec.Params()), syms, 0, 10_000.0)
    ev = np.zeros(1, dtype=event_dt)
    ev[0]["ts"], ev[0]["kind"], ev[0]["timer"] = 5 * S, EventKind.TIMER, TimerKind.DAY
    ev[0]["balance"], ev[0]["equity"], ev[0]["margin"] = 9_990.0, 9_985.5, 110.0
    core.on_event(ev)
    rec = core.record
    assert (rec["balance"], rec["equity"], rec["margin"], rec["day_ts"]) == \
        (9_990.0, 9_985.5, 110.0, 5 * S)
    ev[0]["kind"], ev[0]["equity"] = EventKind.ACCOUNT, 9_970.0
    core.on_event(ev)
    assert core.record["equity"] == 9_970.0
