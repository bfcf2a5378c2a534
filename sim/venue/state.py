"""``VenueState``: every array of the simulated venue for one run, made from config.

The journals (orders table, deals, trades, the event queue to the core, equity curve,
order log) are preallocated; when a kernel reports that one lacks room for the next tick
(``Status.NEED_SPACE``) ``grow()`` enlarges it and the caller resumes: all state is in
the arrays, so a resumed run is identical to an uninterrupted one.
"""

from __future__ import annotations

import numpy as np

from sim.config import (
    AccountConfig,
    ExecutionConfig,
    account_mode,
    exec_record,
    money_digits,
    symbol_records,
)
from sim.core.enums import OrderState
from sim.core.records import BOOK, NO_TS, event_dt, order_dt, position_dt
from sim.data.symbols import SymbolSpec
from sim.venue.band import leave_band_nb
from sim.venue.latency import rng_seed
from sim.venue.orders import journal_order_states_nb
from sim.venue.records import account_dt, deal_dt, equity_dt, trade_dt

POSITIONS = BOOK      # the decision core mirrors every open position in its book

# positions, orders, deals, trades, reports, acct, cfg, syms, qb, qa, tmp, equity, olog:
# the kernels' argument order (sim/venue/orders.py)
ORDERS, DEALS, TRADES, REPORTS, ACCT, CFG, SYMS, EQUITY, OLOG = 1, 2, 3, 4, 5, 6, 7, 11, 12


def free_orders(n: int) -> np.ndarray:
    """An order table of ``n`` free slots."""
    o = np.zeros(n, dtype=order_dt)
    o["state"] = OrderState.FREE
    return o


class VenueState:
    """The simulated venue's arrays (``V``, in kernel argument order) for one account.

    Args:
        specs: the symbols, in the order events index them.
        execution, account: the execution model and the account.
        span_ns: the time the run covers (sizes the equity curve; it grows if needed).
        first_rollover: the first server midnight the run will pass (or ``NO_TS``).
    """

    def __init__(self, specs: list[SymbolSpec], execution: ExecutionConfig,
                 account: AccountConfig, span_ns: int = 0, first_rollover: int = NO_TS):
        self.names = [s.name for s in specs]
        n_sym = len(specs)
        syms = symbol_records(specs, account)
        cfg = exec_record(execution, account)
        acct = np.zeros(1, dtype=account_dt)
        a = acct[0]
        a["balance"] = account.balance
        a["equity"] = account.balance
        a["leverage"] = account.leverage
        a["so_call"] = account.margin_call
        a["so_level"] = account.stop_out
        a["acc_digits"] = money_digits(account.currency)
        a["mode"] = account_mode(account)
        a["next_ticket"] = 1001
        a["next_deal"] = 1
        a["rng"] = rng_seed(execution.seed)
        a["day_end"] = first_rollover
        n_eq = span_ns // max(int(cfg[0]["eq_bucket_ns"]), 1) + 16
        self.V = [np.zeros(POSITIONS, dtype=position_dt), free_orders(256),
                  np.zeros(1024, dtype=deal_dt), np.zeros(1024, dtype=trade_dt),
                  np.zeros(256, dtype=event_dt), acct, cfg, syms,
                  np.zeros(n_sym), np.zeros(n_sym), np.zeros(1, dtype=order_dt),
                  np.zeros(n_eq, dtype=equity_dt), np.zeros(1024, dtype=order_dt)]

    @property
    def account(self):
        """The account record (``account_dt``)."""
        return self.V[ACCT][0]

    @property
    def syms(self) -> np.ndarray:
        """The ``symbol_dt`` rows (the decision core takes the same ones)."""
        return self.V[SYMS]

    def grow(self) -> None:
        """Grow every journal that lacks ``acct.need_room`` free rows (fourfold steps)."""
        a = self.account
        room = int(a["need_room"])
        for k, used in ((ORDERS, "n_orders"), (DEALS, "n_deals"), (TRADES, "n_trades"),
                        (REPORTS, "n_reports"), (EQUITY, "n_eq"), (OLOG, "n_olog")):
            arr = self.V[k]
            size = len(arr)
            while size < int(a[used]) + room:
                size *= 4                   # few regrowths (each is a copy and a re-entry)
            if size != len(arr):
                new = free_orders(size) if k == ORDERS else np.zeros(size, arr.dtype)
                new[: len(arr)] = arr
                self.V[k] = new

    def overflow_message(self, ts: int) -> str:
        a = self.account
        return (f"simulator journal overflow at ts {ts}: one tick produced more "
                f"deals/reports/orders than the per-tick headroom (deals {int(a['n_deals'])}/"
                f"{len(self.V[DEALS])}, orders {int(a['n_olog'])}/{len(self.V[OLOG])}); the run "
                f"is void. Raise sim.venue.tick.HEADROOM or reduce the orders a strategy "
                f"sends per event.")

    def settle(self) -> None:
        """Price the quiet band's position (if any) so the arrays read as on every tick."""
        V = self.V
        if self.account["band"]:
            leave_band_nb(V[0], self.account, V[SYMS], V[8], V[9], V[EQUITY])

    def journals(self) -> dict:
        """The used part of each journal (views) and the still-open positions (a copy).

        The order journal's rows show each order as it stands (``state``, ``ticket``).
        """
        self.settle()
        a = self.account
        journal_order_states_nb(self.V[ORDERS], a, self.V[OLOG])
        pos = self.V[0]
        return dict(deals=self.V[DEALS][: a["n_deals"]], trades=self.V[TRADES][: a["n_trades"]],
                    equity=self.V[EQUITY][: a["n_eq"]], orders=self.V[OLOG][: a["n_olog"]],
                    positions=pos[pos["active"]].copy(), account=self.V[ACCT].copy())
