"""Frozen config schemas of the simulator and their conversion to kernel records.

Hydra YAML (``conf/execution``, ``conf/account``) is turned into these dataclasses
once, at the boundary; kernels only ever see the ``*_dt`` records built here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from sim.core.enums import (
    AccountMode,
    CalcMode,
    CommissionEntry,
    CommissionMode,
    ConvMode,
    DistKind,
    ExeMode,
    FillOn,
    SlippageKind,
    SwapMode,
    TriggerFill,
)
from sim.core.records import symbol_dt
from sim.data.symbols import SymbolSpec
from sim.data.timezones import normalise_tz
from sim.venue.records import exec_dt

CONF_DIR = Path(__file__).resolve().parents[1] / "conf"     # the Hydra config groups

NS_PER_MS = 1_000_000
ZERO_DECIMAL_CCY = {"JPY", "HUF", "KRW"}


def money_digits(currency: str) -> int:
    """Decimals money in ``currency`` is booked to (0 for JPY, HUF, KRW; else 2)."""
    return 0 if currency.upper() in ZERO_DECIMAL_CCY else 2


@dataclass(frozen=True)
class Dist:
    """A latency: ``constant`` (a ms), ``uniform`` (a..b ms) or ``exponential`` (a + Exp(b) ms)."""

    kind: str = "constant"
    a: float = 0.0
    b: float = 0.0


@dataclass(frozen=True)
class Slippage:
    """``none``; ``fixed`` (a points); ``spread`` (a x spread); ``sampled`` (Exp(a) points, cap b)."""

    kind: str = "none"
    a: float = 0.0
    b: float = 0.0


@dataclass(frozen=True)
class ExecutionConfig:
    name: str = "custom"
    fill_on: str = "arrival"            # arrival | next_tick   (mt-execution.md 8.2)
    trigger_fill: str = "mt5"           # mt5 | order_price | no_positive_slippage (1.5)
    exe_mode: str = "market"            # market | instant | request (6.1, 6.2)
    deviation: int = 0                  # points; instant/request: beyond it a requote (10004)
    submit_latency: Dist = field(default_factory=Dist)
    venue_latency: Dist = field(default_factory=Dist)
    report_latency: Dist = field(default_factory=Dist)
    slippage: Slippage = field(default_factory=Slippage)
    commission: bool = True
    swaps: bool = True
    stop_out: bool = True
    seed: int = 12345
    # re-price open positions on every tick instead of only when a tick can change
    # something (sim/venue/band.py); the results are identical, only slower: a reference switch
    mark_every_tick: bool = False


@dataclass(frozen=True)
class AccountConfig:
    currency: str = "USD"
    balance: float = 10_000.0
    leverage: float = 100.0
    mode: str = "netting"               # netting | hedging
    margin_call: float = 100.0          # percent margin level
    stop_out: float = 50.0              # percent margin level
    server_tz: str = "NY+7"             # server day for swaps (mt-execution.md 9)
    equity_bucket_s: int = 60           # equity curve resolution
    rates: dict = field(default_factory=dict)   # fixed conversion rates, e.g. {USDJPY: 150.0}

    def __post_init__(self):
        if not self.balance > 0:
            raise ValueError(f"account.balance={self.balance}: expected > 0 (the starting "
                             f"balance, account currency)")
        if not self.leverage > 0:
            raise ValueError(f"account.leverage={self.leverage}: expected > 0 (100 for 1:100)")
        if not 0 <= self.stop_out <= self.margin_call:
            raise ValueError(f"account.stop_out={self.stop_out}, account.margin_call="
                             f"{self.margin_call}: expected 0 <= stop_out <= margin_call "
                             f"(margin levels, percent)")
        if not (len(self.currency) == 3 and self.currency.isalpha()):
            raise ValueError(f"account.currency={self.currency!r}: expected a 3-letter code "
                             f"(USD, EUR, JPY...)")
        if self.equity_bucket_s < 1:
            raise ValueError(f"account.equity_bucket_s={self.equity_bucket_s}: expected >= 1 "
                             f"second")
        _choice(self.mode, {"netting": 0, "hedging": 0}, "account.mode")
        try:
            normalise_tz(self.server_tz)
        except ValueError as exc:
            raise ValueError(f"account.server_tz: {exc}") from None


def type_problem(kind: str, value) -> str:
    """What a value of a field annotated ``kind`` should have been ("" if it is fine)."""
    if kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
        return "a whole number"
    if kind == "float" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return "a number"
    if kind == "bool" and not isinstance(value, bool):
        return "true or false"
    if kind == "str" and not isinstance(value, str):
        return "a string"
    if kind == "dict" and not isinstance(value, dict):
        return "a mapping"
    return ""


def field_kind(f) -> str:
    """A dataclass field's annotation as a name (``int``, ``float``, ...)."""
    return f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "")


def _choice(value: str, table: dict, what: str) -> int:
    if value not in table:
        raise ValueError(f"{what} must be one of {', '.join(table)}, got {value!r}")
    return table[value]


def from_mapping(cls, data: dict, prefix: str = ""):
    """Build a config dataclass from a plain mapping: unknown keys and values of the wrong
    type are refused in one line naming the key (``prefix.key``), as are the values the
    class's own checks refuse."""
    prefix = prefix or cls.__name__
    data = dict(data or {})
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValueError(f"{prefix}.{unknown[0]}: unknown key (known: {', '.join(known)})")
    nested = {"submit_latency": Dist, "venue_latency": Dist, "report_latency": Dist,
              "slippage": Slippage}
    for key, value in data.items():
        if key in nested:
            if not isinstance(value, dict):
                raise ValueError(f"{prefix}.{key}={value!r}: expected a mapping, e.g. "
                                 f"{prefix}.{key}.kind=... {prefix}.{key}.a=...")
            data[key] = from_mapping(nested[key], value, f"{prefix}.{key}")
            continue
        problem = type_problem(field_kind(known[key]), value)
        if problem:
            raise ValueError(f"{prefix}.{key}={value!r}: expected {problem}")
    return cls(**data)


def exec_record(ex: ExecutionConfig, acct: AccountConfig) -> np.ndarray:
    kinds = {"constant": DistKind.CONSTANT, "uniform": DistKind.UNIFORM,
             "exponential": DistKind.EXPONENTIAL}
    rec = np.zeros(1, dtype=exec_dt)
    r = rec[0]
    r["fill_on"] = _choice(ex.fill_on, {"arrival": FillOn.ARRIVAL, "next_tick": FillOn.NEXT_TICK},
                           "execution.fill_on")
    r["trigger_fill"] = _choice(ex.trigger_fill, {"mt5": TriggerFill.MT5,
                                                  "order_price": TriggerFill.ORDER_PRICE,
                                                  "no_positive_slippage":
                                                      TriggerFill.NO_POSITIVE_SLIPPAGE},
                                "execution.trigger_fill")
    for prefix, d in (("lat_submit", ex.submit_latency), ("lat_venue", ex.venue_latency),
                      ("lat_report", ex.report_latency)):
        r[prefix + "_kind"] = _choice(d.kind, kinds, f"execution.{prefix} kind")
        if d.a < 0 or d.b < 0:
            raise ValueError(f"execution latency {prefix}: a and b must be >= 0 ms")
        r[prefix + "_a"] = d.a * NS_PER_MS
        r[prefix + "_b"] = d.b * NS_PER_MS
    r["slip_kind"] = _choice(ex.slippage.kind, {"none": SlippageKind.NONE,
                                                "fixed": SlippageKind.FIXED,
                                                "spread": SlippageKind.SPREAD,
                                                "sampled": SlippageKind.SAMPLED},
                             "execution.slippage.kind")
    r["slip_a"] = ex.slippage.a
    r["slip_b"] = ex.slippage.b
    r["exe_mode"] = _choice(ex.exe_mode, {"market": ExeMode.MARKET, "instant": ExeMode.INSTANT,
                                          "request": ExeMode.REQUEST}, "execution.exe_mode")
    if int(ex.deviation) != ex.deviation or ex.deviation < 0:
        raise ValueError(f"execution.deviation must be a whole number of points >= 0, got "
                         f"{ex.deviation!r}")
    r["deviation"] = int(ex.deviation)
    r["commission"] = ex.commission
    r["swaps"] = ex.swaps
    r["stop_out"] = ex.stop_out
    r["eq_bucket_ns"] = int(acct.equity_bucket_s) * 1_000_000_000
    r["band"] = not ex.mark_every_tick
    r["seed"] = ex.seed
    return rec


def account_mode(acct: AccountConfig) -> int:
    return _choice(acct.mode, {"netting": AccountMode.NETTING, "hedging": AccountMode.HEDGING},
                   "account.mode")


def _conversion(ccy: str, acct: AccountConfig, names: list[str], what: str, sym: str):
    a = acct.currency.upper()
    ccy = ccy.upper()
    if ccy == a:
        return ConvMode.SAME, -1, 1.0
    for pair, mode in ((ccy + a, ConvMode.MULTIPLY), (a + ccy, ConvMode.DIVIDE)):
        if pair in names:
            return mode, names.index(pair), 0.0
    rates = {str(k).upper(): float(v) for k, v in (acct.rates or {}).items()}
    for pair, mode in ((ccy + a, ConvMode.MULTIPLY), (a + ccy, ConvMode.DIVIDE)):
        if pair in rates:
            return mode, -1, rates[pair]
    raise ValueError(
        f"{sym}: its {what} currency {ccy} must convert into the account currency {a}: replay "
        f"{ccy}{a} or {a}{ccy} ticks alongside, or set a fixed rate, e.g. "
        f"account.rates={{{a}{ccy}: 150.0}} (override: '+account.rates.{a}{ccy}=150.0')")


_CALC = {"forex": CalcMode.FOREX, "forex_no_leverage": CalcMode.FOREX_NO_LEVERAGE,
         "cfd": CalcMode.CFD, "cfdleverage": CalcMode.CFDLEVERAGE,
         "cfdindex": CalcMode.CFDINDEX, "futures": CalcMode.FUTURES}
_SWAP = {"disabled": SwapMode.DISABLED, "points": SwapMode.POINTS,
         "currency_deposit": SwapMode.CURRENCY_DEPOSIT, "interest_open": SwapMode.INTEREST_OPEN}


def symbol_records(specs: list[SymbolSpec], acct: AccountConfig) -> np.ndarray:
    """One ``symbol_dt`` row per replayed symbol, with conversion routes resolved."""
    names = [s.name.upper() for s in specs]
    recs = np.zeros(len(specs), dtype=symbol_dt)
    for i, sp in enumerate(specs):
        r = recs[i]
        r["digits"] = sp.digits
        r["point"] = sp.point
        r["tick_size"] = sp.tick_size
        r["contract"] = sp.contract_size
        r["calc_mode"] = _CALC[sp.calc_mode]
        r["vol_min"] = sp.volume_min
        r["vol_step"] = sp.volume_step
        r["vol_max"] = sp.volume_max
        r["stops_level"] = sp.stops_level
        r["freeze_level"] = sp.freeze_level
        r["commission_per_lot"] = sp.commission_per_lot
        r["commission_mode"] = {"per_lot": CommissionMode.PER_LOT,
                                "per_million": CommissionMode.PER_MILLION}[sp.commission_mode]
        r["commission_per_million"] = sp.commission_per_million
        r["commission_entry"] = {"all": CommissionEntry.ALL, "in": CommissionEntry.IN,
                                 "out": CommissionEntry.OUT}[sp.commission_entry]
        r["swap_mode"] = _SWAP[sp.swap_mode]
        r["swap_long"] = sp.swap_long
        r["swap_short"] = sp.swap_short
        r["swap_days"][:] = sp.swap_days
        r["margin_hedged"] = sp.margin_hedged
        r["margin_hedged_use_leg"] = bool(sp.margin_hedged_use_leg)
        r["profit_digits"] = money_digits(sp.currency_profit)
        m, k, rate = _conversion(sp.currency_profit, acct, names, "profit", sp.name)
        r["profit_conv_mode"], r["profit_conv_sym"], r["profit_conv_rate"] = m, k, rate
        # 2.2: "by deal" is an option of Forex symbols; every other calc mode converts
        # profit at the bid and loss at the ask
        r["profit_by_market"] = (sp.convert_profit == "by_market"
                                 or sp.calc_mode not in ("forex", "forex_no_leverage"))
        m, k, rate = _conversion(sp.currency_margin, acct, names, "margin", sp.name)
        r["margin_conv_mode"], r["margin_conv_sym"], r["margin_conv_rate"] = m, k, rate
        r["tick_value"] = sp.tick_value
        # profit per 1.0 price move per lot (2.1): futures price it by tick value / tick size
        r["price_value"] = (sp.tick_value / sp.tick_size if sp.calc_mode == "futures"
                            else sp.contract_size)
        r["margin_initial"] = sp.margin_initial
        r["margin_maintenance"] = sp.margin_maintenance
        r["close_by"] = bool(sp.close_by)
        for side in ("buy", "sell"):
            for kind in ("initial", "maintenance"):
                name = f"margin_rate_{kind}_{side}"
                r[name] = getattr(sp, name)
    return recs
