"""The README's per-event example runs and prints what the README shows."""

import contextlib
import io
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def section_blocks(heading: str) -> tuple[str, str]:
    text = (ROOT / "README.md").read_text()
    part = text[text.index(heading):]
    code = part.split("```python\n", 1)[1].split("```", 1)[0]
    out = part.split("```text\n", 1)[1].split("```", 1)[0]
    return code, out


def test_readme_decision_core_example_prints_what_the_readme_shows():
    # Arrange
    code, expected = section_blocks("### The decision core, one event at a time")
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
