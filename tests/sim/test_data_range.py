"""``data.start``/``data.end`` select a date range; a sliced ``TickTable`` goes through
``to_pandas()`` straight back into ``sim.backtest`` with the same result."""

import numpy as np
import pytest

import sim
from sim.data.table import to_utc_ns
from tests.conftest import SAMPLE


def test_tick_table_between_is_half_open_and_in_utc():
    t = sim.load_ticks(SAMPLE / "EURUSD")
    day2 = t.between("2019-02-05", "2019-02-06")
    start = to_utc_ns("2019-02-05")
    assert day2.ts[0] >= start > t.ts[np.searchsorted(t.ts, start) - 1]
    assert len(day2) + len(t.between(None, "2019-02-05")) == len(t)
    assert to_utc_ns("2019-02-05 02:00+02:00") == start
    assert day2.fingerprint != t.fingerprint and day2.ts.base is not None      # a view


def test_data_start_equals_a_sliced_table_through_pandas():
    # Arrange
    t = sim.load_ticks(SAMPLE / "EURUSD").between("2019-02-05 06:00", "2019-02-05 18:00")
    # Act
    by_config = sim.backtest(overrides=["execution=ideal", "data.start=2019-02-05 06:00",
                                        "data.end=2019-02-05 18:00"])
    by_frame = sim.backtest(t.to_pandas(), overrides=["execution=ideal"], symbol="EURUSD")
    # Assert
    assert by_config.metrics["n_trades"] > 100
    assert by_config.metrics == by_frame.metrics
    assert by_config.trades.equals(by_frame.trades)


def test_data_range_mistakes_are_one_clear_error():
    with pytest.raises(ValueError, match=r"data.start='yesterdayish': expected a date"):
        sim.backtest(overrides=["data.start=yesterdayish"])
    with pytest.raises(ValueError, match="no ticks in that range"):
        sim.backtest(overrides=["data.start=2030-01-01"])


def test_data_start_as_a_bare_date_and_with_ticks_given():
    t = sim.load_ticks(SAMPLE / "EURUSD")
    assert to_utc_ns(20190205) == to_utc_ns("2019-02-05")
    r = sim.backtest(t, overrides=["execution=ideal", "data.start=2019-02-05"])
    assert r.outcome.result.n_ticks == len(t.between("2019-02-05"))
