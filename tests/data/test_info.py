"""summarise(): span, gaps, spread, tick rate."""

import numpy as np
import pandas as pd
import pytest

from sim.data.info import infer_digits, summarise
from sim.data.loader import load_ticks
from sim.data.table import TickTable


def table(symbol=None):
    ts = pd.to_datetime(["2020-01-02 10:00:00", "2020-01-02 10:00:30", "2020-01-02 10:01:00",
                         "2020-01-02 12:00:00"]).as_unit("ns").asi8
    bid = np.array([1.10000, 1.10001, 1.10002, 1.10003])
    return TickTable({"ts": ts, "bid": bid, "ask": bid + np.array([1, 2, 2, 3]) * 1e-5},
                     symbol=symbol, source="test")


def test_summarise_gaps_spread_rate_counted():
    s = summarise(table("EURUSD"), gap_minutes=30)
    assert s["rows"] == 4 and s["first_utc"].startswith("2020-01-02T10:00:00")
    assert s["hours_with_ticks"] == 2 and s["hours_spanned"] == 3
    assert s["gaps"]["count"] == 1 and s["gaps"]["largest"][0]["minutes"] == 119.0
    sp = s["spread_points"]
    assert (sp["min"], sp["median"], sp["max"]) == (1.0, 2.0, 3.0)
    assert "symbol spec" in sp["point_from"]
    assert s["tick_rate"]["per_active_minute_max"] == 2 and s["tick_rate"]["active_minutes"] == 3


def test_summarise_unknown_symbol_point_inferred():
    s = summarise(table(None))
    assert "inferred" in s["spread_points"]["point_from"] and s["spread_points"]["point"] == 1e-5


def test_infer_digits_prices():
    assert infer_digits(np.array([1.1, 1.12345])) == 5
    assert infer_digits(np.array([150.123, 150.1])) == 3


def test_summarise_real_sample(sample_dir, tmp_path, monkeypatch):
    pytest.importorskip("sim.data.bi5")
    monkeypatch.setenv("TICKLAB_DATA_CACHE", str(tmp_path))
    s = summarise(load_ticks(sample_dir / "EURUSD"))
    assert s["rows"] == 266_219 and s["hours_with_ticks"] == 48 and s["gaps"]["count"] == 0
    assert 0 < s["spread_points"]["min"] <= s["spread_points"]["median"] < 20
