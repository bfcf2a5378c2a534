"""Numba compile cache that is never stale.

Numba keys a cached kernel by the file it is defined in, not by the kernels it
calls from other modules (numba issue #1833): after an edit to
``sim/venue/accounting.py`` a cached ``strategies/ema_cross.replay_nb`` would still run
the old accounting code.  We therefore point numba's cache at a directory named
after a hash of every source a kernel can depend on (``kernel_sources``: the modules of
``sim/`` and ``strategies/`` that compile kernels and everything they import from
there).  Any edit to one of them selects a fresh, empty cache directory; an unchanged
set reuses the warm one across processes.

This module must run before the first ``@njit(cache=True)`` decoration, which
``sim/__init__.py`` guarantees by importing it first.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from pathlib import Path

import numba

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
NUMBA_PACKAGES = ("sim", "strategies")
KEEP_OLD_CACHES = 4
KEEP_BUSY_S = 86_400        # a cache folder touched within this is never pruned


# a module that compiles kernels: a numba decorator line, or a call of njit(...)
_COMPILES = re.compile(rb"^[ \t]*@(?:numba\.)?(?:kernel|njit|jit|cfunc|vectorize|guvectorize)\b"
                       rb"|^[^#\n]*\bnjit\(", re.M)
_IMPORT = re.compile(rb"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*)"
                     rb"|import[ \t]+([^\n#]+))", re.M)


def _imports(module: str, path: Path, text: bytes) -> set[str]:
    """Dotted names ``path`` imports (``from a.b import c`` gives a.b and a.b.c)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = set()
    for m in _IMPORT.finditer(text):
        if m.group(3):
            out.update(n.split(" as ")[0].strip() for n in m.group(3).decode().split(","))
            continue
        base = m.group(1).decode()
        if base.startswith("."):                       # relative: from the package up
            up = len(base) - len(base.lstrip(".")) - 1
            parts = package.split(".")
            base = ".".join(parts[:len(parts) - up] + ([base.lstrip(".")] if base.lstrip(".")
                                                       else []))
        out.add(base)
        for name in m.group(2).decode().strip("()").split(","):
            name = name.split(" as ")[0].strip()
            if name:
                out.add(f"{base}.{name}")
    return out


def kernel_sources(root: Path = PACKAGE_ROOT,
                   packages: tuple[str, ...] = NUMBA_PACKAGES) -> dict[str, bytes]:
    """The sources a compiled kernel can depend on: every module of ``packages`` that
    compiles kernels, the modules those import from ``packages`` (transitively: constants,
    enums and record layouts are frozen into the machine code) and their packages'
    ``__init__``.  {relative path: bytes}.  The Python edges (API, store, reports, CLI)
    are not among them: editing them recompiles nothing."""
    files = {}
    for pkg in packages:
        for path in (root / pkg).rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    text = {m: p.read_bytes() for m, p in files.items()}
    todo = [m for m in files if _COMPILES.search(text[m])]
    seen: set[str] = set()
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        parts = m.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))
                 if ".".join(parts[:i]) in files]
        todo += [n for n in _imports(m, files[m], text[m]) if n in files]
    return {str(files[m].relative_to(root)): text[m] for m in seen}


def source_hash(root: Path = PACKAGE_ROOT, packages: tuple[str, ...] = NUMBA_PACKAGES) -> str:
    """Return a short sha256 over the paths and bytes of ``kernel_sources``."""
    h = hashlib.sha256()
    for rel, data in sorted(kernel_sources(root, packages).items()):
        h.update(rel.encode())
        h.update(b"\0")
        h.update(data)
        h.update(b"\0")
    return h.hexdigest()[:16]


def cache_base() -> Path:
    """Return the folder holding one sub-folder per source hash."""
    user = os.environ.get("TICKLAB_NUMBA_CACHE") or os.environ.get("NUMBA_CACHE_DIR_BASE")
    if user:
        return Path(user)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "ticklab" / "numba"


def _prune(base: Path, current: Path, now: float | None = None) -> None:
    # keep the newest few caches (other checkouts may be using them) and any touched in
    # the last day (a process started before an edit may still be writing to it: removing
    # it under a running compile fails that run); drop the rest
    now = time.time() if now is None else now
    try:
        dirs = sorted(((d.stat().st_mtime, d) for d in base.iterdir()
                       if d.is_dir() and d != current), reverse=True)
    except OSError:
        return
    for mtime, old in dirs[KEEP_OLD_CACHES:]:
        if now - mtime > KEEP_BUSY_S:
            shutil.rmtree(old, ignore_errors=True)


def install() -> Path:
    """Point numba's cache at ``<cache_base>/<source_hash>`` and return that folder."""
    global FRESH, FIRST
    base = cache_base()
    target = base / source_hash()
    new = FRESH = not target.exists()
    FIRST = new and not (base.exists() and any(d.is_dir() for d in base.iterdir()))
    target.mkdir(parents=True, exist_ok=True)
    if new:
        _prune(base, target)
    os.environ["NUMBA_CACHE_DIR"] = str(target)  # child processes (sweeps) inherit it
    numba.config.CACHE_DIR = str(target)
    return target


FRESH = False               # the cache folder was new in this process: everything compiles
FIRST = False               # ... and there was none before: the first run on this machine


def compile_reason() -> str:
    """Why this process compiles ticklab's kernels ("" if it loads them from the cache)."""
    if not FRESH:
        return ""
    return ("first run on this machine" if FIRST else "ticklab's code changed since the "
            "last run") + ": compiling its kernels (about a minute, once per code version)"
CACHE_DIR = install()


def kernel(fn=None, *, inline: bool = False, nogil: bool = False):
    """Compile a simulator kernel: ``njit(cache=True, _nrt=False)``.

    ``@kernel(inline=True)`` inlines a small per-tick kernel into its callers at numba IR
    level: numba passes every array as a struct of ~7 words, so a call with a dozen
    arrays costs tens of ns; the hot loop inlines its per-tick pieces instead.

    Kernels never allocate (callers pass every buffer), so they run without numba's
    reference counting.  With it, every call of a function that passes an array on to
    another kernel paid ~20 ns of atomic incref/decref even when that call was not
    taken (measured: 22 ns -> 0.4 ns per call), which would dominate a ~15 ns tick.

    ``nogil=True`` (the replay loop): the call releases the GIL, so threads replay in
    parallel over shared ticks (``sim.sweep``).
    """
    deco = numba.njit(cache=True, _nrt=False, inline="always" if inline else "never",
                      nogil=nogil)
    return deco if fn is None else deco(fn)
