"""Errors and data-quality policies shared by every importer.

Every problem found in an input file is reported with the file, the line (or
record) number, what was expected and what to do.  A problem either raises a
``DataError`` or is handled by a configurable policy and recorded as an
``Issue`` in the loaded table, so nothing is dropped or repaired silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# problem kind -> allowed actions; the first is the default (the safe one)
POLICY_CHOICES: dict[str, tuple[str, ...]] = {
    "bad_price": ("drop", "error"),          # NaN, zero or negative bid/ask
    "crossed": ("drop", "error", "keep"),    # bid > ask
    "backwards": ("error", "sort", "drop"),  # timestamp earlier than the previous row
    "duplicate": ("keep", "drop", "error"),  # same ts, bid and ask as the previous row
    "spike": ("keep", "drop", "error"),      # jump of more than spike_sigma robust deviations
}
DEFAULT_POLICY: dict[str, str] = {k: v[0] for k, v in POLICY_CHOICES.items()}


class DataError(ValueError):
    """An input file that cannot be imported as it is.

    Attributes:
        path: the file.
        line: 1-based line (text formats) or record number (binary formats), or None.
        problem: what is wrong.
        expected: what the importer expected instead.
        fix: what the user can do.
    """

    def __init__(self, path: str | Path, line: int | None, problem: str,
                 expected: str = "", fix: str = ""):
        self.path = str(path)
        self.line = line
        self.problem = problem
        self.expected = expected
        self.fix = fix
        where = f"{self.path}:{line}" if line is not None else self.path
        msg = f"{where}: {problem}"
        if expected:
            msg += f"; expected {expected}"
        if fix:
            msg += f". Fix: {fix}"
        super().__init__(msg)


@dataclass(frozen=True)
class Issue:
    """A data-quality problem that a policy handled (dropped, kept, repaired)."""

    kind: str
    action: str
    count: int
    path: str
    first_lines: tuple[int, ...] = field(default_factory=tuple)

    def describe(self) -> str:
        lines = ", ".join(str(x) for x in self.first_lines)
        more = f" (first at line/record {lines})" if lines else ""
        return f"{self.kind}: {self.count} row(s) {self.action}{more} in {self.path}"


def resolve_policy(overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Merge user overrides into the default policy, refusing unknown kinds or actions."""
    policy = dict(DEFAULT_POLICY)
    for kind, action in (overrides or {}).items():
        if kind not in POLICY_CHOICES:
            raise ValueError(f"unknown data-quality problem {kind!r}; known: "
                             f"{', '.join(POLICY_CHOICES)}")
        if action not in POLICY_CHOICES[kind]:
            raise ValueError(f"policy for {kind!r} must be one of "
                             f"{', '.join(POLICY_CHOICES[kind])}, got {action!r}")
        policy[kind] = action
    return policy
