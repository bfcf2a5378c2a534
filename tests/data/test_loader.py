"""load_ticks: auto-detection, explicit format, symbol guessing, order across files."""

import numpy as np
import pytest

from sim.data.errors import DataError
from sim.data.loader import detect_format, guess_symbol, load_ticks

MT5 = ("<DATE>\t<TIME>\t<BID>\t<ASK>\t<LAST>\t<VOLUME>\t<FLAGS>\r\n"
       "2022.11.10\t15:00:00.017\t1.1\t1.2\t\t\t6\r\n")
HIST = "20120201 000003660,1.306600,1.306770,0\n"
GENERIC = "time,bid,ask\n2020-01-02 10:00:00,1.1,1.2\n"


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TICKLAB_DATA_CACHE", str(tmp_path / "cache"))


def put(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, newline="")
    return p


@pytest.mark.parametrize(("name", "text", "fmt"), [
    ("a.csv", MT5, "mt5_ticks"), ("b.csv", HIST, "histdata_ticks"), ("c.csv", GENERIC, "generic_csv")])
def test_detect_format_text_formats_found(tmp_path, name, text, fmt):
    assert detect_format(put(tmp_path, name, text)) == fmt
    assert load_ticks(put(tmp_path, name, text)).source == fmt


def test_detect_format_unknown_raises(tmp_path):
    with pytest.raises(DataError, match="not a recognised tick file"):
        detect_format(put(tmp_path, "x.txt", "hello\nworld\n"))


def test_load_explicit_fmt_overrides_sniffing(tmp_path):
    p = put(tmp_path, "q.csv", "Time,Bid,Ask,Note\n2020-01-02 10:00:00,1.1,1.2,x\n")
    t = load_ticks(p, fmt="generic_csv")
    assert t.source == "generic_csv" and len(t) == 1
    with pytest.raises(DataError, match="MT5 tick export header"):
        load_ticks(p, fmt="mt5_ticks")


@pytest.mark.parametrize(("name", "sym"), [
    ("EURUSD_202211101500_202211101600.csv", "EURUSD"),
    ("DAT_ASCII_GBPUSD_T_201202.csv", "GBPUSD"),
    ("EURUSD_tick_findatapy_20160614.csv", "EURUSD"),
    ("XAUUSD.r_202201010000_202201020000.csv", "XAUUSD.R"),
    ("ticks.csv", None)])
def test_guess_symbol_file_names(name, sym):
    assert guess_symbol(name) == sym


def test_load_explicit_symbol_wins(tmp_path):
    t = load_ticks(put(tmp_path, "EURUSD_202211101500_202211101600.csv", MT5), symbol="gbpusd")
    assert t.symbol == "GBPUSD"


def test_load_unknown_symbol_noted(tmp_path):
    t = load_ticks(put(tmp_path, "a.csv", MT5), symbol="NOPE")
    assert any(i.kind == "symbol_spec" for i in t.issues)


def test_load_folder_of_files_concatenated(tmp_path):
    d = tmp_path / "hd"
    d.mkdir()
    put(d, "DAT_ASCII_EURUSD_T_201202.csv", HIST)
    put(d, "DAT_ASCII_EURUSD_T_201203.csv", HIST.replace("20120201", "20120301"))
    calls = []
    t = load_ticks(d, progress=lambda i, n, p: calls.append((i, n)))
    assert len(t) == 2 and np.all(np.diff(t.ts) > 0) and calls[-1] == (2, 2)
    assert t.symbol == "EURUSD" and len(t.paths) == 2


def test_load_files_out_of_order_names_both(tmp_path):
    a = put(tmp_path, "DAT_ASCII_EURUSD_T_201203.csv", HIST.replace("20120201", "20120301"))
    b = put(tmp_path, "DAT_ASCII_EURUSD_T_201202.csv", HIST)
    with pytest.raises(DataError) as exc:
        load_ticks([a, b])
    assert a.name in str(exc.value) and b.name in str(exc.value)
    t = load_ticks([a, b], policy={"backwards": "sort"})
    assert np.all(np.diff(t.ts) >= 0)


def test_load_mixed_formats_refused(tmp_path):
    with pytest.raises(DataError, match="one format per import"):
        load_ticks([put(tmp_path, "a.csv", MT5), put(tmp_path, "b.csv", HIST)])


def test_load_bi5_sample_auto(sample_dir):
    pytest.importorskip("sim.data.bi5")
    t = load_ticks(sample_dir / "EURUSD", cache=False)
    assert t.source == "bi5" and t.symbol == "EURUSD" and len(t) == 266_219
    assert t.issues == ()  # the real sample passes every check, no spikes flagged
