"""A live session in-process: ``ticklab live``'s Runner on a loopback port, the fake EA in a
thread replaying real ticks.  Shared by the live tests."""

import threading

from hydra import compose, initialize_config_dir

from live.control import Control
from live.fake_ea import EAOptions, FakeEA
from live.faults import Faults
from live.link import Link
from live.runner import Runner
from sim.config import CONF_DIR
from sim.data.loader import load_ticks

SAMPLE = CONF_DIR.parent / "data" / "sample" / "EURUSD"
_TICKS = {}


def sample(n: int | None = None):
    """The bundled EURUSD ticks (the first ``n``)."""
    if "all" not in _TICKS:
        _TICKS["all"] = load_ticks(SAMPLE, symbol="EURUSD")
    t = _TICKS["all"]
    return t if n is None else t.between(None, int(t.ts[n]))


def live_config(store, *overrides):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("live", overrides=[f"store={store}", "live.exit_on_bye=true",
                                          "live.bind=tcp://127.0.0.1:0",
                                          "live.control=tcp://127.0.0.1:0",
                                          # a loaded CI machine can starve a thread for
                                          # seconds: silence is tested on its own
                                          "live.ea_timeout_beats=10",
                                          # the fake EA answers at once: a lost answer is
                                          # asked again soon, within a short session
                                          "live.snapshot_retry_ms=1000", *overrides])


def run_session(cfg, table, opts: EAOptions | None = None, faults: str = "",
                seconds: float = 300, during=None, make_ea=None):
    """Run a session to the fake EA's bye; ``during(runner, ea)`` runs in the EA's thread
    before it starts; ``make_ea(endpoint)``, if given, builds the EA (``table``, ``opts``
    and ``faults`` unused).  Returns (runner, ea, why)."""
    link = Link(str(cfg.live.bind))
    control = Control(str(cfg.live.control))
    runner = Runner(cfg, link, control=control)
    ea = make_ea(link.endpoint) if make_ea else \
        FakeEA(link.endpoint, [table], opts or EAOptions(speed=0), Faults.parse(faults))
    errors = []

    def ea_thread():
        try:
            if during:
                during(runner, ea)
            ea.run()
        except Exception as exc:          # surfaced by the test, not lost in the thread
            errors.append(exc)

    th = threading.Thread(target=ea_thread, daemon=True)
    th.start()
    try:
        why = runner.run(seconds)
        runner.wind_down()
    finally:
        th.join(timeout=30)
        link.close()
        control.close()
    assert not errors or why.startswith("error"), errors   # a refused EA times out: fine
    return runner, ea, why


SERVER_DAY_2 = 1_549_317_600_000_000_000     # 2019-02-04 22:00 UTC: the sample's second
                                             # server day (NY+7) starts


def two_sessions(tmp_path, *overrides, n: int = 2_000, lost: float = 0.0,
                 next_day: bool = False, balance: float = 10_000.0, second=(), between=None,
                 second_ea=None):
    """A demo session on the sample's first ``n`` ticks, then a second one (a restart) on
    the same broker account and store, from tick ``n`` (or from the next server day), after
    ``lost`` left the account meanwhile and ``between(broker)`` ran (what happened at the
    broker while ticklab was down); ``second``: more overrides for the second one, and
    ``second_ea`` its EA's class (a ``FakeEA``).
    Returns (store, first runner, second runner)."""
    from live.fake_ea import EAOptions, FakeEA

    store = tmp_path / "s.sqlite"
    ticks = sample()
    lo = n if not next_day else int((ticks.ts < SERVER_DAY_2).sum()) + 10
    opts = EAOptions(speed=0, mode="demo", linger_s=2.0, balance=balance)

    def ea_on(endpoint, a, b, broker=None, cls=FakeEA):
        ea = cls(endpoint, [ticks], opts)
        for name in ("ts", "sym", "bid", "ask", "server_ms"):
            setattr(ea, name, getattr(ea, name)[a:b])
        if broker is not None:
            ea.broker = broker
        return ea

    first, ea1, why = run_session(live_config(store, "mode=demo", *overrides), None,
                                  make_ea=lambda ep: ea_on(ep, 0, n))
    assert why == "bye"
    acct = ea1.broker.venue.state.account
    acct["balance"] -= lost
    acct["equity"] -= lost
    if between is not None:
        between(ea1.broker)
    later, _, why = run_session(live_config(store, "mode=demo", *overrides, *second), None,
                                make_ea=lambda ep: ea_on(ep, lo, lo + n, ea1.broker,
                                                         second_ea or FakeEA))
    assert why == "bye"
    return store, first, later
