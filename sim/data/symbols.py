"""Symbol specifications from ``conf/symbol/*.yaml``."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from omegaconf import OmegaConf

CONF_DIR = Path(__file__).resolve().parents[2] / "conf" / "symbol"
CALC_MODES = ("forex", "forex_no_leverage", "cfd", "cfdleverage", "cfdindex", "futures")
SWAP_MODES = ("disabled", "points", "currency_deposit", "interest_open")
CONVERT_PROFIT = ("by_deal", "by_market")
COMMISSION_MODES = ("per_lot", "per_million")
COMMISSION_ENTRIES = ("all", "in", "out")


@dataclass(frozen=True)
class SymbolSpec:
    """One tradable symbol, named after the MT5 symbol properties (mt-execution.md 1.1).

    Units: ``stops_level``/``freeze_level`` in points; ``tick_value`` in the profit currency
    per ``tick_size`` price move per lot; ``margin_initial``/``margin_maintenance`` and, for
    fixed-margin symbols, ``margin_hedged`` in the margin currency per lot; margin rates are
    plain multipliers; ``commission_per_lot`` in account currency per lot per charged deal
    (``commission_mode`` per_lot), ``commission_per_million`` in account currency per million
    of the deal's notional in account currency (per_million); ``swap_long``/``swap_short`` in
    points (``points``), account money per lot (``currency_deposit``) or annual percent
    (``interest_open``).
    """

    name: str
    digits: int
    tick_size: float
    contract_size: float
    calc_mode: str
    currency_base: str
    currency_profit: str
    currency_margin: str
    volume_min: float
    volume_step: float
    volume_max: float
    stops_level: int = 0
    freeze_level: int = 0
    commission_per_lot: float = 0.0
    commission_mode: str = "per_lot"      # per_lot | per_million (commission_per_million)
    commission_per_million: float = 0.0   # account money per million of deal notional
    commission_entry: str = "all"         # all | in | out: which deals pay (COMM_ENTRY_*)
    swap_mode: str = "disabled"
    swap_long: float = 0.0
    swap_short: float = 0.0
    swap_days: tuple[int, ...] = (0, 1, 1, 3, 1, 1, 0)
    margin_hedged: float = 0.0            # covered volume: contract size (fixed margin: per lot)
    margin_hedged_use_leg: bool = False   # hedged margin = the larger leg's margin (3.4)
    tick_value: float = 0.0               # profit ccy per tick_size move per lot (futures, cfdindex)
    margin_initial: float = 0.0           # SYMBOL_MARGIN_INITIAL: fixed margin per lot (0: formula)
    margin_maintenance: float = 0.0       # SYMBOL_MARGIN_MAINTENANCE: while held (0: initial)
    # SymbolInfoMarginRate multipliers of market deals (3.1 step 2): the initial rate prices
    # the entry check, the maintenance rate the held position
    margin_rate_initial_buy: float = 1.0
    margin_rate_initial_sell: float = 1.0
    margin_rate_maintenance_buy: float = 1.0
    margin_rate_maintenance_sell: float = 1.0
    close_by: bool = True                 # SYMBOL_ORDER_CLOSEBY: Close By allowed (hedging)
    convert_profit: str = "by_deal"     # Forex only; other calc modes are always "by market"
    dukascopy_divisor: float = 0.0

    @property
    def point(self) -> float:
        return 10.0 ** -self.digits

    def __post_init__(self):
        if self.calc_mode not in CALC_MODES:
            raise ValueError(f"symbol {self.name}: calc_mode {self.calc_mode!r} not in {CALC_MODES}")
        if self.calc_mode == "futures" and not (self.tick_value > 0 and self.margin_initial > 0):
            raise ValueError(f"symbol {self.name}: calc_mode 'futures' needs tick_value > 0 (profit "
                             f"per tick_size per lot) and margin_initial > 0 (margin per lot)")
        if self.calc_mode == "cfdindex" and not self.tick_value > 0:
            raise ValueError(f"symbol {self.name}: calc_mode 'cfdindex' needs tick_value > 0 "
                             f"(its margin is lots x contract x price x tick_value / tick_size)")
        if not self.tick_size > 0:
            raise ValueError(f"symbol {self.name}: tick_size must be > 0")
        if self.margin_maintenance > 0 and not self.margin_initial > 0:
            raise ValueError(f"symbol {self.name}: margin_maintenance needs margin_initial > 0 "
                             f"(fixed margin); with formula margin use the margin rates")
        money = ("tick_value", "margin_initial", "margin_maintenance", "margin_hedged",
                 "margin_rate_initial_buy", "margin_rate_initial_sell",
                 "margin_rate_maintenance_buy", "margin_rate_maintenance_sell")
        for name in money:
            if not getattr(self, name) >= 0:
                raise ValueError(f"symbol {self.name}: {name} must be >= 0")
        if self.swap_mode not in SWAP_MODES:
            raise ValueError(f"symbol {self.name}: swap_mode {self.swap_mode!r} not in {SWAP_MODES}")
        if self.convert_profit not in CONVERT_PROFIT:
            raise ValueError(f"symbol {self.name}: convert_profit {self.convert_profit!r} not in "
                             f"{CONVERT_PROFIT}")
        if self.commission_mode not in COMMISSION_MODES:
            raise ValueError(f"symbol {self.name}: commission_mode {self.commission_mode!r} not "
                             f"in {COMMISSION_MODES}")
        if self.commission_entry not in COMMISSION_ENTRIES:
            raise ValueError(f"symbol {self.name}: commission_entry {self.commission_entry!r} "
                             f"not in {COMMISSION_ENTRIES}")
        if len(self.swap_days) != 7:
            raise ValueError(f"symbol {self.name}: swap_days needs 7 multipliers (Sun..Sat)")
        if not (0 < self.volume_min <= self.volume_max) or self.volume_step <= 0:
            raise ValueError(f"symbol {self.name}: need 0 < volume_min <= volume_max, volume_step > 0")


def symbol_from_mapping(data: dict) -> SymbolSpec:
    """Build a spec from a plain mapping (a YAML file or a Hydra node), refusing unknown keys."""
    known = {f.name for f in fields(SymbolSpec)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown symbol field(s) {sorted(unknown)}; known: {sorted(known)}")
    data = dict(data)
    if "swap_days" in data:
        data["swap_days"] = tuple(int(x) for x in data["swap_days"])
    return SymbolSpec(**data)


def available_symbols() -> list[str]:
    return sorted(p.stem for p in CONF_DIR.glob("*.yaml"))


def load_symbol(name: str) -> SymbolSpec:
    """Load ``conf/symbol/<NAME>.yaml`` (a broker suffix such as ``EURUSD.r`` or ``EURUSDm`` is stripped)."""
    base = name.upper()
    path = CONF_DIR / f"{base}.yaml"
    if not path.exists():
        base = next((s for s in available_symbols() if base.startswith(s)), base)
        path = CONF_DIR / f"{base}.yaml"
    if not path.exists():
        raise ValueError(f"no symbol spec for {name!r}: add conf/symbol/{name.upper()}.yaml; "
                         f"known: {', '.join(available_symbols())}")
    data = OmegaConf.to_container(OmegaConf.load(path), resolve=True)
    return symbol_from_mapping(data)
