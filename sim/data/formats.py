"""The importer contract and the registry of formats.

A *tick* format module defines:

- ``FORMAT``: its name (used by ``fmt=`` overrides and in ``TickTable.source``);
- ``NATIVE_TZ``: ``"UTC"``, a fixed offset such as ``"UTC-05:00"`` (HistData), or
  ``"server"`` when the clock is the broker's and the caller's ``server_tz`` applies;
- ``sniff(path, head) -> bool``: True when the file (``head`` = its first 4 KiB) is
  this format; must be cheap and must not raise;
- ``read(path, spec, **opts) -> list[Chunk]``: parse one file (a bi5 *tree* reader
  may take a folder), raising ``DataError`` for what cannot be read.

A *bar* format module defines ``FORMAT``, ``NATIVE_TZ``, ``sniff`` and
``read_bars(path, spec, **opts) -> pandas.DataFrame`` with the columns of
``sim.data.bars.BAR_COLUMNS`` (``ts`` still in the native clock, int64 ns).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

import numpy as np

# name -> module path; order = auto-detection order (most specific first)
TICK_FORMATS: dict[str, str] = {
    "bi5": "sim.data.bi5",
    "fxt": "sim.data.fxt",
    "mt5_ticks": "sim.data.mt5_ticks",
    "histdata_ticks": "sim.data.histdata",
    "generic_csv": "sim.data.generic_csv",
}
BAR_FORMATS: dict[str, str] = {
    "hst": "sim.data.hst",
    "bi5_candles": "sim.data.bi5_candles",
    "mt5_bars": "sim.data.bars_csv",
    "mt4_csv": "sim.data.bars_csv",
    "bars_csv": "sim.data.bars_csv",
}


@dataclass
class Chunk:
    """Rows read from one file, before validation and time-zone conversion.

    Attributes:
        path: the file the rows came from.
        columns: tick columns (``ts`` int64 ns in the format's native clock, ``bid``,
            ``ask`` float64, optional extras named as in ``sim.data.table.DTYPES``).
        first_line: line (or record) number of row 0, for messages.
        lines: per-row line numbers when rows are not contiguous lines (blank lines
            skipped...), else None (row i is ``first_line + i``).
    """

    path: str
    columns: dict[str, np.ndarray]
    first_line: int = 1
    lines: np.ndarray | None = None

    def line_of(self, row: int) -> int:
        return int(self.lines[row]) if self.lines is not None else self.first_line + int(row)


def format_module(name: str) -> ModuleType:
    table = TICK_FORMATS | BAR_FORMATS
    if name not in table:
        raise ValueError(f"unknown format {name!r}; tick formats: {', '.join(TICK_FORMATS)}; "
                         f"bar formats: {', '.join(BAR_FORMATS)}")
    return importlib.import_module(table[name])
