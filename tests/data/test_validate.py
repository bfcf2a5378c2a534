"""Data-quality checks and policies on small broken chunks."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.data.errors import POLICY_CHOICES, DataError
from sim.data.formats import Chunk
from sim.data.validate import validate_chunk

BASE_TS = 1_600_000_000_000_000_000


def chunk(ts, bid, ask, path="f.csv", first_line=2):
    return Chunk(path, {"ts": np.array(ts, np.int64), "bid": np.array(bid, float),
                        "ask": np.array(ask, float)}, first_line=first_line)


# kind -> a chunk with exactly one problem row at index 2 (line 4)
BROKEN = {
    "bad_price": chunk([1, 2, 3, 4], [1.1, 1.1, 0.0, 1.1], [1.2, 1.2, 1.2, 1.2]),
    "crossed": chunk([1, 2, 3, 4], [1.1, 1.1, 1.3, 1.1], [1.2, 1.2, 1.2, 1.2]),
    "backwards": chunk([1, 5, 3, 6], [1.1, 1.1, 1.1, 1.1], [1.2, 1.2, 1.2, 1.2]),
    "duplicate": chunk([1, 2, 2, 4], [1.1, 1.11, 1.11, 1.1], [1.2, 1.21, 1.21, 1.2]),
    "spike": chunk(range(1, 21), [1.5 if i == 2 else 1.1 + 1e-5 * (i % 3) for i in range(20)],
                   [1.5001 if i == 2 else 1.1001 + 1e-5 * (i % 3) for i in range(20)]),
}
CASES = [(k, a) for k, acts in POLICY_CHOICES.items() for a in acts]


@pytest.mark.parametrize(("kind", "action"), CASES)
def test_validate_each_policy_each_problem_applied(kind, action):
    c = BROKEN[kind]
    if action == "error":
        with pytest.raises(DataError) as exc:
            validate_chunk(c, {kind: "error"})
        msg = str(exc.value)
        assert "f.csv:4" in msg and "1 row(s)" in msg and f"--policy {kind}=" in msg
        return
    out, issues = validate_chunk(c, {k: ("keep" if "keep" in v else v[0])
                                     for k, v in POLICY_CHOICES.items()} | {kind: action})
    mine = [i for i in issues if i.kind == kind]
    assert len(mine) == 1 and mine[0].count == 1 and mine[0].first_lines == (4,)
    n, n0 = len(out.columns["ts"]), len(c.columns["ts"])
    if action == "drop":
        assert n == n0 - 1 and list(out.lines) == [x for x in range(2, n0 + 2) if x != 4]
    elif action == "keep":
        assert n == n0
    else:  # sort
        assert list(out.columns["ts"]) == [1, 3, 5, 6] and list(out.lines) == [2, 4, 3, 5]


def test_validate_defaults_drop_bad_error_backwards():
    out, issues = validate_chunk(BROKEN["bad_price"])
    assert len(out.columns["ts"]) == 3 and issues[0].action == "dropped"
    with pytest.raises(DataError, match="non-decreasing"):
        validate_chunk(BROKEN["backwards"])


def test_validate_real_move_not_spike():
    # a 3 % jump that stays (news, weekend gap) is not a spike
    c = chunk([1, 2, 3, 4], [1.1, 1.1, 1.133, 1.1331], [1.1001, 1.1001, 1.1331, 1.1332])
    _, issues = validate_chunk(c, {"spike": "error"})
    assert issues == []


def test_validate_nan_price_bad():
    c = chunk([1, 2], [np.nan, 1.1], [1.2, 1.2])
    with pytest.raises(DataError, match="f.csv:2: 1 row"):
        validate_chunk(c, {"bad_price": "error"})


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 300), st.integers(0, 2**31 - 1))
def test_validate_valid_random_stream_untouched(n, seed):
    rng = np.random.default_rng(seed)
    ts = BASE_TS + np.cumsum(rng.integers(1, 10**9, n))
    mid = 1.1 * np.exp(np.cumsum(rng.normal(0, 2e-5, n)))
    half = rng.uniform(0.5e-5, 3e-5, n)
    c = chunk(ts, mid - half, mid + half)
    out, issues = validate_chunk(c, {k: "error" for k in POLICY_CHOICES})
    assert out is c and issues == []
