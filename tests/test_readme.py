"""The README's per-event example runs and prints what the README shows."""

import contextlib
import io
import os

from tests.doc_blocks import ROOT, block


def test_readme_decision_core_example_prints_what_the_readme_shows():
    # Arrange
    heading = "### The decision core, one event at a time"
    code, expected = block("README.md", "python", heading), block("README.md", "text", heading)
    buf = io.StringIO()
    cwd = os.getcwd()
    # Act
    try:
        os.chdir(ROOT)
        with contextlib.redirect_stdout(buf):
            exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    # Assert
    assert buf.getvalue() == expected
