"""Server-clock conversions: hand-worked instants either side of a DST switch, and "never"."""

import numpy as np
import pandas as pd
import pytest

from sim.data.timezones import server_to_utc, utc_to_server

NO_TS = np.iinfo(np.int64).max


def ns(text: str) -> int:
    return pd.Timestamp(text, tz="UTC").value


@pytest.mark.parametrize(("spec", "utc", "server"), [
    ("NY+7", "2024-10-01 12:00", "2024-10-01 15:00"),     # New York on EDT: UTC+3
    ("NY+7", "2024-11-04 12:00", "2024-11-04 14:00"),     # after 3 November: EST, UTC+2
    ("UTC+2", "2024-07-01 23:30", "2024-07-02 01:30"),
    ("Europe/London", "2024-07-01 12:00", "2024-07-01 13:00"),
])
def test_utc_to_server_hand_worked(spec, utc, server):
    got = utc_to_server(np.array([ns(utc)]), spec)
    assert got.tolist() == [ns(server)]
    assert server_to_utc(got, spec).tolist() == [ns(utc)]


@pytest.mark.parametrize("spec", ["NY+7", "UTC+2", "UTC", "Europe/London"])
def test_never_stays_never(spec):
    # int64 max + an offset used to wrap to a date in 1677 (or overflow in pandas)
    got = utc_to_server(np.array([ns("2024-10-01 12:00"), NO_TS]), spec)
    assert got[1] == NO_TS and 0 < got[0] < NO_TS
