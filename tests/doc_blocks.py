"""The code and output blocks of the docs, for the tests that keep them true."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# what the machine varies, not the doc: wall times, and whether the kernels compiled first
WALL_TIME = (
    (r"ran in [\d.]+ s on \d+ threads?", "ran in X s on N threads"),
    (r"replayed in [\d.]+ s \([\d.]+ M ticks/s\)"
     r"(; the kernels were compiled first \(once after each code change\))?",
     "replayed in X s (Y M ticks/s)"),
)


def block(doc: str, kind: str, after: str) -> str:
    """The first ```kind block after the text ``after`` in ``doc`` (a path from the root)."""
    text = (ROOT / doc).read_text()
    part = text[text.index(after):]
    return part.split(f"```{kind}\n", 1)[1].split("```", 1)[0]


def normal(text: str) -> list[str]:
    """Lines without trailing blanks, empty lines or the wall time (the machine's, not the doc's)."""
    lines = []
    for ln in text.splitlines():
        for pattern, repl in WALL_TIME:
            ln = re.sub(pattern, repl, ln)
        if ln.rstrip():
            lines.append(ln.rstrip())
    return lines
