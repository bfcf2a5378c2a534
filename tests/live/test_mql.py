"""mql/: the EA sources pass ``mql/lint``, the lint catches every fault it claims to
catch (naming file and line), and Protocol.mqh mirrors live/protocol.py.

Nothing on Linux compiles MQL: this is the CI gate for the EA sources (mql/README.md).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from live import protocol as P

ROOT = Path(__file__).resolve().parents[2]
MQL = ROOT / "mql"
LINT = MQL / "lint"
DEFINE = re.compile(r'^\s*#define\s+(TL_\w+)\s+("[^"]*"|-?\d+)', re.M)


def run_lint(*args: object, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(LINT), *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env=env)


def line_no(path: Path, needle: str) -> int:
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return no
    raise AssertionError(f"{needle!r} not in {path}")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A scratch copy of mql/ to seed faults into."""
    return Path(shutil.copytree(MQL, tmp_path / "mql"))


def test_the_sources_pass_the_lint():
    r = run_lint()
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("mql/lint: OK"), r.stdout
    assert f"({4 + len(P.KINDS) + len(P.ACK_REASONS)} constants)" in r.stdout


def test_the_lint_is_an_executable_stdlib_script_with_help():
    assert os.access(LINT, os.X_OK)
    assert LINT.read_text(encoding="utf-8").startswith("#!/usr/bin/env python3\n")
    r = subprocess.run([str(LINT), "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    for word in ("UTF-8", "#property strict", "ZMQ_DONTWAIT", "Sleep", "live/protocol.py"):
        assert word in r.stdout


# -- seeded faults: each one fails the lint with file:line ------------------------------

def seed_unbalanced(tree: Path) -> tuple[Path, int, str]:
    f = tree / "Include" / "Ticklab" / "Guards.mqh"
    text = f.read_text(encoding="utf-8")
    f.write_text(text + "void TlBroken()\n  {\n   int x=1;\n", encoding="utf-8")
    return f, len(text.splitlines()) + 2, "never closed"


def seed_no_strict(tree: Path) -> tuple[Path, int, str]:
    f = tree / "Experts" / "TicklabEA.mq4"
    f.write_text(f.read_text(encoding="utf-8").replace("#property strict\n", ""), encoding="utf-8")
    return f, 1, "#property strict"


def seed_blocking_recv(tree: Path) -> tuple[Path, int, str]:
    f = tree / "Include" / "Ticklab" / "Link.mqh"
    text = f.read_text(encoding="utf-8")
    assert "m_sock.recv(msg,TL_DONTWAIT)" in text
    f.write_text(text.replace("m_sock.recv(msg,TL_DONTWAIT)", "m_sock.recv(msg)"), encoding="utf-8")
    return f, line_no(f, "m_sock.recv(msg)"), "blocking recv"


def seed_sleep_in_ontimer(tree: Path) -> tuple[Path, int, str]:
    f = tree / "Experts" / "TicklabEA.mq5"
    lines = f.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("void OnTimer()"))
    assert lines[at + 1].strip() == "{"
    lines.insert(at + 2, "   Sleep(10);\n")
    f.write_text("".join(lines), encoding="utf-8")
    return f, at + 3, "inside OnTimer"


def seed_wrong_constant(tree: Path) -> tuple[Path, int, str]:
    f = tree / "Include" / "Ticklab" / "Protocol.mqh"
    text = f.read_text(encoding="utf-8")
    old = f"TL_MAX_FRAME_BYTES       {P.MAX_FRAME_BYTES}"
    assert old in text
    f.write_text(text.replace(old, f"TL_MAX_FRAME_BYTES       {P.MAX_FRAME_BYTES - 1}"),
                 encoding="utf-8")
    return f, line_no(f, "TL_MAX_FRAME_BYTES"), "live/protocol.py says 65536"


def seed_missing_kind(tree: Path) -> tuple[Path, int, str]:
    f = tree / "Include" / "Ticklab" / "Protocol.mqh"
    lines = [x for x in f.read_text(encoding="utf-8").splitlines(keepends=True)
             if "TL_KIND_TICK " not in x]
    f.write_text("".join(lines), encoding="utf-8")
    return f, len(lines), "TL_KIND_TICK missing"


def seed_utf16(tree: Path) -> tuple[Path, int, str]:
    f = tree / "Include" / "Ticklab" / "Json.mqh"
    f.write_bytes(f.read_text(encoding="utf-8").encode("utf-16"))
    return f, 1, "UTF-16"


@pytest.mark.parametrize("seed", [seed_unbalanced, seed_no_strict, seed_blocking_recv,
                                  seed_sleep_in_ontimer, seed_wrong_constant,
                                  seed_missing_kind, seed_utf16])
def test_the_lint_catches_a_seeded_fault(tree: Path, seed):
    path, line, words = seed(tree)
    r = run_lint(tree)
    assert r.returncode != 0, r.stdout
    hits = [x for x in r.stdout.splitlines() if f"{path.name}:{line}:" in x]
    assert hits, f"expected {path.name}:{line}: in\n{r.stdout}"
    assert any(words in x for x in hits), r.stdout


def test_the_lint_says_so_when_live_protocol_cannot_be_imported(tmp_path: Path):
    r = run_lint("--repo", tmp_path)
    assert r.returncode != 0
    assert "Protocol.mqh:1: cannot compare with live/protocol.py" in r.stdout
    assert "import live.protocol" in r.stdout


# -- Protocol.mqh and git attributes --------------------------------------------------

def test_protocol_mqh_mirrors_every_kind_and_ack_reason():
    text = (MQL / "Include" / "Ticklab" / "Protocol.mqh").read_text(encoding="utf-8")
    defs = {name: (value.strip('"') if value.startswith('"') else int(value))
            for name, value in DEFINE.findall(text)}
    for kind in P.KINDS:
        assert defs.get(f"TL_KIND_{kind.upper()}") == kind, kind
    for reason in P.ACK_REASONS:
        assert defs.get(f"TL_ACK_{reason}") == reason, reason
    assert defs["TL_PROTOCOL_VERSION"] == P.VERSION
    assert defs["TL_MAX_FRAME_BYTES"] == P.MAX_FRAME_BYTES
    assert defs["TL_MAX_SNAPSHOT_ROWS"] == P.MAX_SNAPSHOT_ROWS
    assert defs["TL_MAX_SYMBOLS"] == P.MAX_SYMBOLS


SCHEMA = re.compile(r'^\s*#define\s+TL_SCHEMA_(\w+)\s+"([^"]*)"', re.M)
ENVELOPE = {"v", "seq", "sent_ms"}


def test_the_ea_schemas_match_what_ticklab_sends():
    """Commands.mqh checks each ticklab -> EA message as strictly as live/protocol.py:
    the same fields (no more: an unknown field is refused), the same ones required."""
    text = (MQL / "Include" / "Ticklab" / "Commands.mqh").read_text(encoding="utf-8")
    schemas = dict(SCHEMA.findall(text))
    for msg in P.TICKLAB_TO_EA:
        tag = msg.__struct_config__.tag
        assert tag.upper() in schemas, f"no TL_SCHEMA_{tag.upper()} for {tag}"
        items = [x.split(":") for x in schemas[tag.upper()].split(",") if x]
        got = {name: kind.endswith("!") for name, kind in items}
        want = {f.name: f.required for f in msgspec.structs.fields(msg)
                if f.name not in ENVELOPE}
        assert got == want, tag
    assert "deals_from_msc:ms" in schemas["SNAPSHOT_REQ"]


def test_every_platform_function_is_defined_on_both_platforms():
    """Nothing compiles MQL here: at least each TlPlat* that Ea.mqh declares must be
    defined in Mt4.mqh and in Mt5.mqh."""
    inc = MQL / "Include" / "Ticklab"
    declared = re.findall(r"^\w+\s+(TlPlat\w+)\(.*\);", (inc / "Ea.mqh").read_text(
        encoding="utf-8"), re.M)
    assert "TlPlatResendDeals" in declared
    for plat in ("Mt4.mqh", "Mt5.mqh"):
        text = (inc / plat).read_text(encoding="utf-8")
        for name in declared:
            assert re.search(rf"^\w+\s+{name}\s*\([^;{{]*\)\s*\{{", text, re.M), \
                f"{plat}: {name} not defined"


def test_mt5_names_positions_by_their_identifier():
    text = (MQL / "Include" / "Ticklab" / "Mt5.mqh").read_text(encoding="utf-8")
    assert "TlPositionRow(PositionGetInteger(POSITION_IDENTIFIER)" in text
    assert "PositionSelectByTicket((ulong)c." not in text      # commands carry identifiers
    assert "reason>31 ? 31" in text and "reason>7" not in text


def test_mql_sources_are_lf_text_for_git():
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    files = ["mql/Experts/TicklabEA.mq4", "mql/Experts/TicklabEA.mq5",
             "mql/Include/Ticklab/Ea.mqh"]
    r = subprocess.run(["git", "check-attr", "text", "eol", "diff", "--", *files], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    for f in files:
        assert f"{f}: text: set" in r.stdout
        assert f"{f}: eol: lf" in r.stdout
        assert f"{f}: diff: cpp" in r.stdout
