"""Platform codes -> ticklab's ``Retcode`` (MT5 ``TRADE_RETCODE_*`` plus project codes).

An MT5 EA passes ``MqlTradeResult.retcode`` through unchanged; an MT4 EA passes
``GetLastError()`` (0 on success), mapped here onto the MT5 code of the same meaning; an
EA-side refusal (``ack.reason``) becomes one of the ``EA_*`` project codes.  ``kind``
gives the class a runner acts on (docs/protocol.md, "Errors").
"""

from __future__ import annotations

from sim.core.enums import Retcode

# MT4 GetLastError() trade codes -> the MT5 retcode of the same meaning
MT4_TO_MT5 = {
    0: Retcode.DONE,
    1: Retcode.NO_CHANGES,            # ERR_NO_RESULT (OrderModify with the same values)
    2: Retcode.ERROR,                 # ERR_COMMON_ERROR
    3: Retcode.INVALID,               # ERR_INVALID_TRADE_PARAMETERS
    4: Retcode.CONNECTION,            # ERR_SERVER_BUSY
    6: Retcode.CONNECTION,            # ERR_NO_CONNECTION
    8: Retcode.TOO_MANY_REQUESTS,     # ERR_TOO_FREQUENT_REQUESTS
    64: Retcode.TRADE_DISABLED,       # ERR_ACCOUNT_DISABLED
    128: Retcode.TIMEOUT,             # ERR_TRADE_TIMEOUT
    129: Retcode.INVALID_PRICE,       # ERR_INVALID_PRICE
    130: Retcode.INVALID_STOPS,       # ERR_INVALID_STOPS
    131: Retcode.INVALID_VOLUME,      # ERR_INVALID_TRADE_VOLUME
    132: Retcode.MARKET_CLOSED,       # ERR_MARKET_CLOSED
    133: Retcode.TRADE_DISABLED,      # ERR_TRADE_DISABLED
    134: Retcode.NO_MONEY,            # ERR_NOT_ENOUGH_MONEY
    135: Retcode.PRICE_CHANGED,       # ERR_PRICE_CHANGED
    136: Retcode.PRICE_OFF,           # ERR_OFF_QUOTES
    137: Retcode.CONNECTION,          # ERR_BROKER_BUSY
    138: Retcode.REQUOTE,             # ERR_REQUOTE
    139: Retcode.LOCKED,              # ERR_ORDER_LOCKED
    141: Retcode.TOO_MANY_REQUESTS,   # ERR_TOO_MANY_REQUESTS
    145: Retcode.FROZEN,              # ERR_TRADE_MODIFY_DENIED (too close to market)
    146: Retcode.TOO_MANY_REQUESTS,   # ERR_TRADE_CONTEXT_BUSY
    147: Retcode.INVALID_EXPIRATION,  # ERR_TRADE_EXPIRATION_DENIED
    148: Retcode.LIMIT_ORDERS,        # ERR_TRADE_TOO_MANY_ORDERS
    149: Retcode.HEDGE_PROHIBITED,    # ERR_TRADE_HEDGE_PROHIBITED
    150: Retcode.FIFO_CLOSE,          # ERR_TRADE_PROHIBITED_BY_FIFO
    4051: Retcode.INVALID,           # ERR_INVALID_FUNCTION_PARAMVALUE
    4106: Retcode.INVALID,           # ERR_UNKNOWN_SYMBOL
    4107: Retcode.INVALID_PRICE,     # ERR_INVALID_PRICE_PARAM
    4108: Retcode.INVALID_ORDER,     # ERR_INVALID_TICKET
    4109: Retcode.CLIENT_DISABLES_AT,    # ERR_TRADE_NOT_ALLOWED
    4110: Retcode.INVALID_ORDER,     # ERR_LONGS_NOT_ALLOWED
    4111: Retcode.INVALID_ORDER,     # ERR_SHORTS_NOT_ALLOWED
}

ACK_TO_RETCODE = {
    "DUPLICATE": Retcode.EA_DUPLICATE,
    "EXPIRED": Retcode.EA_EXPIRED,
    "MODE_SHADOW": Retcode.EA_SHADOW,
    "KILLED": Retcode.EA_SHADOW,
    "NOT_DEMO": Retcode.EA_SHADOW,
    "NOT_READY": Retcode.EA_NOT_READY,
    "LIMIT_LOTS": Retcode.EA_LIMIT,
    "LIMIT_ORDERS": Retcode.EA_LIMIT,
    "SYMBOL_NOT_ALLOWED": Retcode.EA_SYMBOL,
    "BAD_COMMAND": Retcode.EA_BAD_COMMAND,
}

SUCCESS = frozenset({Retcode.DONE, Retcode.PLACED, Retcode.DONE_PARTIAL, Retcode.NO_CHANGES})
_KIND = {
    "price_moved": {Retcode.REQUOTE, Retcode.PRICE_CHANGED, Retcode.PRICE_OFF},
    "stops": {Retcode.INVALID_STOPS, Retcode.FROZEN},
    "volume": {Retcode.INVALID_VOLUME, Retcode.LIMIT_VOLUME, Retcode.INVALID_CLOSE_VOLUME},
    "margin": {Retcode.NO_MONEY},
    "filling": {Retcode.INVALID_FILL},
    "market_closed": {Retcode.MARKET_CLOSED},
    "trading_disabled": {Retcode.TRADE_DISABLED, Retcode.CLIENT_DISABLES_AT,
                         Retcode.SERVER_DISABLES_AT, Retcode.ONLY_REAL},
    "busy": {Retcode.TOO_MANY_REQUESTS, Retcode.LOCKED, Retcode.CONNECTION, Retcode.TIMEOUT},
}
KIND_OF = {code: kind for kind, codes in _KIND.items() for code in codes}
KNOWN_MT5 = frozenset(int(c) for c in Retcode if c < 20000)


def to_retcode(platform: str, code: int) -> int:
    """The broker's ``code`` (MT5 retcode, or MT4 ``GetLastError``) as a ticklab Retcode."""
    if platform == "MT4":
        return MT4_TO_MT5.get(code, Retcode.EA_UNKNOWN)
    return code if code in KNOWN_MT5 else Retcode.EA_UNKNOWN


def kind(retcode: int) -> str:
    """The class of a ticklab retcode: ``ok``, ``price_moved`` (retry with a new price),
    ``stops``, ``volume``, ``margin``, ``filling``, ``market_closed``, ``trading_disabled``
    (stop trading), ``busy`` (back off), ``ea`` (the EA refused), ``other``."""
    if retcode in SUCCESS:
        return "ok"
    if 20030 <= retcode < 20040:
        return "ea"
    return KIND_OF.get(retcode, "other")
