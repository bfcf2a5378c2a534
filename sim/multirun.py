"""The closing table of ``ticklab backtest -m``: one row per run of the multirun, its swept
values as columns, best net P&L first (a Hydra callback, ``conf/config.yaml``)."""

from __future__ import annotations

import math

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf


def swept_keys(overrides) -> list[str]:
    """The keys a multirun sweeps: ``key=a,b`` (and Hydra's sweep functions)."""
    keys = []
    for o in overrides:
        key, _, value = str(o).lstrip("+~").partition("=")
        if "," in value and not value.startswith("[") or value.startswith(("range(", "choice(")):
            keys.append(key)
    return keys


class MultirunSummary(Callback):
    """Remembers the store's next run id when the multirun starts; prints its runs at the
    end."""

    def __init__(self) -> None:
        self.first = None

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        from sim.store import open_store

        db = open_store(str(config.store))
        try:
            self.first = int(next(iter(db.query("SELECT COALESCE(MAX(id), 0) AS m FROM runs")))
                             ["m"]) + 1
        finally:
            db.close()

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        import yaml
        from rich import box
        from rich.console import Console
        from rich.table import Table

        from sim.store import open_store

        if self.first is None:
            return
        keys = swept_keys(OmegaConf.select(config, "hydra.overrides.task") or [])
        db = open_store(str(config.store))
        try:
            rows = list(db.query("SELECT id, config_yaml, net_pnl, n_trades, max_dd_pct "
                                 "FROM runs WHERE id >= ? ORDER BY id", [self.first]))
        finally:
            db.close()
        if not rows:
            return
        t = Table(title=f"multirun: {len(rows)} runs, best net P&L first ({config.store})",
                  box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False)
        for name in ("run", *keys, "net P&L", "trades", "max DD %"):
            t.add_column(name, justify="left" if name in keys else "right", no_wrap=True)
        for r in sorted(rows, key=lambda r: -(r["net_pnl"] if r["net_pnl"] is not None
                                              else -math.inf)):
            cfg = yaml.safe_load(r["config_yaml"] or "") or {}
            values = []
            for key in keys:
                node = cfg
                for part in key.split("."):
                    node = node.get(part) if isinstance(node, dict) else None
                values.append(str(node.get("name") if isinstance(node, dict) else node))
            net = r["net_pnl"]
            t.add_row(str(r["id"]), *values, "–" if net is None else f"{net:,.2f}",
                      f"{r['n_trades']:,}",
                      "–" if r["max_dd_pct"] is None else f"{r['max_dd_pct']:.2%}")
        Console().print(t)
