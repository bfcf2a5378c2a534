"""Parquet cache: hits, atomicity, fingerprints."""

import numpy as np
import pytest

from sim.data import cache
from sim.data.errors import DataError
from sim.data.loader import load_ticks

ROWS = "20120201 000003660,1.306600,1.306770,0\n20120201 000004000,1.306610,1.306780,0\n"


@pytest.fixture
def cdir(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("TICKLAB_DATA_CACHE", str(d))
    return d


def write(tmp_path, text=ROWS, name="DAT_ASCII_EURUSD_T_201202.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_load_second_time_hits_cache_equal(tmp_path, cdir, monkeypatch):
    p = write(tmp_path)
    first = load_ticks(p)
    assert (cdir / f"{first.fingerprint}.parquet").exists()
    import sim.data.histdata as hd

    monkeypatch.setattr(hd, "read", lambda *a, **k: pytest.fail("reader called on a hit"))
    second = load_ticks(p)
    assert second.fingerprint == first.fingerprint
    for k in first.columns:
        np.testing.assert_array_equal(second.columns[k], first.columns[k])
        assert second.columns[k].dtype == first.columns[k].dtype
    assert (second.symbol, second.source, second.server_tz, second.issues, second.paths) == \
        (first.symbol, first.source, first.server_tz, first.issues, first.paths)


def test_load_failing_import_leaves_no_file(tmp_path, cdir):
    p = write(tmp_path, ROWS + "20120201 000005000,oops,1.3,0\n")
    with pytest.raises(DataError):
        load_ticks(p)
    assert not cdir.exists() or list(cdir.iterdir()) == []


def test_load_policy_error_leaves_no_file(tmp_path, cdir):
    p = write(tmp_path, ROWS + "20120201 000001000,1.3066,1.3067,0\n")
    with pytest.raises(DataError, match="backwards"):
        load_ticks(p)
    assert not cdir.exists() or list(cdir.iterdir()) == []


def test_fingerprint_changes_with_content_and_options(tmp_path, cdir):
    p = write(tmp_path)
    a = load_ticks(p).fingerprint
    p.write_text(ROWS.replace("1.306610", "1.306620"))
    b = load_ticks(p).fingerprint
    c = load_ticks(p, server_tz="UTC").fingerprint
    d = load_ticks(p, policy={"duplicate": "drop"}).fingerprint
    assert len({a, b, c, d}) == 4


def test_hash_index_memoises_by_size_mtime(tmp_path, cdir, monkeypatch):
    p = write(tmp_path)
    load_ticks(p)
    h = cache.Hasher()
    assert str(p.resolve()) in h.index
    monkeypatch.setattr(cache.hashlib, "sha256",
                        lambda *a: pytest.fail("re-hashed an unchanged file"))
    h.file_hash(p)


def test_save_interrupted_leaves_no_temp(tmp_path, cdir, monkeypatch):
    p = write(tmp_path)

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(cache.pq, "write_table", boom)
    with pytest.raises(OSError):
        load_ticks(p)
    assert not cdir.exists() or list(cdir.iterdir()) == []


def test_load_no_cache_writes_nothing(tmp_path, cdir):
    load_ticks(write(tmp_path), cache=False)
    assert not cdir.exists()
