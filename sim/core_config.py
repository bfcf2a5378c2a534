"""The decision core from a composed config: one factory for the backtest and the live adapter.

``build_core(cfg, specs)`` reads the ``strategy``, ``risk`` and ``account`` groups (the same
``conf/`` groups as ``ticklab backtest``) and returns a ready ``DecisionCore``; the batch
replay (``sim.pipeline.build_simulation``) takes the same parts from ``core_parts``.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
from omegaconf import DictConfig, OmegaConf

import strategies
from sim.config import AccountConfig, account_mode, from_mapping, symbol_records
from sim.core.decision import DecisionCore
from sim.core.state import make_limits
from sim.data.symbols import SymbolSpec


def core_parts(cfg: DictConfig) -> tuple[ModuleType, np.ndarray, np.ndarray, np.ndarray]:
    """(strategy module, its params record, its data, the risk limits) from ``cfg``."""
    s = OmegaConf.to_container(cfg.strategy, resolve=True)
    mod = strategies.get(s.pop("name"))
    params = mod.Params(**s)
    risk = cfg.get("risk", {}) or {}
    limits = make_limits(kill=bool(risk.get("kill", False)),
                         max_order_lots=float(risk.get("max_order_lots", 0.0)))
    return mod, mod.make_params(params), mod.make_data(params), limits


def account_config(cfg: DictConfig) -> AccountConfig:
    """The ``account`` group as an ``AccountConfig`` (unknown keys refused)."""
    return from_mapping(AccountConfig, OmegaConf.to_container(cfg.account, resolve=True))


def build_core(cfg: DictConfig, specs: list[SymbolSpec]) -> DecisionCore:
    """A ``DecisionCore`` for ``specs`` (in the order events will index them) from ``cfg``."""
    mod, params, data, limits = core_parts(cfg)
    account = account_config(cfg)
    return DecisionCore(mod, params, symbol_records(specs, account), account_mode(account),
                        account.balance, limits, data)
