"""The layout's import rules (docs/architecture.md, "Layout and import rules") and naming.

- the decision core (``sim.core``) imports neither the venue, the batch loop nor any edge;
- the venue (``sim.venue``) imports the core's records and contract, never its logic, and
  never the batch loop;
- strategies import only the core;
- live imports the core and the venue, never the batch loop;
- every numba kernel's name ends in ``_nb``.
"""

import ast
import importlib
import pkgutil
from pathlib import Path

import numba.core.registry
import pytest

ROOT = Path(__file__).resolve().parents[1]

CORE_CONTRACT = {"sim.core.records", "sim.core.enums", "sim.core.events", "sim.core.order_types"}
RULES = {
    # package: (allowed sim.* prefixes, forbidden ones)
    "sim/core": (("sim.core", "sim.jit_cache"), ()),
    "sim/venue": (tuple(CORE_CONTRACT) + ("sim.venue", "sim.jit_cache", "sim.config",
                                          "sim.data.symbols", "sim.data.timezones"), ()),
    "strategies": (("sim.core", "sim.jit_cache", "sim"), ()),
    "live": (("sim",), ("sim.batch", "sim.pipeline", "sim.api")),
}


def sim_imports(path: Path) -> set[str]:
    """Every ``sim...`` module a file imports (top level and inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # ``from sim import jit_cache`` imports the module sim.jit_cache
            found |= {f"{node.module}.{a.name}" for a in node.names if node.module == "sim"}
    return {m for m in found if m == "sim" or m.startswith("sim.")}


def allowed(module: str, prefixes) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("package", sorted(RULES))
def test_layout_import_rules(package):
    ok, banned = RULES[package]
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for m in sim_imports(path):
            if m == "sim" and "sim" in ok:
                continue
            if (m != "sim" and not allowed(m, ok)) or allowed(m, banned):
                bad.append(f"{path.relative_to(ROOT)} imports {m}")
    assert not bad, "\n".join(bad)


def test_layout_venue_imports_no_core_logic():
    logic = ("sim.core.step", "sim.core.risk", "sim.core.routing", "sim.core.strategy_api",
             "sim.core.state", "sim.core.decision")
    bad = [f"{p.relative_to(ROOT)} imports {m}" for p in (ROOT / "sim/venue").rglob("*.py")
           for m in sim_imports(p) if allowed(m, logic)]
    assert not bad, "\n".join(bad)


def test_layout_rules_would_catch_a_violation(tmp_path):
    # the checker itself: a core module importing the venue is reported
    f = tmp_path / "x.py"
    f.write_text("def f():\n    from sim.venue.orders import arrive_nb\n")
    assert sim_imports(f) == {"sim.venue.orders"}
    assert not allowed("sim.venue.orders", RULES["sim/core"][0])


def kernels():
    for pkg in ("sim", "strategies"):
        for info in pkgutil.walk_packages([str(ROOT / pkg)], prefix=pkg + "."):
            mod = importlib.import_module(info.name)
            for name, obj in vars(mod).items():
                if isinstance(obj, numba.core.registry.CPUDispatcher) and \
                        getattr(obj, "__module__", None) == mod.__name__:
                    yield f"{mod.__name__}.{name}"


def test_every_numba_kernel_name_ends_in_nb():
    names = list(kernels())
    assert len(names) > 100
    assert [n for n in names if not n.endswith("_nb")] == []


def test_public_api_importable_from_sim():
    import sim

    for name in sim.__all__:
        assert getattr(sim, name) is not None
    assert sim.Retcode.DONE == 10009 and sim.EventKind.ACCOUNT == 4
