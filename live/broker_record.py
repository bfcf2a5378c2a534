"""``BrokerRecord``: a demo or production session's records in a backtest's shapes
(``sim.results.RunResult``), made from what the broker reported, so the session is stored
as a run (``runs.mode`` = demo / production) beside the backtests and shadow sessions:
``ticklab runs show``, its metrics and report, ``ticklab runs compare`` with a backtest of
the same window (docs/operations.md).

- **orders**: every order the core sent or denied, as it stands at the end: in flight,
  placed, filled, canceled, expired or rejected, with the broker's order ticket, and when
  the broker executed or placed it (``arrive_ts``, the broker's clock).
- **deals**: every deal the broker made on the account this session (ours, an SL or TP, a
  stop-out, a trader's by hand, one made while ticklab was down and resent), with its
  ticket, order, position, price, profit, commission and swap as the broker booked them,
  the balance after it as the EA reported it, and the signal that led to it (ours); and a
  row for each order refused (denied by risk, refused by the EA, rejected by the broker,
  expired), as the simulated venue journals a refusal.  In the broker's order of time.
- **trades**: one per closing deal (full or partial), paired at the end with its
  position's opening by the broker's position id (MT4: the ticket the position carries
  last), the deals taken in the broker's order of time, whatever order they arrived in:
  open time and price (the volume-weighted price of a netting position's additions), the
  closing deal's profit and swap, and the commissions of both ends as the simulated venue
  books them (the symbol's ``commission_entry``).  Deals of an earlier session (the
  resume's history) open positions for the pairing and are not this session's.  A close
  whose opening no deal shows is a trade with its opening unknown: NaN price, held 0 s.
- **equity**: the broker's balance, equity and margin after each deal and at each snapshot
  (the EA's periodic one: ``InpSnapshotSec``).
- **positions**: the core's book at the end.
- **initial balance**: the broker's first snapshot's, less what this session's deals made
  before it (a deal made while ticklab was down, resent, is this session's P&L).

On the order path it costs an order row copy per order; a deal appends a row.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.core.enums import DealEntry, OrderState, Retcode, Side
from sim.core.records import order_dt
from sim.venue.accounting import record_deal_nb
from sim.venue.money import round_money_nb
from sim.venue.orders import journal_denial_nb
from sim.venue.records import account_dt, deal_dt, equity_dt, trade_dt

VOL_EPS = 1e-9


class Fill(NamedTuple):
    """One deal as the broker reported it: the pairing's and the initial balance's input."""

    ts: int                 # the broker's time of it, UTC ns
    deal: int
    symbol: int
    side: int
    entry: int
    volume: float
    price: float
    profit: float
    commission: float
    swap: float
    reason: int
    position: int
    history: bool           # an earlier session's (the resume's replay)
    balance: float          # after it

    @property
    def net(self) -> float:
        return self.profit + self.commission + self.swap


class BrokerRecord:
    def __init__(self, names: list[str], acc_digits: int, commission_entry: list[str]):
        self.names = names
        self.entry_rule = commission_entry          # per symbol: all | in | out
        self.acct = np.zeros(1, dtype=account_dt)
        self.acct[0]["acc_digits"] = acc_digits
        self.deals = np.zeros(256, dtype=deal_dt)
        self.olog = np.zeros(256, dtype=order_dt)
        self.at: dict[int, int] = {}            # core cid -> its row in ``olog``
        self.fills: list[Fill] = []             # every deal, history too
        self.renamed: dict[int, int] = {}       # MT4: a partly closed position's old ticket
        self.equity: list[tuple] = []
        self.first_snapshot: tuple[int, float] | None = None    # (UTC ns, balance)
        self.history = False                    # replaying an earlier session's deals

    # -- orders -------------------------------------------------------------------------
    def decided(self, orders: np.ndarray, ts: int) -> None:
        """A step's outbox: denials (a row in both journals, as the venue's), and orders
        on their way to the EA (in flight)."""
        for k in range(len(orders)):
            self._room()
            o = orders[k]
            if o["state"] == OrderState.REJECTED:
                journal_denial_nb(self.deals, self.acct[0], self.olog, o, ts)
                continue
            n = int(self.acct[0]["n_olog"])
            self.olog[n] = o
            self.olog[n]["state"], self.olog[n]["ticket"] = OrderState.IN_FLIGHT, 0
            self.at[int(o["cid"])] = n
            self.acct[0]["n_olog"] = n + 1

    def state(self, cid: int, state: int, ticket: int = 0, at: int = 0) -> None:
        """Order ``cid`` (this session's) is now in ``state`` (at the broker's ``ticket``;
        ``at``: the broker's time of it, UTC ns, the order's ``arrive_ts`` if the first)."""
        n = self.at.get(cid)
        if n is None or self.history:
            return
        row = self.olog[n]
        row["state"] = state
        if ticket:
            row["ticket"] = ticket
        if at and not row["arrive_ts"]:
            row["arrive_ts"] = at

    def rejected(self, o, ts: int, side: int, retcode: int) -> None:
        """Order ``o`` refused (by the EA, the broker, or gone unfilled) with ``retcode``."""
        if self.history:
            return
        self._room()
        n = self.at.get(int(o["cid"]))          # this session's: its signal as decided
        record_deal_nb(self.deals, self.acct[0], ts, self.olog[n] if n is not None else o,
                       int(o["symbol"]), side, DealEntry.IN, 0, retcode, float(o["volume"]),
                       float(o["price"]), 0.0, 0.0, 0.0, 0, 0.0, 0.0)
        state = OrderState.EXPIRED if retcode == Retcode.EXPIRED else OrderState.REJECTED
        self.state(int(o["cid"]), state)

    # -- deals --------------------------------------------------------------------------
    def deal(self, msg, o, ts: int, s: int, position: int) -> None:
        """A deal the broker reported (``msg``: ``live.protocol.Deal``), booked to the
        core's order ``o`` (cid 0: not ours), of ``position``, made at ``ts`` (UTC ns: the
        broker's time of the deal)."""
        side = Side.BUY if msg.deal_type == 0 else Side.SELL
        self.fills.append(Fill(ts, msg.deal, s, side, msg.entry, msg.volume, msg.price,
                               msg.profit, msg.commission, msg.swap, msg.reason, position,
                               self.history, msg.balance))
        if self.history:
            return
        self._room()
        a = self.acct[0]
        a["balance"] = msg.balance
        n = self.at.get(int(o["cid"]))
        k = record_deal_nb(self.deals, a, ts, self.olog[n] if n is not None else o, s, side,
                           msg.entry, msg.reason, Retcode.DONE, msg.volume, msg.price,
                           msg.profit, msg.commission, msg.swap, position, 0.0, 0.0)
        self.deals[k]["deal"], self.deals[k]["order"] = msg.deal, msg.order
        if n is not None and not self.olog[n]["arrive_ts"]:   # a market order's execution
            self.olog[n]["arrive_ts"] = ts
        self.account(ts, msg.balance, msg.equity, msg.margin)

    def renumber(self, old: int, new: int) -> None:
        """MT4: the rest of a partly closed position goes on under a new ticket."""
        self.renamed[old] = new

    def trades(self) -> np.ndarray:
        """The closing deals of this session paired with their openings (module doc)."""
        d = int(self.acct[0]["acc_digits"])
        out, open_ = [], {}
        for (ts, _, s, side, entry, volume, price, profit, comm, swap, reason, pid,
             history, _) in sorted(self.fills, key=lambda f: (f.ts, f.deal)):
            while pid in self.renamed:
                pid = self.renamed[pid]
            pos = open_.get(pid)
            if entry == DealEntry.IN:
                if pos is None:
                    open_[pid] = dict(symbol=s, side=side, volume=volume, price=price, ts=ts,
                                      commission=comm)
                else:                           # netting: added to, at the average price
                    total = pos["volume"] + volume
                    pos["price"] = (pos["price"] * pos["volume"] + price * volume) / total
                    pos["volume"] = total
                    pos["commission"] += comm
                continue
            if pos is None:                     # its opening unknown (see the module doc)
                pos = open_[pid] = dict(symbol=s, side=Side.SELL if side == Side.BUY
                                        else Side.BUY, volume=volume, price=np.nan, ts=ts,
                                        commission=0.0)
            closed = min(volume, pos["volume"])
            share = round_money_nb(pos["commission"] * closed / pos["volume"], d)
            rule = self.entry_rule[s]           # the venue's split (sim/venue/execution.py)
            part = comm if rule == "out" else 0.0 if rule == "in" else \
                round_money_nb(comm * closed / volume, d)
            if not history:
                out.append((pos["symbol"], pos["side"], closed, pid, pos["ts"], pos["price"],
                            ts, price, profit, share + part, swap, reason))
            pos["volume"] -= closed
            pos["commission"] -= share
            if pos["volume"] <= VOL_EPS:
                del open_[pid]
                if entry == DealEntry.INOUT and volume - closed > VOL_EPS:  # netting: reversed,
                    open_[pid] = dict(symbol=s, side=side, volume=volume - closed,  # same id
                                      price=price, ts=ts, commission=comm - part)
        return np.array(out, dtype=trade_dt)

    # -- the account --------------------------------------------------------------------
    def account(self, ts: int, balance: float, equity: float, margin: float,
                snapshot: bool = False) -> None:
        """An equity curve point (the broker's figures after a deal, or a snapshot's)."""
        if self.history or not np.isfinite(equity):
            return
        self.equity.append((ts, balance, equity, equity, equity, margin))
        a = self.acct[0]                        # (a refusal's row carries the balance now)
        a["balance"], a["equity"], a["margin"] = balance, equity, margin
        if snapshot and self.first_snapshot is None:
            self.first_snapshot = (ts, balance, len(self.fills))

    def initial_balance(self) -> float:
        """The broker's balance when the session began (NaN: it never reported): the first
        snapshot's, less this session's deals in it: those that reached ticklab before it,
        and those made before its second (the EA's snapshot time is whole seconds, a deal's
        milliseconds; a deal resent after a reconnect can come after the snapshot)."""
        if self.first_snapshot is not None:
            at, balance, k = self.first_snapshot
            second = at - at % 1_000_000_000
            return balance - sum(f.net for i, f in enumerate(self.fills)
                                 if not f.history and (i < k or f.ts < second))
        own = [f for f in self.fills if not f.history]
        if own:
            f = min(own, key=lambda f: (f.ts, f.deal))
            return f.balance - f.net                # the balance before the first deal
        return np.nan

    def result(self, core, n_ticks: int):
        """The session's records as a ``sim.results.RunResult``; None if the broker never
        reported the account (no snapshot, no deal): nothing to measure."""
        from sim.results import RunResult

        if not self.equity:
            return None
        a = self.acct.copy()
        deals = self.deals[: a[0]["n_deals"]]
        deals = deals[np.lexsort((deals["deal"], deals["ts"]))]
        trades = self.trades()
        equity = np.array(sorted(self.equity, key=lambda e: e[0]), dtype=equity_dt)
        a[0]["balance"], a[0]["equity"], a[0]["margin"] = (equity[-1]["balance"],
                                                           equity[-1]["equity"],
                                                           equity[-1]["margin"])
        a[0]["n_trades"], a[0]["n_eq"] = len(trades), len(equity)
        book = core.record["book"]
        return RunResult(names=self.names, deals=deals, trades=trades, equity=equity,
                         orders=self.olog[: a[0]["n_olog"]].copy(),
                         positions=book[book["active"]].copy(), account=a,
                         decision=core.state.copy(), sstate=core.sstate.copy(),
                         n_ticks=n_ticks, risk_events=core.risk_events.copy())

    @classmethod
    def warm(cls, names: list[str], ts: int) -> None:
        """Compile (or load) the journals' kernels for the argument types used here, on a
        throwaway record (``Runner.warm``: never at a session's first deal)."""
        from live import protocol as P

        rec = cls(names, 2, ["all"] * len(names))
        o = np.zeros(2, dtype=order_dt)
        o[0]["state"] = OrderState.REJECTED
        rec.decided(o, ts)
        rec.rejected(o[1], ts, Side.BUY, Retcode.REJECT)
        for entry in (DealEntry.IN, DealEntry.OUT):
            rec.deal(P.Deal(symbol=names[0], deal=1, order=1, position=1, deal_type=0,
                            entry=entry, reason=0, volume=1.0, price=1.0, time_msc=0),
                     o[1], ts, 0, 1)
        rec.trades()

    def _room(self) -> None:
        """Room for one more row in each journal (doubled when full)."""
        a = self.acct[0]
        if a["n_deals"] + 1 >= len(self.deals):
            self.deals = np.concatenate([self.deals, np.zeros_like(self.deals)])
        if a["n_olog"] + 1 >= len(self.olog):
            self.olog = np.concatenate([self.olog, np.zeros_like(self.olog)])
