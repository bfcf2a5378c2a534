"""`ticklab data import|info` through sim.cli.main."""

import json

import pytest

from sim.cli import main

HIST = "20120201 000003660,1.306600,1.306770,0\n20120201 000004000,1.306610,1.306780,0\n"


@pytest.fixture
def hist(tmp_path, monkeypatch):
    monkeypatch.setenv("TICKLAB_DATA_CACHE", str(tmp_path / "cache"))
    p = tmp_path / "DAT_ASCII_EURUSD_T_201202.csv"
    p.write_text(HIST)
    return p


def test_cli_info_table_printed(hist, capsys):
    assert main(["data", "info", str(hist)]) == 0
    out = capsys.readouterr().out
    assert "EURUSD" in out and "rows" in out and "UTC-05:00" in out and "spread" in out


def test_cli_info_json_same_content(hist, capsys):
    assert main(["data", "info", str(hist), "--json", "--gap-minutes", "5"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["rows"] == 2 and s["symbol"] == "EURUSD" and s["server_tz"] == "UTC-05:00"
    assert s["first_utc"] == "2012-02-01T05:00:03.660000+00:00"
    assert s["gaps"]["longer_than_minutes"] == 5 and s["cache_file"].endswith(".parquet")


def test_cli_import_prints_cache_file(hist, tmp_path, capsys):
    assert main(["data", "import", str(hist), "--policy", "duplicate=drop"]) == 0
    out = capsys.readouterr().out
    assert "cached:" in out and list((tmp_path / "cache").glob("*.parquet"))


def test_cli_import_no_cache(hist, tmp_path, capsys):
    assert main(["data", "import", str(hist), "--no-cache"]) == 0
    assert "not cached" in capsys.readouterr().out
    assert not (tmp_path / "cache").exists()


def test_cli_data_error_red_message_exit_2(hist, capsys):
    hist.write_text(HIST + "garbage\n")
    assert main(["data", "info", str(hist)]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and ":3:" in err and "Traceback" not in err


def test_cli_bad_policy_exit_2(hist, capsys):
    assert main(["data", "info", str(hist), "--policy", "crossed=explode"]) == 2
    assert "crossed" in capsys.readouterr().err


def test_cli_generic_spread_points(shared_ticks, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TICKLAB_DATA_CACHE", str(tmp_path / "cache"))
    f = str(shared_ticks / "generic_csv/EURUSD_tick_findatapy_20160614.csv")
    assert main(["data", "info", f, "--json"]) == 2
    assert "no ask column" in capsys.readouterr().err
    assert main(["data", "info", f, "--json", "--spread-points", "4"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["rows"] == 82_484 and s["spread_points"]["median"] == 4.0
