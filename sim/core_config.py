"""The decision core from a composed config: one factory for the backtest and the live adapter.

``build_core(cfg, specs)`` reads the ``strategy``, ``risk`` and ``account`` groups (the same
``conf/`` groups as ``ticklab backtest``) and returns a ready ``DecisionCore``; the batch
replay (``sim.pipeline.build_simulation``) takes the same parts from ``core_parts``.
``resolve_strategy`` turns ``strategy.module=...`` into that module's parameters.
"""

from __future__ import annotations

import time
from dataclasses import fields
from types import ModuleType

import numpy as np
from omegaconf import DictConfig, OmegaConf, open_dict

from sim.config import (
    AccountConfig,
    account_mode,
    field_kind,
    from_mapping,
    symbol_records,
    type_problem,
)
from sim.core.decision import DecisionCore
from sim.core.state import RISK_NUMBERS, make_limits
from sim.data.symbols import SymbolSpec
from sim.strategy_loader import StrategyError, defaults_beside, load_strategy
from sim.strategy_wrapper import strategy_address
from sim.venue.sim_venue import utc_offset


def resolve_strategy(cfg: DictConfig, overrides=()) -> None:
    """With ``strategy.module`` given, make ``cfg.strategy`` that module's parameters.

    Given on the command line, the keys the ``strategy`` group's file brought belong to
    another strategy: they give way to the defaults in the YAML beside the module, and only
    the ``strategy.KEY=VALUE`` overrides the user wrote (``overrides``, as on the command
    line: ``strategy.K=V``, ``+strategy.K=V`` or ``++strategy.K=V``, which adds or
    overrides) are kept on top.  Set by a group file of its own (``module:`` in
    ``conf/strategy/NAME.yaml``), that file's values are the module's: they override the
    YAML beside it.
    """
    module = cfg.strategy.get("module")
    if not module:
        return
    mod = load_strategy(module)
    if not any(str(o).lstrip("+").startswith("strategy.module=") for o in overrides):
        own = {k: v for k, v in OmegaConf.to_container(cfg.strategy, resolve=True).items()
               if k not in ("name", "module")}
        with open_dict(cfg):
            cfg.strategy = {"name": cfg.strategy.get("name") or mod.__name__.rpartition(".")[2],
                            "module": str(module), **defaults_beside(mod), **own}
        return
    given = {}
    for o in overrides:
        o = str(o)
        key = o.lstrip("+").partition("=")[0]
        if not key.startswith("strategy.") or key in ("strategy.module", "strategy.name") \
                or o.startswith("~"):
            continue
        if key.count(".") != 1:
            raise StrategyError(f"{key}: strategy parameters are flat (strategy.NAME=VALUE)")
        name = key[len("strategy."):]
        if name in cfg.strategy:
            given[name] = cfg.strategy[name]
    name = mod.__name__.rpartition(".")[2]
    with open_dict(cfg):
        cfg.strategy = {"name": name, "module": str(module), **defaults_beside(mod), **given}


def core_parts(cfg: DictConfig, specs: list[SymbolSpec]
               ) -> tuple[ModuleType, np.ndarray, np.ndarray, np.ndarray]:
    """(strategy module, its params record, its data, the risk limits) from ``cfg``, for
    the symbols ``specs`` (in the order events index them)."""
    return core_parts_of(OmegaConf.to_container(cfg.strategy, resolve=True),
                         OmegaConf.to_container(cfg.get("risk") or OmegaConf.create({}),
                                                resolve=True), specs)


def core_parts_of(strategy: dict, risk: dict, specs: list[SymbolSpec],
                  mod: ModuleType | None = None
                  ) -> tuple[ModuleType, np.ndarray, np.ndarray, np.ndarray]:
    """``core_parts`` of the ``strategy`` and ``risk`` sections as plain mappings (a sweep
    builds one per parameter set without composing a config; it passes the strategy's
    module ``mod``, loaded once)."""
    s = dict(strategy)
    ref = s.pop("module", None) or s.get("name")
    s.pop("name", None)
    mod = mod or load_strategy(ref)
    params = make_strategy_params(mod, s)
    check_volumes(params, specs)
    limits = make_limits(**risk_limits_of(risk, [sp.name for sp in specs]))
    return mod, mod.make_params(params), mod.make_data(params), limits


def check_volumes(params, specs: list[SymbolSpec]) -> None:
    """Refuse a volume parameter (``lots``, ``*_lots``) its symbol's lot rules would round.

    The symbol is the strategy's ``symbol`` parameter if it has one, else every symbol.
    """
    index = getattr(params, "symbol", None)
    if isinstance(index, int) and not 0 <= index < len(specs):
        raise StrategyError(f"strategy.symbol={index}: the run has {len(specs)} symbol(s) "
                            f"({', '.join(sp.name for sp in specs)}), indexed from 0")
    targets = [specs[index]] if isinstance(index, int) else specs
    for f in fields(params):
        if f.name != "lots" and not f.name.endswith("_lots"):
            continue
        value = getattr(params, f.name)
        for sp in targets:
            steps = value / sp.volume_step
            if sp.volume_min - 1e-9 <= value <= sp.volume_max + 1e-9 and \
                    abs(steps - round(steps)) < 1e-7:
                continue
            fate = ("above its maximum" if value > sp.volume_max else
                    f"routing would round it down to {int(steps + 1e-7) * sp.volume_step:g}")
            raise StrategyError(
                f"strategy.{f.name}={value}: {sp.name} trades {sp.volume_min:g} to "
                f"{sp.volume_max:g} lots in steps of {sp.volume_step:g}; {fate}")


RISK_KEYS = {            # risk.* key -> its type (conf/risk/*.yaml define every one)
    "kill": bool, "kill_scope": str, **RISK_NUMBERS, "daily_basis": str, "trailing": bool,
    "require_sl": bool, "flatten_on_halt": bool, "sessions": list, "blackouts": list,
}
RISK_WANT = {bool: "true or false (kill: also all or a symbol)", float: "a number >= 0",
             int: "a whole number >= 0",
             list: 'a list of "HH:MM-HH:MM" windows'}


def risk_limits(cfg: DictConfig, symbols: list[str]) -> dict:
    """The ``risk`` section as ``make_limits`` arguments (``kill_scope`` as ``kill_symbol``,
    an index among ``symbols``); unknown keys and bad values refused in one line."""
    return risk_limits_of(OmegaConf.to_container(cfg.get("risk") or OmegaConf.create({}),
                                                 resolve=True), symbols)


def risk_limits_of(risk: dict, symbols: list[str]) -> dict:
    """``risk_limits`` of the ``risk`` section as a plain mapping."""
    risk = dict(risk)
    risk.pop("name", None)
    if isinstance(risk.get("kill"), str):       # risk.kill=all or risk.kill=EURUSD: on, scoped
        risk["kill_scope"] = risk["kill"]
        risk["kill"] = True
    out = {}
    for key, value in risk.items():
        kind = RISK_KEYS.get(key)
        if kind is None:
            raise ValueError(f"risk.{key}: unknown key (known: {', '.join(RISK_KEYS)})")
        bad = {bool: not isinstance(value, bool),
               float: isinstance(value, bool) or not isinstance(value, int | float) or value < 0,
               int: isinstance(value, bool) or not isinstance(value, int) or value < 0,
               list: not isinstance(value, list) or not all(isinstance(w, str) for w in value),
               str: not isinstance(value, str)}[kind]
        if bad and kind is not str:
            raise ValueError(f"risk.{key}={value!r}: expected {RISK_WANT[kind]}")
        out[key] = kind(value) if kind in (bool, float, int) else value
    scope = str(out.pop("kill_scope", "all"))
    if scope != "all":
        if scope not in symbols:
            raise ValueError(f"risk.kill_scope={scope}: expected all or one of the run's "
                             f"symbols ({', '.join(symbols)})")
        out["kill_symbol"] = symbols.index(scope)
    basis = out.get("daily_basis", "balance")
    if basis not in ("balance", "equity"):
        raise ValueError(f"risk.daily_basis={basis!r}: expected balance or equity")
    return out


def make_strategy_params(mod: ModuleType, values: dict):
    """``mod.Params(**values)``, with one clear line for an unknown key or a refused value."""
    known = [f.name for f in fields(mod.Params)]
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise StrategyError(f"strategy.{unknown[0]}: not a parameter of {mod.__name__} "
                            f"(its parameters: {', '.join(known)})")
    kinds = {f.name: field_kind(f) for f in fields(mod.Params)}
    for key, value in values.items():
        problem = type_problem(kinds[key], value)
        if problem:
            raise StrategyError(f"strategy.{key}={value!r}: expected {problem} "
                                f"({mod.__name__}.Params.{key})")
    try:
        return mod.Params(**values)
    except (TypeError, ValueError) as exc:
        raise StrategyError(f"strategy ({mod.__name__}): {exc}") from None


def account_config(cfg: DictConfig) -> AccountConfig:
    """The ``account`` group as an ``AccountConfig`` (unknown keys refused)."""
    return from_mapping(AccountConfig, OmegaConf.to_container(cfg.account, resolve=True),
                        "account")


def build_core(cfg: DictConfig, specs: list[SymbolSpec], first_ts: int | None = None,
               by_address: bool = False) -> DecisionCore:
    """A ``DecisionCore`` for ``specs`` (in the order events will index them) from ``cfg``.

    ``first_ts``: the first event's time (ns UTC; default now), at which the server clock's
    UTC offset (``account.server_tz``) is taken; TIMER DAY events keep it up to date.
    ``by_address``: the kernels call the strategy by address (``strategy_call=pointer``:
    the replay loop compiled once for every strategy is reused).
    """
    mod, params, data, limits = core_parts(cfg, specs)
    account = account_config(cfg)
    at = time.time_ns() if first_ts is None else int(first_ts)
    address = strategy_address(mod, mod.make_state(), params, data) if by_address else 0
    return DecisionCore(mod, params, symbol_records(specs, account), account_mode(account),
                        account.balance, limits, data, fn_address=address,
                        utc_offset=utc_offset(at, account.server_tz))
