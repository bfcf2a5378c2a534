"""Generic column-mapped tick CSV; real file: findatapy EURUSD bid-only ticks (SOURCES.md 5)."""

import numpy as np
import pandas as pd
import pytest

from sim.data import generic_csv
from sim.data.errors import DataError
from sim.data.loader import load_ticks

FINDATAPY = "generic_csv/EURUSD_tick_findatapy_20160614.csv"


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TICKLAB_DATA_CACHE", str(tmp_path / "cache"))


def test_read_findatapy_missing_ask_refused(shared_ticks):
    with pytest.raises(DataError) as exc:
        generic_csv.read(shared_ticks / FINDATAPY)
    msg = str(exc.value)
    assert "no ask column" in msg and "spread_points" in msg and exc.value.line == 1


def test_load_findatapy_spread_model_real_facts(shared_ticks):
    t = load_ticks(shared_ticks / FINDATAPY, spread_points=5)
    assert len(t) == 82_484 and t.symbol == "EURUSD" and t.source == "generic_csv"
    assert t.ts[0] == pd.Timestamp("2016-06-14 00:00:00.844").value
    assert t.ts[-1] == pd.Timestamp("2016-06-14 23:59:59.934").value
    assert t.bid[0] == 1.12877
    np.testing.assert_allclose(t.ask - t.bid, 5e-5, atol=1e-12)
    (issue,) = [i for i in t.issues if i.kind == "synthetic_ask"]
    assert issue.count == 82_484 and "5 points" in issue.action


def test_load_findatapy_default_policy_no_other_issues(shared_ticks):
    t = load_ticks(shared_ticks / FINDATAPY, spread_points=2, cache=False)
    assert {i.kind for i in t.issues} <= {"synthetic_ask", "duplicate"}
    assert np.all(np.diff(t.ts) >= 0)


def test_read_offset_timestamps_marked_absolute(tmp_path):
    p = tmp_path / "q.csv"
    p.write_text("time,bid,ask\n2020-01-02T10:00:00+02:00,1.1,1.2\n2020-01-02T08:00:01Z,1.1,1.2\n")
    c = generic_csv.read(p)[0]
    assert c.clock == "utc"
    assert list(c.columns["ts"]) == [pd.Timestamp("2020-01-02 08:00").value,
                                     pd.Timestamp("2020-01-02 08:00:01").value]


def test_load_naive_timestamps_take_server_tz(tmp_path):
    p = tmp_path / "q.csv"
    p.write_text("Timestamp;Bid;Ask\n2020-01-02 10:00:00.5;1.1;1.2\n")
    t = load_ticks(p, fmt="generic_csv", server_tz="UTC+2")
    assert t.ts[0] == pd.Timestamp("2020-01-02 08:00:00.5").value and t.server_tz == "UTC+02:00"


@pytest.mark.parametrize(("unit", "mult"), [("s", 1), ("ms", 1000), ("us", 10**6), ("ns", 10**9)])
def test_read_epoch_units_guessed_and_explicit(tmp_path, unit, mult):
    p = tmp_path / "e.csv"
    p.write_text(f"ts,bid,ask\n{1_600_000_000 * mult},1.1,1.2\n")
    want = pd.Timestamp(1_600_000_000, unit="s").value
    assert generic_csv.read(p)[0].columns["ts"][0] == want
    assert generic_csv.read(p, epoch=unit)[0].columns["ts"][0] == want


def test_read_column_mapping_explicit(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("when,b,a,size\n2020-01-02 10:00:00,1.1,1.2,3\n")
    c = generic_csv.read(p, columns={"ts": "when", "bid": "b", "ask": "a", "volume": "size"})[0]
    assert c.columns["volume"][0] == 3 and c.columns["ask"][0] == 1.2


def test_read_bad_timestamp_raises_with_line(tmp_path):
    p = tmp_path / "b.csv"
    p.write_text("time,bid,ask\n2020-01-02 10:00:00,1.1,1.2\nnot a time,1.1,1.2\n")
    with pytest.raises(DataError) as exc:
        generic_csv.read(p)
    assert exc.value.line == 3 and "not a time" in str(exc.value)


def test_read_spread_model_without_point_refused(tmp_path):
    p = tmp_path / "nobody.csv"
    p.write_text("time,bid\n2020-01-02 10:00:00,1.1\n")
    with pytest.raises(DataError, match="point"):
        generic_csv.read(p, spread_points=2)
    c = generic_csv.read(p, spread_points=2, point=0.001)[0]
    assert c.columns["ask"][0] == 1.102


def test_read_epoch_value_out_of_range_raises_with_line(tmp_path):
    # a seconds file with one millisecond value: scaling it as seconds would land in 2230
    p = tmp_path / "mixed.csv"
    p.write_text("ts,bid,ask\n1549238400,1.1,1.1001\n1549238401000,1.1,1.1001\n1549238402,1.1,1.1001\n")
    with pytest.raises(DataError) as exc:
        load_ticks(p, fmt="generic_csv", symbol="EURUSD", cache=False)
    msg = str(exc.value)
    assert "mixed.csv:3" in msg and "between 1990 and 2100" in msg and "epoch=" in msg
