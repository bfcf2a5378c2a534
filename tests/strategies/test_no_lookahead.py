"""No lookahead, proven on real ticks: a backtest on a prefix of the bundled EURUSD sample
decides exactly what the full run decided up to the prefix's last tick.

For each bundled strategy (and its YAML defaults, plus the overrides given), the run on the
first 60 % of the ticks must send the very orders the full run sent with a decision time
(``signal_ts``) at or before the prefix's last tick, field by field (client id, action,
type, volume, price, SL/TP, expiry, ticket, the quote at the decision, the latency drawn),
and nothing else; and the venue's deals up to that tick (fills, rejections, expiries) must
be the same rows.  An order decided before the cut but still in flight there is compared as
a decision only: its fate is after the cut.

A strategy added to the bundle adds one line to ``STRATEGIES``.
"""

import numpy as np
import pytest

import sim
from sim.train import train_ticks
from tests.conftest import SAMPLE

pytestmark = pytest.mark.slow       # full runs of the real sample: minutes as plain Python

# (bundled strategy name, extra Hydra overrides) checked on the sample, realistic execution
STRATEGIES = [
    ("ema_cross", []),
    ("mean_reversion", []),
    ("mean_reversion", ["strategy.sample_s=5", "strategy.window=60", "strategy.k=2.0"]),
    ("breakout", []),
    ("breakout", ["strategy.range=03:00-10:00", "strategy.start=10:00",
                  "strategy.end=22:00"]),
    ("ml_scalper", []),     # each run trains its walk-forward model on its own ticks first
]
CUT = 0.6
# the decision: every field the core wrote (the venue's own fields, state and ticket, are
# the order's fate; the journal holds them as at submission: identical anyway)
DECISION = ("cid", "action", "type", "symbol", "volume", "price", "sl", "tp", "expiry",
            "pos_ticket", "signal_ts", "signal_price", "arrive_ts", "stoplimit", "type_time",
            "by_ticket")


@pytest.fixture(scope="module")
def ticks():
    return sim.load_ticks(SAMPLE / "EURUSD")


@pytest.mark.parametrize(("name", "overrides"), STRATEGIES,
                         ids=[f"{n}{'+' if o else ''}{len(o) or ''}" for n, o in STRATEGIES])
def test_prefix_run_decides_what_the_full_run_decided(ticks, name, overrides, tmp_path):
    # Arrange: the prefix ends at a tick of the data
    cut = int(len(ticks) * CUT)
    last = int(ticks.ts[cut - 1])
    prefix = ticks.between(end=last + 1)
    assert len(prefix) == cut
    args = [f"strategy={name}", *overrides]
    full_args, part_args = args, args
    if name == "ml_scalper":            # the walk-forward training included (docs/ml.md)
        full_args = args + train_ticks(ticks, tmp_path / "full.json", args)
        part_args = args + train_ticks(prefix, tmp_path / "part.json", args)
    # Act
    full = sim.backtest(ticks, overrides=full_args).outcome.result
    part = sim.backtest(prefix, overrides=part_args).outcome.result
    # Assert: the same decisions up to the cut, and the full run did trade on both sides of it
    early = full.orders[full.orders["signal_ts"] <= last]
    assert len(early) >= 4 and len(full.orders) > len(early)
    assert len(part.orders) == len(early)
    for f in DECISION:
        assert np.array_equal(part.orders[f], early[f]), f
    # ... and the same deals (fills, rejections, expiries) up to the cut
    deals = full.deals[full.deals["ts"] <= last]
    assert (deals["retcode"] == sim.Retcode.DONE).sum() >= 2
    assert np.array_equal(part.deals[part.deals["ts"] <= last], deals)
