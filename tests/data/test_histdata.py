"""HistData.com ASCII tick reader (hand-written rows in the documented layout, B.7)."""

import numpy as np
import pandas as pd
import pytest

from sim.data import histdata
from sim.data.errors import DataError
from sim.data.loader import load_ticks

ROWS = ["20120201 000003660,1.306600,1.306770,0",
        "20120201 000004000,1.306610,1.306780,0",
        "20120201 235959999,1.306620,1.306790,0"]


def write(tmp_path, rows=ROWS, eol="\r\n", name="DAT_ASCII_EURUSD_T_201202.csv"):
    p = tmp_path / name
    p.write_text(eol.join(rows) + eol, newline="")
    return p


def test_read_rows_parsed_in_est_clock(tmp_path):
    c = histdata.read(write(tmp_path))[0]
    assert c.columns["ts"][0] == pd.Timestamp("2012-02-01 00:00:03.660").value
    assert c.columns["ts"][2] == pd.Timestamp("2012-02-01 23:59:59.999").value
    np.testing.assert_array_equal(c.columns["bid"], [1.3066, 1.30661, 1.30662])
    np.testing.assert_array_equal(c.columns["ask"], [1.30677, 1.30678, 1.30679])
    assert "volume" not in c.columns


def test_sniff_histdata_line_true_other_false(tmp_path):
    assert histdata.sniff(write(tmp_path), (ROWS[0] + "\r\n").encode())
    assert not histdata.sniff("x.csv", b"Date,EURUSD.bid\n2016-06-14 00:00:00,1.1\n")


def test_load_est_converted_to_utc_plus_5h_all_year(tmp_path, monkeypatch):
    monkeypatch.setenv("TICKLAB_DATA_CACHE", str(tmp_path / "cache"))
    summer = ["20120701 120000000,1.2,1.3,0"]
    t = load_ticks([write(tmp_path), write(tmp_path, summer, name="DAT_ASCII_EURUSD_T_201207.csv")])
    assert t.ts[0] == pd.Timestamp("2012-02-01 05:00:03.660").value
    assert t.ts[-1] == pd.Timestamp("2012-07-01 17:00").value
    assert t.server_tz == "UTC-05:00" and t.symbol == "EURUSD" and t.source == "histdata_ticks"


def test_load_server_tz_override_applies(tmp_path, monkeypatch):
    monkeypatch.setenv("TICKLAB_DATA_CACHE", str(tmp_path / "cache"))
    t = load_ticks(write(tmp_path), server_tz="UTC")
    assert t.ts[0] == pd.Timestamp("2012-02-01 00:00:03.660").value


def test_read_bad_timestamp_raises_with_line(tmp_path):
    rows = [ROWS[0], "20120201 00000366,1.306600,1.306770,0"]
    with pytest.raises(DataError) as exc:
        histdata.read(write(tmp_path, rows))
    assert exc.value.line == 2 and "00000366" in str(exc.value) and "YYYYMMDD" in str(exc.value)


def test_read_wrong_field_count_raises(tmp_path):
    with pytest.raises(DataError, match=":1: cannot read row"):
        histdata.read(write(tmp_path, ["20120201 000003660,1.3066,1.30677"]))


def test_read_lf_and_blank_lines_ok(tmp_path):
    c = histdata.read(write(tmp_path, [ROWS[0], "", ROWS[1]], eol="\n"))[0]
    assert list(c.lines) == [1, 3]
