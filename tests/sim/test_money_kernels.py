"""Money kernels on their own: the profit slope per unit of price (sim/venue/money.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.config import AccountConfig, symbol_records
from sim.core.enums import Side
from sim.data.symbols import SymbolSpec, load_symbol
from sim.venue.money import profit_account_nb, profit_ccy_nb, profit_slope_nb

SPECS = [
    load_symbol("EURUSD"),                                      # forex: contract 100 000
    load_symbol("XAUUSD"),                                      # cfdleverage: contract 100
    dataclasses.replace(load_symbol("EURUSD"), name="EURUSDX", calc_mode="forex_no_leverage"),
    SymbolSpec("US500", 1, 0.1, 10.0, "cfd", "USD", "USD", "USD", 0.1, 0.1, 100.0),
    SymbolSpec("US30", 1, 0.5, 1.0, "cfdindex", "USD", "USD", "USD", 0.1, 0.1, 100.0,
               tick_value=0.05),
    SymbolSpec("ES", 2, 0.25, 1.0, "futures", "USD", "USD", "USD", 1.0, 1.0, 100.0,
               tick_value=12.5, margin_initial=1_000.0),
]
# expected slope of 1 lot in the profit currency per 1.0 of price
PER_LOT = {"EURUSD": 100_000.0, "XAUUSD": 100.0, "EURUSDX": 100_000.0, "US500": 10.0,
           "US30": 1.0, "ES": 12.5 / 0.25}
OPEN = {"EURUSD": 1.10010, "XAUUSD": 2_000.00, "EURUSDX": 1.10010, "US500": 5_000.0,
        "US30": 40_000.0, "ES": 4_500.00}


@pytest.mark.parametrize("k", range(len(SPECS)), ids=[s.name for s in SPECS])
@pytest.mark.parametrize("volume", [1.0, 3.0, 0.2])
def test_profit_slope_is_the_profit_of_a_one_point_move(k, volume):
    # Arrange: USD-profit symbols on a USD account (profit ccy = account ccy)
    sp = SPECS[k]
    syms = symbol_records(SPECS, AccountConfig())
    sym = syms[k]
    point = sp.point
    qb = np.zeros(len(SPECS))
    qa = np.zeros(len(SPECS))
    for side in (Side.BUY, Side.SELL):
        close = OPEN[sp.name] + 37 * point
        # Act
        slope = profit_slope_nb(sym, volume)
        a = profit_ccy_nb(sym["calc_mode"], side, volume, OPEN[sp.name], close,
                          sym["price_value"], sym["profit_digits"])
        b = profit_ccy_nb(sym["calc_mode"], side, volume, OPEN[sp.name], close + point,
                          sym["price_value"], sym["profit_digits"])
        fa = profit_account_nb(sym, k, side, volume, OPEN[sp.name], close, qb, qa, 2)
        fb = profit_account_nb(sym, k, side, volume, OPEN[sp.name], close + point, qb, qa, 2)
        # Assert: contract x volume, or volume x tick_value / tick_size for futures
        assert slope == pytest.approx(PER_LOT[sp.name] * volume, rel=1e-12)
        assert b - a == pytest.approx(side * slope * point, abs=1e-9)
        assert fb - fa == pytest.approx(side * slope * point, abs=1e-9)
