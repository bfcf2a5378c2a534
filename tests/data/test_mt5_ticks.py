"""MT5 "Export ticks" CSV reader.

There is NO public real MT5 tick export small enough to commit (shared/data/ticks/
SOURCES.md): every fixture here is hand-written from the documented layout
(design/metatrader.md B.1), not a real export.
"""

import numpy as np
import pandas as pd
import pytest

from sim.data import mt5_ticks
from sim.data.errors import DataError
from sim.data.loader import load_ticks

HEADER = "<DATE>\t<TIME>\t<BID>\t<ASK>\t<LAST>\t<VOLUME>\t<FLAGS>"
ROWS = [
    "2022.11.10\t15:00:00.017\t0.86682\t0.86712\t\t\t6",
    "2022.11.10\t15:00:00.017\t0.86683\t\t\t\t2",   # same ms, bid only
    "2022.11.10\t15:00:00.017\t\t0.86715\t\t\t4",   # same ms, ask only
    "2022.11.10\t15:00:00.250\t0.86690\t0.86720\t\t\t6",
    "2022.11.10\t15:00:01.000\t\t0.86719\t\t\t4",
]


def write(tmp_path, rows=ROWS, name="EURUSD_202211101500_202211101600.csv", eol="\r\n",
          encoding="utf-8", header=HEADER):
    p = tmp_path / name
    p.write_bytes(eol.join([header, *rows, ""]).encode(encoding))
    return p


def ns(text):
    return pd.Timestamp(text).value


def test_read_forward_fill_flags_2_4_6_fills_missing_side(tmp_path):
    c = mt5_ticks.read(write(tmp_path))[0]
    np.testing.assert_array_equal(c.columns["bid"], [0.86682, 0.86683, 0.86683, 0.86690, 0.86690])
    np.testing.assert_array_equal(c.columns["ask"], [0.86712, 0.86712, 0.86715, 0.86720, 0.86719])
    np.testing.assert_array_equal(c.columns["flags"], [6, 2, 4, 6, 4])
    assert "last" not in c.columns and "volume" not in c.columns
    assert not (c.columns["bid"] == 0).any()


def test_read_same_millisecond_keeps_file_order(tmp_path):
    c = mt5_ticks.read(write(tmp_path))[0]
    ts = c.columns["ts"]
    assert ts[0] == ts[1] == ts[2] == ns("2022-11-10 15:00:00.017")
    assert list(c.columns["flags"][:3]) == [6, 2, 4]
    assert c.first_line == 2 and c.lines is None


@pytest.mark.parametrize("eol", ["\r\n", "\n"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_read_line_ends_and_encodings_same_result(tmp_path, eol, encoding):
    c = mt5_ticks.read(write(tmp_path, eol=eol, encoding=encoding))[0]
    ref = mt5_ticks.read(write(tmp_path, name="ref.csv"))[0]
    for k in ref.columns:
        np.testing.assert_array_equal(c.columns[k], ref.columns[k])


def test_sniff_utf16le_bom_detected(tmp_path):
    p = write(tmp_path, encoding="utf-16-le")
    p.write_bytes(b"\xff\xfe" + p.read_bytes())
    assert mt5_ticks.sniff(p, p.read_bytes()[:4096])
    assert len(mt5_ticks.read(p)[0].columns["ts"]) == 5


@pytest.mark.parametrize("date", ["2022.11.10", "2022-11-10", "2022/11/10", "10.11.2022"])
def test_read_date_formats_same_timestamp(tmp_path, date):
    rows = [r.replace("2022.11.10", date) for r in ROWS]
    c = mt5_ticks.read(write(tmp_path, rows))[0]
    assert c.columns["ts"][3] == ns("2022-11-10 15:00:00.250")


def test_read_ambiguous_us_date_raises(tmp_path):
    rows = [r.replace("2022.11.10", "11/10/2022") for r in ROWS]
    with pytest.raises(DataError, match="ambiguous"):
        mt5_ticks.read(write(tmp_path, rows))


def test_read_bad_price_raises_with_line_and_text(tmp_path):
    rows = [*ROWS[:3], "2022.11.10\t15:00:00.250\t0.866x0\t0.86720\t\t\t6"]
    with pytest.raises(DataError) as exc:
        mt5_ticks.read(write(tmp_path, rows))
    e = exc.value
    assert e.line == 5 and "0.866x0" in str(e) and "<BID>" in str(e) and e.expected


def test_read_bad_time_raises_with_line(tmp_path):
    rows = [*ROWS[:1], "2022.11.10\t25:00:00.000\t0.86682\t0.86712\t\t\t6"]
    with pytest.raises(DataError, match=r":3: cannot read time '25:00:00.000'"):
        mt5_ticks.read(write(tmp_path, rows))


def test_read_first_row_one_sided_dropped_and_counted(tmp_path):
    rows = ["2022.11.10\t15:00:00.000\t0.86680\t\t\t\t2", *ROWS]
    c = mt5_ticks.read(write(tmp_path, rows))[0]
    assert len(c.columns["ts"]) == 5 and c.first_line == 3
    (issue,) = c.issues
    assert issue.kind == "one_sided_start" and issue.count == 1 and issue.first_lines == (2,)


def test_read_blank_lines_skipped_line_numbers_kept(tmp_path):
    rows = [ROWS[0], "", ROWS[1], "2022.11.10\t15:00:00.017\tbad\t\t\t\t2"]
    c_err = pytest.raises(DataError, mt5_ticks.read, write(tmp_path, rows))
    assert c_err.value.line == 5
    c = mt5_ticks.read(write(tmp_path, rows[:3]))[0]
    assert list(c.lines) == [2, 4]


def test_read_last_volume_exchange_ticks_kept(tmp_path):
    rows = ["2022.11.10\t15:00:00.000\t100.5\t100.6\t100.55\t3\t30",
            "2022.11.10\t15:00:00.001\t\t\t100.6\t1\t24"]
    c = mt5_ticks.read(write(tmp_path, rows))[0]
    np.testing.assert_array_equal(c.columns["last"], [100.55, 100.6])
    np.testing.assert_array_equal(c.columns["volume"], [3, 1])
    np.testing.assert_array_equal(c.columns["bid"], [100.5, 100.5])


def test_read_prices_match_python_float_parsing(tmp_path):
    prices = ["1.23456", "0.00001", "123456.789", "1e-3", "99999.99999", "0.1"]
    rows = [f"2022.11.10\t15:00:00.{i:03d}\t{p}\t{p}\t\t\t6" for i, p in enumerate(prices)]
    c = mt5_ticks.read(write(tmp_path, rows))[0]
    assert list(c.columns["bid"]) == [float(p) for p in prices]


def test_load_server_tz_ny7_winter_and_us_dst(tmp_path, monkeypatch):
    monkeypatch.setenv("TICKLAB_DATA_CACHE", str(tmp_path / "cache"))
    rows = ["2022.11.10\t15:00:00.000\t1.0\t1.1\t\t\t6",    # US winter time: UTC+2
            "2023.03.15\t15:00:00.000\t1.0\t1.1\t\t\t6"]    # US DST (from 12 March): UTC+3
    t = load_ticks(write(tmp_path, rows), server_tz="NY+7")
    assert list(t.ts) == [ns("2022-11-10 13:00"), ns("2023-03-15 12:00")]
    assert t.server_tz == "NY+7" and t.source == "mt5_ticks"


def test_load_no_server_tz_means_utc(tmp_path, monkeypatch):
    monkeypatch.setenv("TICKLAB_DATA_CACHE", str(tmp_path / "cache"))
    t = load_ticks(write(tmp_path), cache=False)
    assert t.ts[0] == ns("2022-11-10 15:00:00.017") and t.server_tz == "UTC"
    assert t.symbol == "EURUSD"


def test_read_header_missing_raises(tmp_path):
    with pytest.raises(DataError, match="not an MT5 tick export header"):
        mt5_ticks.read(write(tmp_path, header="DATE,TIME,BID,ASK"))
