"""The data lines of the backtest summary and the report: real or synthetic, zone, clean-ups."""

import numpy as np

from sim.data.errors import Issue
from sim.data.provenance import describe, lines
from sim.data.table import TickTable

COLS = {"ts": np.arange(3, dtype=np.int64), "bid": np.ones(3), "ask": np.ones(3) + 1e-4}


def test_real_ticks_with_nothing_to_report_are_two_short_lines():
    t = TickTable(COLS, symbol="EURUSD", source="bi5", server_tz="UTC")
    assert lines(describe([t])) == ["data EURUSD: 3 real ticks (bi5); server time zone "
                                    "assumed UTC", "import clean-ups EURUSD: none"]


def test_clean_ups_are_counted_by_reason_over_files():
    issues = (Issue("crossed", "dropped", 4, "a.csv", (7,)), Issue("crossed", "dropped", 3, "b.csv"),
              Issue("duplicate", "kept", 2, "b.csv"),
              Issue("symbol_spec", "missing: no conf/symbol/XYZ.yaml", 0, "a.csv"))
    t = TickTable(COLS, symbol="XYZ", source="mt5_ticks", server_tz="NY+7", issues=issues)
    info = describe([t])
    assert info["tables"][0]["cleanups"] == [
        {"kind": "crossed", "action": "dropped", "count": 7},
        {"kind": "duplicate", "action": "kept", "count": 2},
        {"kind": "symbol_spec", "action": "missing: no conf/symbol/XYZ.yaml", "count": 0}]
    assert lines(info)[0].endswith("server time zone assumed NY+7")
    assert lines(info)[1] == ("import clean-ups XYZ: crossed: 7 dropped; duplicate: 2 kept; "
                              "symbol_spec: missing: no conf/symbol/XYZ.yaml")


def test_synthetic_ticks_say_so_and_name_the_mt5_mode():
    t = TickTable(COLS, symbol="EURUSD", source="synthetic:every_tick from hst",
                  server_tz="UTC", synthetic="every_tick")
    assert lines(describe([t]))[0] == (
        'data EURUSD: 3 SYNTHETIC ticks generated from hst bars (every_tick, as MT5 '
        '"Every tick"), not real ticks; server time zone assumed UTC')
    assert lines(None) == []            # a run stored before the data lines existed
    assert t.between("1970-01-01").synthetic == "every_tick"   # a slice keeps the flag
