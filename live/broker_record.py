"""``BrokerRecord``: a demo or production session's records in a backtest's shapes
(``sim.results.RunResult``), made from what the broker reported, so the session is stored
as a run (``runs.mode`` = demo / production) beside the backtests and shadow sessions:
``ticklab runs show``, its metrics and report, ``ticklab runs compare`` with a backtest of
the same window (docs/operations.md).

- **orders**: every order the core sent or denied, as it stands at the end: in flight,
  placed, filled, canceled, expired or rejected, with the broker's order ticket.
- **deals**: every deal the broker made on the account this session (ours, an SL or TP, a
  stop-out, a trader's by hand), with its ticket, order, position, price, profit, commission
  and swap as the broker booked them, and the balance after it; and a row for each order
  refused (denied by risk, refused by the EA, rejected by the broker, expired), as the
  simulated venue journals a refusal.
- **trades**: one per closing deal (full or partial), paired with its position's opening by
  the broker's position id: open time and price (the volume-weighted price of a netting
  position's additions), the closing deal's profit and swap, and the commissions of both
  ends (the opening's pro rata, as the simulated venue books them).  Deals of an earlier
  session (the resume's history) open positions for the pairing and are not this session's.
- **equity**: the broker's balance, equity and margin after each deal and at each snapshot,
  and the core's (the broker's last figures re-priced at each tick) once a second between.
- **positions**: the core's book at the end.

Nothing here is on the order path: a few rows appended per report, one per second.
"""

from __future__ import annotations

import numpy as np

from sim.core.enums import DealEntry, OrderState, Retcode, Side
from sim.core.records import order_dt
from sim.venue.accounting import record_deal_nb
from sim.venue.money import round_money_nb
from sim.venue.orders import journal_denial_nb
from sim.venue.records import account_dt, deal_dt, equity_dt, trade_dt

VOL_EPS = 1e-9


class BrokerRecord:
    def __init__(self, names: list[str], acc_digits: int):
        self.names = names
        self.acct = np.zeros(1, dtype=account_dt)
        self.acct[0]["acc_digits"] = acc_digits
        self.deals = np.zeros(256, dtype=deal_dt)
        self.olog = np.zeros(256, dtype=order_dt)
        self.at: dict[int, int] = {}            # core cid -> its row in ``olog``
        self.trades: list[tuple] = []
        self.equity: list[tuple] = []
        self.open: dict[int, dict] = {}         # position id -> what pairs its closes
        self.history = False                    # replaying an earlier session's deals
        self.initial_balance = np.nan           # the broker's, at its first figures

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
        record_deal_nb(self.deals, self.acct[0], ts, o, int(o["symbol"]), side, DealEntry.IN,
                       0, retcode, float(o["volume"]), float(o["price"]), 0.0, 0.0, 0.0, 0,
                       0.0, 0.0)
        state = OrderState.EXPIRED if retcode == Retcode.EXPIRED else OrderState.REJECTED
        self.state(int(o["cid"]), state)

    # -- deals and trades ---------------------------------------------------------------
    def deal(self, msg, o, ts: int, s: int, position: int) -> None:
        """A deal the broker reported (``msg``: ``live.protocol.Deal``), booked to the
        core's order ``o`` (cid 0: not ours), of ``position``, made at ``ts`` (UTC ns: the
        broker's time of the deal)."""
        side = Side.BUY if msg.deal_type == 0 else Side.SELL
        self._pair(msg, ts, s, side, position)
        if self.history:
            return
        self._room()
        a = self.acct[0]
        a["balance"] = msg.balance
        k = record_deal_nb(self.deals, a, ts, o, s, side, msg.entry, msg.reason, Retcode.DONE,
                           msg.volume, msg.price, msg.profit, msg.commission, msg.swap,
                           position, 0.0, 0.0)
        self.deals[k]["deal"], self.deals[k]["order"] = msg.deal, msg.order
        n = self.at.get(int(o["cid"]))
        if n is not None and not self.olog[n]["arrive_ts"]:     # a market order's execution
            self.olog[n]["arrive_ts"] = ts
        if np.isnan(self.initial_balance):          # the balance before this first deal
            self.initial_balance = msg.balance - msg.profit - msg.commission - msg.swap
        self.account(ts, msg.balance, msg.equity, msg.margin)

    def _pair(self, msg, ts: int, s: int, side: int, pid: int) -> None:
        d = int(self.acct[0]["acc_digits"])
        pos = self.open.get(pid)
        if msg.entry == DealEntry.IN:
            if pos is None:
                self.open[pid] = dict(symbol=s, side=side, volume=msg.volume, price=msg.price,
                                      ts=ts, commission=msg.commission)
            else:                               # netting: added to, at the average price
                total = pos["volume"] + msg.volume
                pos["price"] = (pos["price"] * pos["volume"] + msg.price * msg.volume) / total
                pos["volume"] = total
                pos["commission"] += msg.commission
            return
        if pos is None:     # opened before anything this store kept: its opening unknown
            pos = dict(symbol=s, side=Side.SELL if side == Side.BUY else Side.BUY,
                       volume=msg.volume, price=np.nan, ts=0, commission=0.0)
        closed = min(msg.volume, pos["volume"])
        share = round_money_nb(pos["commission"] * closed / pos["volume"], d)
        exit_part = round_money_nb(msg.commission * closed / msg.volume, d)
        if not self.history:
            self.trades.append((pos["symbol"], pos["side"], closed, pid, pos["ts"],
                                pos["price"], ts, msg.price, msg.profit, share + exit_part,
                                msg.swap, msg.reason))
        pos["volume"] -= closed
        pos["commission"] -= share
        rest = msg.volume - closed
        if pos["volume"] <= VOL_EPS:
            del self.open[pid]
            if rest > VOL_EPS:                  # netting: reversed (INOUT), same id
                self.open[pid] = dict(symbol=s, side=side, volume=rest, price=msg.price,
                                      ts=ts, commission=msg.commission - exit_part)

    def renumber(self, old: int, new: int) -> None:
        """MT4: the rest of a partly closed position goes on under a new ticket."""
        if old in self.open:
            self.open[new] = self.open.pop(old)

    # -- the account --------------------------------------------------------------------
    def account(self, ts: int, balance: float, equity: float, margin: float) -> None:
        """An equity curve point (the broker's figures, or the core's between reports)."""
        if self.history or not np.isfinite(equity):
            return
        if self.equity and self.equity[-1][0] > ts:
            ts = self.equity[-1][0]
        if np.isnan(self.initial_balance):
            self.initial_balance = balance
        self.equity.append((ts, balance, equity, equity, equity, margin))
        a = self.acct[0]
        a["balance"], a["equity"], a["margin"] = balance, equity, margin

    def result(self, core, n_ticks: int):
        """The session's records as a ``sim.results.RunResult``."""
        from sim.results import RunResult

        a = self.acct.copy()
        a[0]["n_trades"], a[0]["n_eq"] = len(self.trades), len(self.equity)
        book = core.record["book"]
        return RunResult(names=self.names, deals=self.deals[: a[0]["n_deals"]].copy(),
                         trades=np.array(self.trades, dtype=trade_dt),
                         equity=np.array(self.equity, dtype=equity_dt),
                         orders=self.olog[: a[0]["n_olog"]].copy(),
                         positions=book[book["active"]].copy(), account=a,
                         decision=core.state.copy(), sstate=core.sstate.copy(),
                         n_ticks=n_ticks, risk_events=core.risk_events.copy())

    @classmethod
    def warm(cls, names: list[str], ts: int) -> None:
        """Compile (or load) the journals' kernels for the argument types used here, on a
        throwaway record (``Runner.warm``: never at a session's first deal)."""
        from live import protocol as P

        rec = cls(names, 2)
        o = np.zeros(2, dtype=order_dt)
        o[0]["state"] = OrderState.REJECTED
        rec.decided(o, ts)
        rec.rejected(o[1], ts, Side.BUY, Retcode.REJECT)
        for entry in (DealEntry.IN, DealEntry.OUT):
            rec.deal(P.Deal(symbol=names[0], deal=1, order=1, position=1, deal_type=0,
                            entry=entry, reason=0, volume=1.0, price=1.0, time_msc=0),
                     o[1], ts, 0, 1)

    def _room(self) -> None:
        """Room for one more row in each journal (doubled when full)."""
        a = self.acct[0]
        if a["n_deals"] + 1 >= len(self.deals):
            self.deals = np.concatenate([self.deals, np.zeros_like(self.deals)])
        if a["n_olog"] + 1 >= len(self.olog):
            self.olog = np.concatenate([self.olog, np.zeros_like(self.olog)])
