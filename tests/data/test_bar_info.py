"""``ticklab data info`` on bar files describes the bars; tick commands refuse them clearly."""

import json

import pytest

from sim.data.cli import main
from sim.data.errors import DataError
from sim.data.loader import load_ticks


def test_info_on_a_real_hst_describes_its_bars(real_dir, capsys):
    assert main(["info", str(real_dir / "EURUSD60.hst"), "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    # the file's header: EURUSD, period 60, 4,164 v401 records, spread column all zero
    assert (s["kind"], s["format"], s["symbol"], s["timeframe"]) == ("bars", "hst", "EURUSD",
                                                                    "H1")
    assert s["timeframe_from"] == "the file" and s["bars"] == 4164
    assert s["first_utc"] == "2024-12-17T02:00:00+00:00"
    assert s["last_utc"] == "2025-08-19T13:00:00+00:00"
    assert s["spread_points"] is None and s["tick_volume"] == 28_472_248
    # weekends: Friday 23:00 to Monday 00:00 (49 h) on the file's clock
    assert s["gaps"]["count"] > 30 and s["gaps"]["largest"][0]["minutes"] >= 2880


def test_info_on_a_bar_csv_infers_the_timeframe_and_shows_the_backtest_line(real_dir, capsys):
    assert main(["info", str(real_dir / "EURUSD60_2020.csv"), "--server-tz", "NY+7"]) == 0
    out = capsys.readouterr().out
    assert "bars: EURUSD H1 (bars_csv)" in out and "H1 (from the bar spacing)" in out
    assert "NY+7" in out and "data.ticks_from_bars=" in out and "data.bar_spread=N" in out


def test_info_on_dukascopy_candles(sample_dir, capsys):
    f = sample_dir / "EURUSD" / "2019" / "01" / "04" / "BID_candles_min_1.bi5"
    assert main(["info", str(f), "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert (s["format"], s["timeframe"], s["bars"], s["tick_volume"]) == ("bi5_candles", "M1",
                                                                          1440, 0)
    assert s["first_utc"] == "2019-02-04T00:00:00+00:00" and s["gaps"]["count"] == 0


def test_tick_import_of_a_bar_file_names_the_setting(real_dir, capsys):
    assert main(["import", str(real_dir / "EURUSD30.hst"), "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert "this is a bar file: set data.ticks_from_bars=open_only|ohlc|every_tick" in err
    with pytest.raises(DataError, match="this is a bar file"):
        load_ticks(real_dir / "EURUSD60_2020.csv", cache=False)


def test_unrecognised_file_names_the_cli_flag(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("hello\nworld\n")
    with pytest.raises(DataError, match="not a recognised tick file") as e:
        load_ticks(f, cache=False)
    assert "--format F" in str(e.value) and "data.format=F" in str(e.value)
