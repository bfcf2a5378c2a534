"""Running a Hydra app (``ticklab backtest``, ``ticklab live``) from the ``ticklab`` command,
with the config mistakes Hydra answers in a paragraph answered in one line."""

from __future__ import annotations

import sys
from collections.abc import Callable

from rich.console import Console
from rich.markup import escape

from sim.config import CONF_DIR


def unknown_group_option(argv: list[str]) -> str | None:
    """``group=name`` naming no ``conf/group/name.yaml``: Hydra's answer is a paragraph;
    ours is one line with the options."""
    for arg in argv:
        key, eq, value = arg.partition("=")
        folder = CONF_DIR / key
        if not eq or not key.isidentifier() or not folder.is_dir():
            continue
        options = sorted(p.stem for p in folder.glob("*.yaml"))
        for name in value.split(","):           # -m sweeps list several
            if name not in options:
                return (f"{key}={name}: no such {key} group (options: {', '.join(options)}; "
                        f"or conf/{key}/{name}.yaml)")
    return None


def run_hydra_app(verb: str, app: Callable[[], object], argv: list[str]) -> int:
    """Run the ``@hydra.main`` function ``app`` as ``ticklab VERB argv...``."""
    problem = unknown_group_option(argv)
    if problem:
        Console().print(f"[red]ticklab {verb}: {escape(problem)}[/red]", soft_wrap=True)
        return 2
    sys.argv = [f"ticklab {verb}", *argv]
    app()
    return 0
