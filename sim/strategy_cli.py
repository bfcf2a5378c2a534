"""``ticklab strategy new NAME [--dir DIR]``: write a working strategy skeleton.

Three files in DIR (default: the current folder): ``NAME.py`` (the strategy),
``NAME.yaml`` (its parameter defaults) and ``test_NAME.py`` (a backtest on the bundled
sample).  Existing files are never overwritten.
"""

from __future__ import annotations

import argparse
import importlib.util
import keyword
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"
FILES = (("strategy.py.tmpl", "{name}.py"), ("strategy.yaml.tmpl", "{name}.yaml"),
         ("test_strategy.py.tmpl", "test_{name}.py"))


def new_strategy(name: str, folder: Path) -> list[Path]:
    """Write the skeleton of strategy ``name`` into ``folder``; return the files written."""
    if not name.isidentifier() or keyword.iskeyword(name) or not name.islower():
        raise ValueError(f"strategy name {name!r}: use a lower-case Python identifier, "
                         f"e.g. my_scalper")
    if importlib.util.find_spec(name) is not None:
        raise ValueError(f"strategy name {name!r} is already an importable module "
                         f"({importlib.util.find_spec(name).origin}): choose another name")
    folder.mkdir(parents=True, exist_ok=True)
    targets = [folder / out.format(name=name) for _, out in FILES]
    existing = [str(t) for t in targets if t.exists()]
    if existing:
        raise ValueError(f"not overwriting {', '.join(existing)}")
    path = targets[0]
    for (tmpl, _), target in zip(FILES, targets, strict=True):
        text = (TEMPLATES / tmpl).read_text()
        target.write_text(text.format(name=name, path=path))
    return targets


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="ticklab strategy", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    new = sub.add_parser("new", help="write a working strategy skeleton (module, YAML, test)")
    new.add_argument("name", help="the strategy's name, a lower-case identifier (my_scalper)")
    new.add_argument("--dir", default=".", help="folder to write into (default: .)")
    args = ap.parse_args(argv)
    try:
        files = new_strategy(args.name, Path(args.dir))
    except ValueError as exc:
        print(f"ticklab strategy new: {exc}")
        return 2
    for f in files:
        print(f"wrote {f}")
    print(f"backtest it:  ticklab backtest strategy.module={files[0]}")
    print(f"test it:      python -m pytest {files[2]}")
    return 0
