"""Shadow's feed (``live.shadow.ShadowFeed``): real ticks fed in blocks of random sizes, from
one tick up, through the replay loop give exactly the backtest's orders, deals, trades and
equity, and hand out every order once, in order."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from live_session import sample
from omegaconf import OmegaConf

import sim
from live.shadow import ShadowFeed
from sim import frames
from sim.api import compose
from sim.config import ExecutionConfig, from_mapping
from sim.core_config import account_config, build_core, resolve_strategy
from sim.data.symbols import load_symbol
from sim.results import run_result
from sim.trade_analysis import EXCURSIONS
from sim.venue.sim_venue import SimVenue


@pytest.mark.parametrize("overrides", [
    ["execution=realistic", "account=default"],
    ["execution=pessimistic", "account=hedging", "risk=prop_firm"],
    # flat all day, one equity row a day: a quiet stretch runs to the next server midnight,
    # which must be known from the session's first tick on (TIMER DAY on time)
    ["strategy=mean_reversion", "strategy.k=50", "account.equity_bucket_s=86400"],
], ids=["netting-realistic", "hedging-pessimistic-prop", "flat-daily-buckets"])
def test_blocks_of_any_size_replay_as_the_backtest(overrides):
    # Arrange
    ticks = sample(40_000)
    cfg = compose(overrides)
    specs = [load_symbol("EURUSD")]
    t0 = int(ticks.ts[0])
    core = build_core(cfg, specs, t0, by_address=True)
    execution = from_mapping(ExecutionConfig, OmegaConf.to_container(cfg.execution,
                                                                     resolve=True), "execution")
    venue = SimVenue.create(specs, execution, account_config(cfg), t0, t0)
    feed = ShadowFeed(venue, core, 1, capacity=8)        # small: the buffer grows too
    sizes = np.random.default_rng(7).choice([1, 1, 1, 2, 3, 17, 64, 900], size=len(ticks))
    sizes[0] = 1                                           # a session's first batch: 1 tick
    handed = []
    # Act
    i = 0
    for size in sizes:
        for k in range(i, min(i + int(size), len(ticks))):
            feed.add(int(ticks.ts[k]), 0, float(ticks.bid[k]), float(ticks.ask[k]))
        handed.append(feed.flush())
        i += int(size)
        if i >= len(ticks):
            break
    ours = run_result(venue.state, core, len(ticks))
    theirs = sim.backtest(ticks, overrides=[*overrides, "strategy_call=pointer"])
    # Assert
    assert venue.state.account["tick_i"] == 0 and feed.n == 0      # rewound after each block
    pd.testing.assert_frame_equal(frames.orders_frame(ours), theirs.orders)
    pd.testing.assert_frame_equal(frames.fills_frame(ours), theirs.fills)
    pd.testing.assert_frame_equal(frames.trades_frame(ours),
                                  theirs.trades.drop(columns=list(EXCURSIONS)))
    pd.testing.assert_frame_equal(frames.equity_frame(ours), theirs.equity)
    assert np.array_equal(ours.decision, theirs.outcome.result.decision)   # the core's state
    handed = np.concatenate(handed)
    assert handed["cid"].tolist() == theirs.orders["cid"].tolist()      # each once, in order


def test_rewind_moves_the_venues_tick_indices_back():
    # Arrange: a venue 30 ticks into a block, its quiet band refused until tick 35
    from sim.venue.band import NO_RETRY

    t0 = 1_549_238_400_000_000_000
    cfg = compose([])
    specs = [load_symbol("EURUSD")]
    venue = SimVenue.create(specs, ExecutionConfig(), account_config(cfg), t0, t0)
    feed = ShadowFeed(venue, build_core(cfg, specs, t0), 1)
    a = venue.state.account
    for retry, expected in ((35, 5), (12, 0), (NO_RETRY, NO_RETRY)):
        a["tick_i"], a["band_retry"], feed.n = 30, retry, 30
        # Act
        feed._rewind(30)
        # Assert: the same distance ahead of the next tick (never before the buffer's start);
        # "never" stays never
        assert (a["tick_i"], a["band_retry"], feed.n) == (0, expected, 0)


def test_a_strategy_error_stops_the_shadow_session_with_its_reason(tmp_path):
    # Arrange: a strategy that raises on its 500th tick, in a shadow session
    from live_session import live_config, run_session

    from live.fake_ea import EAOptions
    from live.journal import read_journal

    module = Path(__file__).parents[1] / "fixtures" / "strategies" / "raising.py"
    chosen = f"strategy.module={module}"
    cfg = live_config(tmp_path / "s.sqlite", "mode=shadow", chosen)
    resolve_strategy(cfg, [chosen])                 # as ticklab live does (live/app.py)
    # Act
    runner, ea, why = run_session(cfg, sample(5_000), EAOptions(speed=0))
    # Assert: stopped, saying why (not a crash, not a session going on with a broken state)
    assert why.startswith("error: shadow replay of") and "raising" in why
    errors = [r for r in read_journal(tmp_path / "s.sqlite", runner.session)
              if r["kind"] == "error"]
    assert len(errors) == 1 and errors[0]["text"] == why.removeprefix("error: ")


def test_only_the_cores_own_refusals_are_journaled_as_denials():
    # shadow hands out order-journal rows as they stand when read: one the venue refused
    # meanwhile (no money, ...) is REJECTED too, but the core decided to send it
    from types import SimpleNamespace

    from live.runner import Runner, Stats
    from sim.core.enums import OrderState, Retcode
    from sim.core.records import order_dt

    rows = np.zeros(3, dtype=order_dt)
    rows["cid"] = [1, 2, 3]
    rows["state"] = [OrderState.REJECTED, OrderState.REJECTED, OrderState.FILLED]
    rows["retcode"] = [Retcode.RISK_MAX_LOTS, 0, 0]
    kinds = []
    stub = SimpleNamespace(stats=Stats(), names=["EURUSD"], journal=SimpleNamespace(
        add=lambda kind, ts, cid, **body: kinds.append((kind, cid, body["retcode"]))))
    Runner.on_orders(stub, rows)
    assert kinds == [("denial", "1", Retcode.RISK_MAX_LOTS), ("decision", "2", 0),
                     ("decision", "3", 0)]
    assert (stub.stats.denials, stub.stats.decisions) == (1, 2)
