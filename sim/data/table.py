"""The normalised tick table every importer returns."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from sim.data.errors import Issue

REQUIRED = ("ts", "bid", "ask")
OPTIONAL = ("bid_volume", "ask_volume", "last", "volume", "flags")
DTYPES = {"ts": np.int64, "bid": np.float64, "ask": np.float64, "bid_volume": np.float64,
          "ask_volume": np.float64, "last": np.float64, "volume": np.float64, "flags": np.int32}


@dataclass(frozen=True)
class TickTable:
    """Columnar ticks: ``ts`` int64 ns UTC, ``bid``/``ask`` float64, optional extras.

    Attributes:
        columns: column name -> 1-D numpy array, all of one length.
        symbol: symbol name (e.g. ``EURUSD``) or None when unknown.
        source: the format it was read from (``bi5``, ``mt5_ticks``, ...).
        server_tz: the time zone the source's clock was taken to be in.
        fingerprint: sha256 of the source bytes and import options (names the data in results).
        issues: data-quality problems that a policy handled.
        paths: the files read.
        synthetic: None for real ticks; the generation mode (``open_only``, ``ohlc``,
            ``every_tick``) for ticks generated from bars (``sim.data.synthetic``).
    """

    columns: dict[str, np.ndarray]
    symbol: str | None = None
    source: str = ""
    server_tz: str = "UTC"
    fingerprint: str = ""
    issues: tuple[Issue, ...] = ()
    paths: tuple[str, ...] = field(default_factory=tuple)
    synthetic: str | None = None

    def __post_init__(self):
        missing = [c for c in REQUIRED if c not in self.columns]
        if missing:
            raise ValueError(f"tick table lacks column(s) {missing}")
        n = len(self.columns["ts"])
        for name, arr in self.columns.items():
            if name not in DTYPES:
                raise ValueError(f"unknown tick column {name!r}; allowed: {', '.join(DTYPES)}")
            if len(arr) != n:
                raise ValueError(f"column {name!r} has {len(arr)} rows, ts has {n}")

    @property
    def ts(self) -> np.ndarray:
        return self.columns["ts"]

    @property
    def bid(self) -> np.ndarray:
        return self.columns["bid"]

    @property
    def ask(self) -> np.ndarray:
        return self.columns["ask"]

    def __len__(self) -> int:
        return len(self.columns["ts"])

    def __repr__(self) -> str:
        span = ""
        if len(self):
            a, b = pd.Timestamp(int(self.ts[0]), tz="UTC"), pd.Timestamp(int(self.ts[-1]), tz="UTC")
            span = f", {a} .. {b}"
        return f"TickTable({self.symbol or '?'}, {len(self):,} ticks{span}, source={self.source})"

    def between(self, start=None, end=None) -> TickTable:
        """The ticks with ``start <= ts < end`` (views, not copies).

        ``start``/``end``: None (open), int ns UTC, or anything ``pandas.Timestamp`` reads
        (``"2019-02-04"``, ``"2019-02-04 12:30"``, a datetime); a time without a zone is UTC.
        """
        lo = 0 if start is None else int(np.searchsorted(self.ts, to_utc_ns(start, "start")))
        hi = len(self) if end is None else int(np.searchsorted(self.ts, to_utc_ns(end, "end")))
        cols = {k: v[lo:hi] for k, v in self.columns.items()}
        tag = f"[{'' if start is None else to_utc_ns(start, 'start')}:" \
              f"{'' if end is None else to_utc_ns(end, 'end')}]"
        return replace(self, columns=cols, fingerprint=self.fingerprint + tag)

    def to_pandas(self) -> pd.DataFrame:
        """Return the ticks as a DataFrame with a UTC ``DatetimeIndex`` named ``time``."""
        df = pd.DataFrame({k: v for k, v in self.columns.items() if k != "ts"})
        df.index = pd.DatetimeIndex(pd.to_datetime(self.ts, unit="ns", utc=True), name="time")
        return df


def to_utc_ns(value, what: str = "time") -> int:
    """An instant as int64 ns UTC: an int (ns), or anything ``pandas.Timestamp`` reads
    (a time without a zone is UTC); a clear ``ValueError`` otherwise."""
    if isinstance(value, int | np.integer) and abs(int(value)) >= 10**16:
        return int(value)                   # ns since the epoch (after 1970-04)
    if isinstance(value, int | np.integer):
        value = str(int(value))             # 20190205, as YAML or Hydra read a bare date
    try:
        t = pd.Timestamp(value)
    except (ValueError, TypeError):
        t = pd.NaT
    if t is pd.NaT:
        raise ValueError(f"data.{what}={value!r}: expected a date or time like 2019-02-04 or "
                         f"'2019-02-04 12:30' (UTC unless a zone is given)")
    return int((t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")).value)
