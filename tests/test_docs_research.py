"""docs/research.md cannot drift: its terminal sessions are what ``ticklab sweep``,
``ticklab optimize`` and ``ticklab walkforward`` print on the bundled sample, and its
notebook block runs."""

import contextlib
import io
import re
from pathlib import Path

import pytest

from sim.sweep_cli import main as sweep_main

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "research.md").read_text()


def block(kind: str, after: str) -> str:
    part = DOC[DOC.index(after):]
    return part.split(f"```{kind}\n", 1)[1].split("```", 1)[0]


def normal(text: str) -> list[str]:
    """Lines without trailing blanks or the wall time (the machine's, not the doc's)."""
    lines = [re.sub(r"ran in [\d.]+ s on \d+ threads?", "ran in X s on N threads", ln.rstrip())
             for ln in text.splitlines()]
    return [ln for ln in lines if ln]


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TICKLAB_STORE", "ticklab.sqlite")
    monkeypatch.setenv("COLUMNS", "100")
    (tmp_path / "data").symlink_to(ROOT / "data")
    return tmp_path


def session(heading: str, main, stamp: str = r"$^") -> list[str]:
    """Run the section's command through ``main``; (what it printed, what the doc shows),
    normalised, with run-dependent names (``stamp``) blanked."""
    command = block("bash", heading).strip()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(command.split()[2:]) == 0
    blank = re.compile(stamp)
    return [[blank.sub("T", ln) for ln in normal(text)]
            for text in (buf.getvalue(), block("text", heading))]


def test_terminal_session_is_what_ticklab_sweep_prints(in_tmp):
    printed, documented = session("## From the terminal", sweep_main)
    assert printed == documented
    assert (in_tmp / "reports" / "sweep-1.html").exists()


def test_walkforward_session_is_what_ticklab_walkforward_prints(in_tmp):
    from sim.walkforward_cli import main as wf_main

    printed, documented = session("## Walk-forward", wf_main, r"\d{8}-\d{6}")
    assert printed == documented


def test_optuna_session_is_what_ticklab_optimize_prints(in_tmp):
    pytest.importorskip("optuna")
    from sim.optimizer_cli import main as opt_main

    printed, documented = session("## Optimisation with Optuna", opt_main, r"\d{8}-\d{6}")
    assert printed == documented


def test_notebook_block_runs(in_tmp):
    code = block("python", "## From a notebook")
    scope = {}
    exec(compile(code, "docs/research.md", "exec"), scope)
    df = scope["df"]
    assert len(df) == 18 and df.attrs["sweep_id"] == 1
    assert df["net_pnl"].max() == pytest.approx(-1180.85, abs=1e-6)
