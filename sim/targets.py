"""Users' performance targets, checked honestly: met / not met, never enforced or tuned for.

The ``targets`` config section (conf/config.yaml; ``null`` drops one) names the figures
traders set for a scalper; the summary and the report show each beside the run's value.
On the data a strategy was tuned on, "met" is an in-sample result (docs/risk.md).
"""

from __future__ import annotations

import math

from omegaconf import DictConfig, OmegaConf
from rich.table import Table

from sim.metrics import format_value

# key -> (label, metric, kind, how it is met)
TARGETS = {
    "win_rate_pct": ("Win rate", "win_rate", "pct", "above"),
    "max_daily_dd_pct": ("Worst daily DD %", "max_daily_dd_pct", "pct", "below"),
    "max_dd_pct": ("Max DD %", "max_dd_pct", "pct", "below"),
    "sharpe": ("Sharpe (daily, ann.)", "sharpe", "num", "above"),
    "trades_per_day": ("Trades/day/symbol", "trades_per_day_per_symbol", "num", "within"),
}


def read_targets(cfg: DictConfig) -> dict:
    """The ``targets`` section, checked: one clear line for an unknown key or a bad value."""
    raw = OmegaConf.to_container(cfg.get("targets") or OmegaConf.create({}), resolve=True)
    out = {}
    for key, value in raw.items():
        if key not in TARGETS:
            raise ValueError(f"targets.{key}: unknown target (known: {', '.join(TARGETS)})")
        if value is None:
            continue
        how = TARGETS[key][3]
        ok = (isinstance(value, list) and len(value) == 2 and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value)
            and value[0] <= value[1]) if how == "within" else (
            isinstance(value, int | float) and not isinstance(value, bool))
        if not ok:
            want = "[low, high]" if how == "within" else "a number"
            raise ValueError(f"targets.{key}={value!r}: expected {want}, or null to drop it")
        out[key] = value
    return out


def target_rows(metrics: dict, targets: dict) -> list[tuple[str, str, str, bool]]:
    """(label, target, the run's value, met) for each target set."""
    rows = []
    for key, goal in targets.items():
        label, metric, kind, how = TARGETS[key]
        value = metrics.get(metric, math.nan)
        scale = 100.0 if kind == "pct" else 1.0
        v = value * scale if isinstance(value, int | float) else math.nan
        if how == "within":
            met = goal[0] <= v <= goal[1]
            text = f"{goal[0]:g} to {goal[1]:g}"
        else:
            met = v > goal if how == "above" else v < goal
            text = f"{'>' if how == 'above' else '<'} {goal:g}{' %' if kind == 'pct' else ''}"
        rows.append((label, text, format_value(value, kind), bool(met)))
    return rows


def targets_table(metrics: dict, targets: dict) -> Table:
    """The targets as a rich table (met in green, not met in red)."""
    table = Table(title="Targets (in-sample: not a forecast)",
                  show_header=True, header_style="bold")
    for col in ("Target", "Goal", "Run", "Met"):
        table.add_column(col, justify="left" if col == "Target" else "right")
    for label, goal, value, met in target_rows(metrics, targets):
        table.add_row(label, goal, value, "met" if met else "not met",
                      style="green" if met else "red")
    return table
