"""Config mistakes get one line naming the key, the value and what is allowed: never a
traceback, never a silent default (the CLI, as a user types them)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

TICKLAB = str(Path(sys.executable).parent / "ticklab")

CASES = [
    (["strategy.fast=20.5"], "strategy.fast=20.5: expected a whole number"),
    (["strategy.fast=abc"], "strategy.fast='abc': expected a whole number"),
    (["+strategy.nope=1"], "strategy.nope: not a parameter of strategies.ema_cross"),
    (["strategy.fast=300"], "ema_cross needs 1 <= fast < slow"),
    (["strategy.lots=0.015"], "strategy.lots=0.015: EURUSD trades 0.01 to 100 lots in steps "
                              "of 0.01; routing would round it down to 0.01"),
    (["account.leverage=-5"], "account.leverage=-5: expected > 0"),
    (["account.balance=0"], "account.balance=0: expected > 0"),
    (["+account.foo=1"], "account.foo: unknown key"),
    (["account.server_tz=Mars"], "account.server_tz: unknown server time zone 'Mars'"),
    (["+execution.nope=1"], "execution.nope: unknown key"),
    (["execution.commission=maybe"], "execution.commission='maybe': expected true or false"),
    (["risk.kill=3"], "risk.kill=3: expected true or false"),
    (["+risk.max_lots=1"], "risk.max_lots: unknown key (known: kill, kill_scope, max_order_lots"),
    (["risk.max_orders=2.5"], "risk.max_orders=2.5: expected a whole number >= 0"),
    (["risk.daily_loss_pct=-1"], "risk.daily_loss_pct=-1: expected a number >= 0"),
    (["risk.kill_scope=GBPUSD"], "risk.kill_scope=GBPUSD: expected all or one of the run's "
                                 "symbols (EURUSD)"),
    (["risk.daily_basis=margin"], "risk.daily_basis='margin': expected balance or equity"),
    (["risk.sessions=[25:00-26:00]"], "risk.sessions: '25:00-26:00' is not a server-time "
                                      "window HH:MM-HH:MM"),
    (["risk.max_orders=3", "risk.orders_window_s=0"], "risk.max_orders needs "
                                                       "risk.orders_window_s > 0"),
    (["risk=strict"], "risk=strict: no such risk group (options: default, off, production, prop_firm; or "
                      "conf/risk/strict.yaml)"),
    (["execution=fast"], "execution=fast: no such execution group (options: ideal, "),
    (["+targets.profit=1"], "targets.profit: unknown target (known: win_rate_pct"),
    (["targets.trades_per_day=5"], "targets.trades_per_day=5: expected [low, high], or null"),
    (["strategy_call=pointr"], "strategy_call=pointr: expected one of auto, inline, pointer"),
    (["strategy.module=no_such_pkg.x"], "strategy.module=no_such_pkg.x: no module 'no_such_pkg'"),
]


@pytest.mark.parametrize(("overrides", "message"), CASES, ids=[c[0][0] for c in CASES])
def test_config_mistake_is_one_line(tmp_path, overrides, message):
    env = dict(os.environ, TICKLAB_STORE=str(tmp_path / "runs.sqlite"), COLUMNS="80")
    out = subprocess.run([TICKLAB, "backtest", *overrides, "report=false"], cwd=tmp_path,
                         env=env, capture_output=True, text=True)
    text = (out.stdout + out.stderr).strip()
    assert out.returncode == 2, text
    assert "Traceback" not in text and len(text.splitlines()) == 1, text
    assert text.startswith("ticklab backtest: ") and message in text, text

MORE = [
    (["execution.submit_latency=5"], "execution.submit_latency=5: expected a mapping"),
    (["++strategy.symbol=3"], "strategy.symbol=3: the run has 1 symbol(s) (EURUSD)"),
    (["strategy.lots=1e9"], "strategy.lots=1000000000.0: EURUSD trades 0.01 to 100 lots in "
                            "steps of 0.01; above its maximum"),
]


@pytest.mark.parametrize(("overrides", "message"), MORE, ids=[c[0][0] for c in MORE])
def test_more_config_mistakes_are_one_line(tmp_path, overrides, message):
    test_config_mistake_is_one_line(tmp_path, overrides, message)

HST = "data.path=tests/data/real/EURUSD60.hst"
BARS = [
    (["data.ticks_from_bars=m1"], "data.ticks_from_bars=m1: expected one of open_only, ohlc, "
                                  "every_tick"),
    ([HST], "this is a bar file: set data.ticks_from_bars=open_only|ohlc|every_tick"),
    ([HST, "data.ticks_from_bars=ohlc"], "the bars carry no spread (all zero); expected a "
                                         "spread per bar"),
    ([HST, "data.ticks_from_bars=ohlc", "data.bar_spread=2.5"],
     "data.bar_spread=2.5: expected a whole number of points >= 0"),
    (["data.bar_spread=3"], "data.bar_spread=3: applies only to bars"),
    (["data.ticks_from_bars=every_tick", "data.bar_spread=3"],
     "every_tick needs the bars' tick volume"),
]


@pytest.mark.parametrize(("overrides", "message"), BARS, ids=[" ".join(c[0]) for c in BARS])
def test_bar_history_mistakes_are_one_line(tmp_path, overrides, message):
    test_config_mistake_is_one_line(tmp_path, overrides, message)
