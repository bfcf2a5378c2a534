from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "tests" / "data" / "real"
SAMPLE = ROOT / "data" / "sample"
SHARED_TICKS = ROOT.parent / "shared" / "data" / "ticks"


@pytest.fixture
def real_dir() -> Path:
    """Real files committed with the tests (tests/data/real/README.md)."""
    return REAL


@pytest.fixture
def sample_dir() -> Path:
    """The bundled real EURUSD sample (data/sample)."""
    return SAMPLE


@pytest.fixture
def shared_ticks() -> Path:
    """The shared real-data folder beside the checkout (present on dev machines and CI)."""
    if not SHARED_TICKS.exists():
        pytest.skip("shared/data/ticks not beside the checkout")
    return SHARED_TICKS


@pytest.fixture
def in_tmp(tmp_path, monkeypatch) -> Path:
    """A fresh working folder as a reader's: ``data`` linked to the checkout's, runs stored in
    ./ticklab.sqlite, a 100-column terminal (the docs' console blocks)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TICKLAB_STORE", "ticklab.sqlite")
    monkeypatch.setenv("COLUMNS", "100")
    (tmp_path / "data").symlink_to(ROOT / "data")
    return tmp_path
