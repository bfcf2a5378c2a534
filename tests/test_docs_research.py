"""docs/research.md cannot drift: its terminal sessions are what ``ticklab sweep``,
``ticklab optimize`` and ``ticklab walkforward`` print on the bundled sample, and its
notebook block runs."""

import contextlib
import io
import re

import pytest

from sim.sweep_cli import main as sweep_main
from tests.doc_blocks import block, normal

DOC = "docs/research.md"


def session(heading: str, main, stamp: str = r"$^") -> list[str]:
    """Run the section's command through ``main``; (what it printed, what the doc shows),
    normalised, with run-dependent names (``stamp``) blanked."""
    command = block(DOC, "bash", heading).strip()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(command.split()[2:]) == 0
    blank = re.compile(stamp)
    return [[blank.sub("T", ln) for ln in normal(text)]
            for text in (buf.getvalue(), block(DOC, "text", heading))]


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
    code = block(DOC, "python", "## From a notebook")
    scope = {}
    exec(compile(code, "docs/research.md", "exec"), scope)
    df = scope["df"]
    assert len(df) == 18 and df.attrs["sweep_id"] == 1
    assert df["net_pnl"].max() == pytest.approx(-1180.85, abs=1e-6)
