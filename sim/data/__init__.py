"""Tick and bar importers: MT5/MT4 exports, MT4 .hst/.fxt, Dukascopy .bi5, HistData, CSV."""

from sim.data.bars import load_bars
from sim.data.loader import load_ticks
from sim.data.table import TickTable

__all__ = ["TickTable", "load_bars", "load_ticks"]
