"""Find a strategy and check its contract: a bundled name, an importable module or a .py file.

``strategy=ema_cross`` names a bundled strategy (a module of the ``strategies`` package:
discovered, no registry to edit); ``strategy.module=my_pkg.my_scalper`` or
``strategy.module=path/to/my_scalper.py`` loads a user's own, with its parameter defaults
from the YAML file beside it (``my_scalper.yaml``).  A module that breaks the contract
(sim/core/strategy_api.py) is refused with its file and the rule it breaks.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import strategies
from sim.core.strategy_api import is_registered, registered_dtype, source_digest

BUNDLED_DIR = Path(strategies.__file__).resolve().parent
REQUIRED = ("Params", "params_dt", "state_dt", "make_params", "make_state", "make_data",
            "on_event_nb")


class StrategyError(ValueError):
    """A strategy that cannot be found or breaks the contract (one line, no traceback)."""


def bundled() -> list[str]:
    """Names of the bundled strategies (modules of the ``strategies`` package)."""
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.py") if not p.stem.startswith("_"))


def load_strategy(ref: str) -> ModuleType:
    """The strategy module ``ref`` names: a bundled name, a dotted module or a ``.py`` path."""
    ref = str(ref).strip()
    if ref.endswith(".py") or "/" in ref or "\\" in ref:
        mod = _load_file(Path(ref).expanduser())
    elif "." not in ref and (ref in bundled() or importlib.util.find_spec(ref) is None):
        if ref not in bundled():
            raise StrategyError(
                f"unknown strategy {ref!r}; bundled: {', '.join(bundled())}; for your own, "
                f"strategy.module=your_pkg.your_module or strategy.module=path/to/file.py")
        mod = importlib.import_module(f"strategies.{ref}")
    else:
        try:
            mod = importlib.import_module(ref)
        except ModuleNotFoundError as exc:
            raise StrategyError(f"strategy.module={ref}: no module {exc.name!r} on the Python "
                                f"path; install your package (pip install -e .), run from its "
                                f"folder, or give the file: strategy.module=path/to/file.py") \
                from None
    check_contract(mod)
    check_fresh(mod)
    return mod


def check_fresh(mod: ModuleType) -> None:
    """Refuse a strategy whose sources changed on disk since this process imported it.

    A notebook that imported it keeps running the old code: say so, never run it silently.
    """
    tag = registered_dtype(mod.on_event_nb).names[-1]
    if not tag.endswith("_" + source_digest(mod.__name__)):
        raise StrategyError(
            f"{mod.__file__}: the strategy (or a helper it imports) changed on disk since "
            f"this process imported it; restart the kernel or importlib.reload() the changed "
            f"modules, then run again")


def _load_file(path: Path) -> ModuleType:
    path = path.resolve()
    if not path.is_file():
        raise StrategyError(f"strategy.module={path}: no such file")
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)          # its helper modules import as siblings
    other = sys.modules.get(path.stem)
    if other is not None and Path(getattr(other, "__file__", "") or "").resolve() != path:
        raise StrategyError(f"strategy.module={path}: a module named {path.stem!r} is already "
                            f"imported from {other.__file__}; rename the file")
    return importlib.import_module(path.stem)


def check_contract(mod: ModuleType) -> None:
    """Refuse a module that is not a strategy, naming its file and what it lacks."""
    where = getattr(mod, "__file__", mod.__name__)
    missing = [n for n in REQUIRED if not hasattr(mod, n)]
    if missing:
        raise StrategyError(
            f"{where}: not a ticklab strategy: it lacks {', '.join(missing)} (a strategy module "
            f"defines {', '.join(REQUIRED)}; see docs/architecture.md, strategies)")
    if not is_registered(mod.on_event_nb):
        raise StrategyError(f"{where}: on_event_nb is not registered: end the module with "
                            f"register(params_dt, on_event_nb)")


def defaults_beside(mod: ModuleType) -> dict:
    """The parameter defaults in the YAML file beside the module (``<module>.yaml``), if any."""
    from omegaconf import OmegaConf

    path = Path(mod.__file__).with_suffix(".yaml")
    if not path.is_file():
        return {}
    data = OmegaConf.to_container(OmegaConf.load(path), resolve=True) or {}
    if not isinstance(data, dict):
        raise StrategyError(f"{path}: expected a mapping of parameter defaults")
    return {k: v for k, v in data.items() if k not in ("name", "module")}


def compile_error(exc: Exception, mod: ModuleType) -> StrategyError:
    """A numba compile error as one line naming the strategy's file and line, if it is there."""
    import re

    text = str(exc)
    path = str(Path(mod.__file__).resolve())
    where = ""
    for m in re.finditer(r'File "([^"]+)", line (\d+)', text):
        if Path(m.group(1)).resolve() == Path(path):
            where = f"{path}:{m.group(2)}"
    reason = next((ln.strip() for ln in text.splitlines()
                   if ln.strip() and not ln.startswith(("Failed in", "During:", "File "))),
                  type(exc).__name__)
    return StrategyError(f"{where or path}: the strategy does not compile under numba: {reason} "
                         f"(run it as plain Python with NUMBA_DISABLE_JIT=1 to debug)")
