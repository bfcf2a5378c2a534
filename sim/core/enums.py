"""Integer enums usable inside numba kernels (NamedTuple-of-int singletons).

Numeric values follow MetaTrader 5 where MT5 has one (order types, deal entry,
deal reason, trade return codes), so journals compare with MT5 exports.
"""

from __future__ import annotations

from typing import NamedTuple


class EventKindT(NamedTuple):
    TICK: int = 0
    TIMER: int = 1
    FILL: int = 2      # a deal report reaching the decision side
    REJECT: int = 3    # a rejection report reaching the decision side
    ACCOUNT: int = 4   # an account snapshot (balance, equity, margin) from the venue or the EA
    ORDER: int = 5     # a pending order working at the venue: placed, changed, canceled


EventKind = EventKindT()


class TimerKindT(NamedTuple):
    """What a TIMER event marks."""
    DAY: int = 0       # the server day rolled over (after the venue charged swaps)
    WAKE: int = 1      # the instant a stage asked for (``wake_at_nb``: bar close, cool-down)


TimerKind = TimerKindT()


class SideT(NamedTuple):
    BUY: int = 1
    SELL: int = -1


Side = SideT()


class OrderTypeT(NamedTuple):
    """MT5 ``ORDER_TYPE_*``."""
    BUY: int = 0
    SELL: int = 1
    BUY_LIMIT: int = 2
    SELL_LIMIT: int = 3
    BUY_STOP: int = 4
    SELL_STOP: int = 5
    BUY_STOP_LIMIT: int = 6    # at ask >= price a BUY_LIMIT is placed at ``stoplimit``
    SELL_STOP_LIMIT: int = 7   # at bid <= price a SELL_LIMIT is placed at ``stoplimit``
    CLOSE_BY: int = 8          # the order of a Close By request (Action.CLOSE_BY)


OrderType = OrderTypeT()


class OrderTimeT(NamedTuple):
    """MT5 ``ORDER_TIME_*``: lifetime of a pending order (mt-execution.md 6.5)."""
    GTC: int = 0            # until canceled (an ``expiry`` > 0 still applies)
    DAY: int = 1            # until the end of the server day it was placed on
    SPECIFIED: int = 2      # until ``expiry``
    SPECIFIED_DAY: int = 3  # treated like SPECIFIED (``expiry`` is the instant)


OrderTime = OrderTimeT()


class ActionT(NamedTuple):
    """What an intent or order asks the venue to do."""
    TARGET: int = 0    # intent only: reach this signed net volume (routing turns it into orders)
    NEW: int = 1       # market or pending order
    CLOSE: int = 2     # close (part of) position ``ticket``
    MODIFY: int = 3    # change SL/TP of position ``ticket`` or price/SL/TP of pending ``ticket``
    CANCEL: int = 4    # delete pending order ``ticket``
    CLOSE_BY: int = 10  # close position ``ticket`` by the opposite ``by_ticket`` (MT5 TRADE_ACTION_CLOSE_BY)


Action = ActionT()


class OrderStateT(NamedTuple):
    """Lifecycle of an order slot in the venue (MT5 ``ORDER_STATE_*`` where it exists)."""
    FREE: int = -1
    IN_FLIGHT: int = 0   # sent, not yet at the venue (latency)
    PLACED: int = 1      # pending order working at the venue
    CANCELED: int = 2
    FILLED: int = 4
    REJECTED: int = 5
    EXPIRED: int = 6


OrderState = OrderStateT()


class DealEntryT(NamedTuple):
    IN: int = 0
    OUT: int = 1
    INOUT: int = 2
    OUT_BY: int = 3


DealEntry = DealEntryT()


class DealReasonT(NamedTuple):
    """MT5 ``DEAL_REASON_*``."""
    CLIENT: int = 0
    EXPERT: int = 3
    SL: int = 4
    TP: int = 5
    SO: int = 6
    ROLLOVER: int = 7


DealReason = DealReasonT()


class RetcodeT(NamedTuple):
    """MT5 ``TRADE_RETCODE_*`` plus project codes (>= 20000) for risk/routing."""
    DONE: int = 10009
    REQUOTE: int = 10004
    REJECT: int = 10006
    CANCEL: int = 10007
    INVALID: int = 10013
    INVALID_VOLUME: int = 10014
    INVALID_PRICE: int = 10015
    INVALID_STOPS: int = 10016
    MARKET_CLOSED: int = 10018
    NO_MONEY: int = 10019
    PRICE_OFF: int = 10021
    INVALID_EXPIRATION: int = 10022
    FROZEN: int = 10029
    LIMIT_ORDERS: int = 10033
    INVALID_ORDER: int = 10035
    POSITION_CLOSED: int = 10036
    INVALID_CLOSE_VOLUME: int = 10038
    REJECT_CANCEL: int = 10041
    EXPIRED: int = 20010    # project code: a pending order reached its expiry
    RISK_HALTED: int = 20002     # the kill switch, or REDUCING / HALTED: no new exposure
    RISK_MAX_LOTS: int = 20003
    BOOK_FULL: int = 20004
    RISK_MAX_NOTIONAL: int = 20011
    RISK_COLLAR: int = 20012
    RISK_SPREAD: int = 20013
    RISK_STALE_QUOTE: int = 20014
    RISK_MAX_POSITION: int = 20015
    RISK_MAX_GROSS: int = 20016
    RISK_MAX_POSITIONS: int = 20017
    RISK_MAX_PENDING: int = 20018
    RISK_MARGIN_LEVEL: int = 20019
    RISK_THROTTLE: int = 20020
    RISK_MAX_FILLS: int = 20021
    RISK_NO_SL: int = 20022
    RISK_LOSS_PER_TRADE: int = 20023
    RISK_SESSION: int = 20024
    RISK_DAILY_LOSS: int = 20025    # state changes: the rule that moved the trading state
    RISK_DRAWDOWN: int = 20026
    RISK_LOSS_STREAK: int = 20027
    RISK_REARM: int = 20028         # back to ACTIVE (the next server day, a cool-down's end)
    RISK_COMMAND: int = 20029       # set by a command (DecisionCore.set_trading_state)
    # MT5 retcodes only a live broker produces (live/retcodes.py maps MT4 errors onto these)
    PLACED: int = 10008
    DONE_PARTIAL: int = 10010
    ERROR: int = 10011
    TIMEOUT: int = 10012
    TRADE_DISABLED: int = 10017
    PRICE_CHANGED: int = 10020
    TOO_MANY_REQUESTS: int = 10024
    NO_CHANGES: int = 10025
    SERVER_DISABLES_AT: int = 10026
    CLIENT_DISABLES_AT: int = 10027
    LOCKED: int = 10028
    INVALID_FILL: int = 10030
    CONNECTION: int = 10031
    ONLY_REAL: int = 10032
    LIMIT_VOLUME: int = 10034
    LIMIT_POSITIONS: int = 10040
    CLOSE_ONLY: int = 10044
    FIFO_CLOSE: int = 10045
    HEDGE_PROHIBITED: int = 10046
    # project codes: the EA refused the command itself (its ack), or the link lost it
    EA_DUPLICATE: int = 20030
    EA_EXPIRED: int = 20031         # past its deadline when the EA read it
    EA_SHADOW: int = 20032          # the EA is in shadow mode (or killed, or not demo)
    EA_NOT_READY: int = 20033       # no hello_ack yet
    EA_LIMIT: int = 20034           # the EA's own max lots / max orders
    EA_SYMBOL: int = 20035          # symbol not in the EA's allow-list
    EA_BAD_COMMAND: int = 20036
    EA_UNREACHABLE: int = 20037     # the EA was not connected: never sent
    EA_NO_ANSWER: int = 20038       # no answer before the command's deadline
    EA_UNKNOWN: int = 20039         # a platform code ticklab does not know


Retcode = RetcodeT()

RETCODE_DESC: dict[int, str] = {
    Retcode.DONE: "done",
    Retcode.REQUOTE: "requote: price moved beyond the deviation",
    Retcode.REJECT: "rejected",
    Retcode.CANCEL: "canceled by the trader",
    Retcode.INVALID: "invalid request (Close By: same position, same side or another symbol)",
    Retcode.INVALID_VOLUME: "invalid volume (min/max/step)",
    Retcode.INVALID_PRICE: "invalid price (not a tick multiple or wrong side)",
    Retcode.INVALID_STOPS: "invalid stops: SL/TP/pending price inside the stops level or on the wrong side",
    Retcode.MARKET_CLOSED: "market closed",
    Retcode.NO_MONEY: "not enough free margin",
    Retcode.PRICE_OFF: "no quote for the symbol yet",
    Retcode.INVALID_EXPIRATION: "invalid expiration (in the past)",
    Retcode.FROZEN: "inside the freeze level: cannot modify, delete or close",
    Retcode.LIMIT_ORDERS: "too many pending orders",
    Retcode.INVALID_ORDER: "order type not allowed (Close By: netting account or symbol without "
                           "close-by)",
    Retcode.POSITION_CLOSED: "position or order already closed",
    Retcode.INVALID_CLOSE_VOLUME: "close volume exceeds the position",
    Retcode.REJECT_CANCEL: "pending order activation rejected (no margin) and canceled",
    Retcode.EXPIRED: "pending order expired (ORDER_TIME_DAY at the server day end, or its expiry)",
    Retcode.RISK_HALTED: "risk: trading halted",
    Retcode.RISK_MAX_LOTS: "risk: order volume above the limit",
    Retcode.RISK_MAX_NOTIONAL: "risk: order notional above max_notional",
    Retcode.RISK_COLLAR: "risk: order price farther from mid than collar_points",
    Retcode.RISK_SPREAD: "risk: spread above max_spread_points",
    Retcode.RISK_STALE_QUOTE: "risk: quote older than max_tick_age_ms",
    Retcode.RISK_MAX_POSITION: "risk: net position would exceed max_position_lots",
    Retcode.RISK_MAX_GROSS: "risk: gross lots would exceed max_gross_lots",
    Retcode.RISK_MAX_POSITIONS: "risk: max_open_positions reached",
    Retcode.RISK_MAX_PENDING: "risk: max_pending_orders reached",
    Retcode.RISK_MARGIN_LEVEL: "risk: margin level below min_margin_level_pct",
    Retcode.RISK_THROTTLE: "risk: max_orders per orders_window_s reached",
    Retcode.RISK_MAX_FILLS: "risk: max_fills_per_day reached",
    Retcode.RISK_NO_SL: "risk: require_sl and the order has no stop loss",
    Retcode.RISK_LOSS_PER_TRADE: "risk: loss at the stop loss above max_loss_per_trade",
    Retcode.RISK_SESSION: "risk: outside the sessions or inside a blackout",
    Retcode.RISK_DAILY_LOSS: "risk: daily_loss_pct breached: HALTED until the next server day",
    Retcode.RISK_DRAWDOWN: "risk: max_drawdown_pct breached: HALTED until re-armed",
    Retcode.RISK_LOSS_STREAK: "risk: max_consecutive_losses: REDUCING for cooldown_s",
    Retcode.RISK_REARM: "risk: re-armed (ACTIVE)",
    Retcode.RISK_COMMAND: "risk: trading state set by command",
    Retcode.BOOK_FULL: "simulator position table full (sim.core.records.BOOK positions)",
    Retcode.PLACED: "order placed",
    Retcode.DONE_PARTIAL: "done in part",
    Retcode.ERROR: "request processing error",
    Retcode.TIMEOUT: "request canceled by timeout",
    Retcode.TRADE_DISABLED: "trading disabled for the symbol or account",
    Retcode.PRICE_CHANGED: "prices changed",
    Retcode.TOO_MANY_REQUESTS: "too many requests (trade context busy)",
    Retcode.NO_CHANGES: "no changes in the request",
    Retcode.SERVER_DISABLES_AT: "autotrading disabled by the server",
    Retcode.CLIENT_DISABLES_AT: "autotrading disabled by the terminal (Algo Trading off)",
    Retcode.LOCKED: "request locked for processing",
    Retcode.INVALID_FILL: "filling mode not allowed for the symbol",
    Retcode.CONNECTION: "no connection with the trade server",
    Retcode.ONLY_REAL: "operation allowed only for live accounts",
    Retcode.LIMIT_VOLUME: "volume limit for the symbol reached",
    Retcode.LIMIT_POSITIONS: "position limit reached",
    Retcode.CLOSE_ONLY: "symbol is close-only",
    Retcode.FIFO_CLOSE: "FIFO rule: close the oldest position first",
    Retcode.HEDGE_PROHIBITED: "hedging prohibited on the account",
    Retcode.EA_DUPLICATE: "EA: duplicate cid (answered with its first result)",
    Retcode.EA_EXPIRED: "EA: command past its deadline, not sent",
    Retcode.EA_SHADOW: "EA: in shadow mode (or killed, or not a demo account), not sent",
    Retcode.EA_NOT_READY: "EA: no hello_ack yet, not sent",
    Retcode.EA_LIMIT: "EA: its own max lots / max orders limit",
    Retcode.EA_SYMBOL: "EA: symbol not in its allow-list",
    Retcode.EA_BAD_COMMAND: "EA: malformed command",
    Retcode.EA_UNREACHABLE: "EA not connected: command never sent",
    Retcode.EA_NO_ANSWER: "EA: no answer before the command's deadline",
    Retcode.EA_UNKNOWN: "a platform code ticklab does not know (see the journal)",
}


class AccountModeT(NamedTuple):
    """MT5 ``ACCOUNT_MARGIN_MODE_*``."""
    NETTING: int = 0
    HEDGING: int = 2


AccountMode = AccountModeT()


class CalcModeT(NamedTuple):
    """MT5 ``SYMBOL_CALC_MODE_*``."""
    FOREX: int = 0
    FUTURES: int = 1
    CFD: int = 2
    CFDINDEX: int = 3
    CFDLEVERAGE: int = 4
    FOREX_NO_LEVERAGE: int = 5


CalcMode = CalcModeT()


class SwapModeT(NamedTuple):
    """MT5 ``SYMBOL_SWAP_MODE_*`` (the subset the venue books)."""
    DISABLED: int = 0
    POINTS: int = 1
    CURRENCY_DEPOSIT: int = 4
    INTEREST_OPEN: int = 6


SwapMode = SwapModeT()


class CommissionModeT(NamedTuple):
    """How a symbol's commission is priced (mt-execution.md 5.1)."""
    PER_LOT: int = 0
    PER_MILLION: int = 1   # per million of the deal's notional in account currency


CommissionMode = CommissionModeT()


class CommissionEntryT(NamedTuple):
    """Which deals pay commission (mt-execution.md 5.2)."""
    ALL: int = 0           # every deal, its whole volume
    IN: int = 1            # only the volume a deal opens
    OUT: int = 2           # only the volume a deal closes


CommissionEntry = CommissionEntryT()


class DealTypeT(NamedTuple):
    """MT5 ``DEAL_TYPE_*`` (the subset the venue books)."""
    BUY: int = 0
    SELL: int = 1


DealType = DealTypeT()


class ConvModeT(NamedTuple):
    """How a currency converts into the account currency."""
    SAME: int = 0       # already the account currency
    MULTIPLY: int = 1   # pair CCY/ACC: amount * rate
    DIVIDE: int = 2     # pair ACC/CCY: amount / rate


ConvMode = ConvModeT()


class TriggerFillT(NamedTuple):
    """Price of a triggered pending order or SL/TP (mt-execution.md 1.5)."""
    MT5: int = 0                    # the triggering tick's bid/ask (gaps fill at the gapped quote)
    ORDER_PRICE: int = 1            # the order's own level (MT4 tester)
    NO_POSITIVE_SLIPPAGE: int = 2   # stops/SL at market, limits/TP at their level


TriggerFill = TriggerFillT()


class ExeModeT(NamedTuple):
    """MT5 ``SYMBOL_TRADE_EXECUTION_*`` (mt-execution.md 6.1-6.2)."""
    REQUEST: int = 0     # like INSTANT: the requested price must hold within the deviation
    INSTANT: int = 1     # fill at the current price within ``deviation`` points, else requote
    MARKET: int = 2      # the broker's price, no requotes (the default)


ExeMode = ExeModeT()


class FillOnT(NamedTuple):
    ARRIVAL: int = 0     # quote in force when the request reaches the venue
    NEXT_TICK: int = 1   # first tick at or after the arrival


FillOn = FillOnT()


class DistKindT(NamedTuple):
    """Latency / slippage distributions."""
    CONSTANT: int = 0
    UNIFORM: int = 1       # uniform in [a, b]
    EXPONENTIAL: int = 2   # a + Exp(mean b)


DistKind = DistKindT()


class SlippageKindT(NamedTuple):
    NONE: int = 0
    FIXED: int = 1         # a points, adverse
    SPREAD: int = 2        # a x current spread, adverse
    SAMPLED: int = 3       # Exp(mean a points) adverse, capped at b points


SlippageKind = SlippageKindT()


class TradingStateT(NamedTuple):
    """Risk's trading state: everything allowed / only exposure-reducing orders / nothing."""
    ACTIVE: int = 0
    REDUCING: int = 1
    HALTED: int = 2


TradingState = TradingStateT()


class StatusT(NamedTuple):
    """Return codes of the replay kernel."""
    DONE: int = 0
    NEED_SPACE: int = 1
    OVERFLOW: int = 2     # one tick wrote more rows than the headroom: the run is void


Status = StatusT()
