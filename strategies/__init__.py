"""Strategies: pure numba functions of (state, params, event); name -> module."""

import importlib
from types import ModuleType

import sim  # noqa: F401  (sets up the numba cache before any strategy kernel)

REGISTRY: dict[str, str] = {
    "ema_cross": "strategies.ema_cross",
    "scripted": "strategies.scripted",
}


def get(name: str) -> ModuleType:
    if name not in REGISTRY:
        raise ValueError(f"unknown strategy {name!r}; known: {', '.join(REGISTRY)}")
    return importlib.import_module(REGISTRY[name])
