"""docs/strategies.md, executed: every ``$ command`` of its console blocks and every python
block runs in order in a fresh folder, as a reader would run them."""

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def blocks():
    text = (ROOT / "docs" / "strategies.md").read_text()
    return re.findall(r"```(console|python)(?: file=(\S+))?\n(.*?)```", text, flags=re.S)


@pytest.mark.slow
def test_docs_strategies_tutorial_runs(tmp_path, monkeypatch):
    env = dict(os.environ, TICKLAB_STORE=str(tmp_path / "runs.sqlite"))
    env.pop("NUMBA_DISABLE_JIT", None)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    ran = []
    for kind, file, body in blocks():
        if file:                            # a file the reader writes: written as shown
            Path(file).write_text(body)
            continue
        if kind == "console":
            for line in body.splitlines():
                if not line.startswith("$ "):
                    continue
                argv = shlex.split(line[2:])
                argv[0] = sys.executable if argv[0] == "python" else str(BIN / argv[0])
                out = subprocess.run(argv, env=env, capture_output=True, text=True)
                assert out.returncode == 0, f"{line}\n{out.stdout}\n{out.stderr}"
                ran.append(line)
        else:
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                exec(compile(body, "docs/strategies.md", "exec"), namespace)
            assert "False" not in buf.getvalue(), buf.getvalue()
            ran.append(buf.getvalue())
    assert len(ran) == 7
    assert ran[2].strip() == "True ['symbol', 'side', 'lots', 'open_ts']"
    assert ran[3].strip() == "1 0.1 True"
    assert ran[6].strip() == "45 -35.2"         # the bars-and-indicators strategy, M1
