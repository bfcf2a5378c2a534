"""The EA <-> ticklab wire protocol, version 1 (docs/protocol.md).

One UTF-8 JSON object per ZeroMQ frame, decoded strictly: a schema per message kind
(``msgspec`` Structs: required fields, types, bounds, no unknown field), a size limit
checked before parsing, no NaN or Infinity (not JSON).  Never ``eval``, never pickle.
A frame that fails is a ``ProtocolError`` with one line saying what is wrong: the caller
logs and counts it and goes on (a bad message is never fatal).

Every message carries the envelope ``v`` (protocol version), ``type`` (its kind),
``seq`` (per direction and connection, +1 per message from 1) and ``sent_ms`` (the
sender's monotonic clock, ms: latency statistics only, never a market time).

Times in the market sense are broker *server* time in ms (``time_msc``), converted to
UTC by the account's configured ``server_tz``.  Prices are JSON numbers written with the
symbol's digits.  The MQL side mirrors the constants of this module in
``mql/Include/Ticklab/Protocol.mqh`` (tests/live/test_protocol.py checks they agree).
"""

from __future__ import annotations

import time
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

VERSION = 1
MAX_FRAME_BYTES = 65_536          # a frame above this is refused unread
MAX_SNAPSHOT_ROWS = 1_000         # positions or orders in one snapshot
MAX_SYMBOLS = 64                  # symbols in one hello / subscribe / allow-list

Ms = Annotated[int, Meta(ge=0, le=9_000_000_000_000)]   # ms; x 1e6 still fits int64 ns
Ticket = Annotated[int, Meta(ge=0, le=2**63 - 1)]
Price = Annotated[float, Meta(ge=0.0, le=1e12)]
Lots = Annotated[float, Meta(ge=0.0, le=1e6)]
Money = Annotated[float, Meta(ge=-1e15, le=1e15)]
Symbol = Annotated[str, Meta(min_length=1, max_length=32)]
Cid = Annotated[str, Meta(min_length=1, max_length=24, pattern=r"^[A-Za-z0-9_.:-]+$")]
Text = Annotated[str, Meta(max_length=256)]
OrderTypeCode = Annotated[int, Meta(ge=0, le=8)]      # MT5 ENUM_ORDER_TYPE (= sim OrderType)
Mode = Literal["shadow", "demo", "production"]

# ack.reason: the EA's own refusals (before anything reaches the broker)
ACK_OK = "OK"
ACK_REASONS = ("OK", "DUPLICATE", "EXPIRED", "MODE_SHADOW", "NOT_READY", "LIMIT_LOTS",
               "LIMIT_ORDERS", "SYMBOL_NOT_ALLOWED", "KILLED", "BAD_COMMAND", "NOT_DEMO")


class Msg(Struct, tag_field="type", forbid_unknown_fields=True, omit_defaults=True,
          kw_only=True):
    """The envelope every message shares: the sender stamps it (``Codec.encode``), the
    receiver requires it (a message without ``v`` or ``seq`` is refused)."""

    v: Annotated[int, Meta(ge=0, le=255)] = 0
    seq: Annotated[int, Meta(ge=0, le=2**63 - 1)] = 0
    sent_ms: Ms = 0


# -- EA -> ticklab ------------------------------------------------------------------------

class Limits(Struct, forbid_unknown_fields=True):
    max_lots: Lots                # per order
    max_orders: Annotated[int, Meta(ge=0, le=10_000)]   # open positions + pendings
    symbols: Annotated[list[Symbol], Meta(max_length=MAX_SYMBOLS)]   # allow-list ([] = none)


class Hello(Msg, tag="hello"):
    platform: Literal["MT4", "MT5"]
    build: Annotated[int, Meta(ge=0)]
    ea_version: Text
    login: Annotated[int, Meta(ge=0)]
    server: Text
    company: Text
    currency: Annotated[str, Meta(min_length=3, max_length=8)]
    leverage: Annotated[int, Meta(ge=1, le=100_000)]
    margin_mode: Literal["netting", "hedging", "exchange"]
    trade_mode: Literal["demo", "contest", "real"]
    ea_mode: Mode
    limits: Limits
    server_time_ms: Ms
    gmt_offset_s: Annotated[int, Meta(ge=-14 * 3600, le=14 * 3600)]
    dlls_allowed: bool
    trade_allowed: bool
    symbols: Annotated[list[Symbol], Meta(max_length=MAX_SYMBOLS)] = []


class SymbolSpec(Msg, tag="symbol_spec"):
    symbol: Symbol
    digits: Annotated[int, Meta(ge=0, le=10)]
    point: Annotated[float, Meta(gt=0.0)]
    tick_size: Annotated[float, Meta(gt=0.0)]
    tick_value: Annotated[float, Meta(ge=0.0)]
    contract_size: Annotated[float, Meta(gt=0.0)]
    volume_min: Lots
    volume_max: Lots
    volume_step: Lots
    stops_level: Annotated[int, Meta(ge=0)]
    freeze_level: Annotated[int, Meta(ge=0)]
    filling_modes: Annotated[int, Meta(ge=0, le=15)] = 0
    trade_mode: Annotated[int, Meta(ge=0, le=4)] = 4      # SYMBOL_TRADE_MODE_FULL
    swap_long: Money = 0.0
    swap_short: Money = 0.0


class Tick(Msg, tag="tick"):
    symbol: Symbol
    time_msc: Ms                  # broker server time, ms
    bid: Price
    ask: Price
    sym_seq: Annotated[int, Meta(ge=1)]                 # per-symbol counter: a gap is a lost tick
    last: Price = 0.0
    volume: Lots = 0.0
    flags: Annotated[int, Meta(ge=0, le=255)] = 0
    conflated: bool = False       # MT4: a polled snapshot, not every tick


class Ack(Msg, tag="ack"):
    cid: Cid
    ok: bool
    reason: Literal[ACK_REASONS] = ACK_OK
    code: int = 0


class OrderResult(Msg, tag="order_result"):
    """The broker's answer to one command (MT5 ``MqlTradeResult``; MT4 ``GetLastError``)."""

    cid: Cid
    retcode: int                  # MT5 TRADE_RETCODE_*, or the MT4 error code (0 = done)
    order: Ticket = 0
    deal: Ticket = 0
    position: Ticket = 0
    price: Price = 0.0
    volume: Lots = 0.0
    bid: Price = 0.0
    ask: Price = 0.0
    comment: Text = ""
    latency_ms: Annotated[float, Meta(ge=0.0)] = 0.0
    old_ticket: Ticket = 0        # MT4 partial close: the ticket that was closed in part
    new_ticket: Ticket = 0        # ... and the remainder's new ticket


class Deal(Msg, tag="deal"):
    """One deal (MT5 ``OnTradeTransaction`` TRADE_TRANSACTION_DEAL_ADD; MT4: a diff of the
    order list).  ``cid`` is empty for deals no command of ours caused (SL, TP, stop-out)."""

    symbol: Symbol
    deal: Ticket
    order: Ticket
    position: Ticket
    deal_type: Annotated[int, Meta(ge=0, le=1)]       # DEAL_TYPE_BUY / SELL
    entry: Annotated[int, Meta(ge=0, le=3)]           # IN, OUT, INOUT, OUT_BY
    reason: Annotated[int, Meta(ge=0, le=31)]         # ENUM_DEAL_REASON (SL 4, TP 5, SO 6...)
    volume: Lots
    price: Price
    time_msc: Ms
    order_type: OrderTypeCode = 0
    cid: Annotated[str, Meta(max_length=24)] = ""
    profit: Money = 0.0
    commission: Money = 0.0
    swap: Money = 0.0
    balance: Money = 0.0          # the account after the deal
    equity: Money = 0.0
    margin: Money = 0.0


class OrderUpdate(Msg, tag="order_update"):
    """A pending order placed, modified, turned from stop-limit to limit, or gone."""

    symbol: Symbol
    order: Ticket
    order_type: OrderTypeCode
    state: Literal["placed", "canceled", "expired", "filled", "rejected"]
    volume: Lots
    price: Price
    time_msc: Ms
    cid: Annotated[str, Meta(max_length=24)] = ""
    sl: Price = 0.0
    tp: Price = 0.0
    expiry_ms: Ms = 0


class PositionRow(Struct, forbid_unknown_fields=True, omit_defaults=True):
    ticket: Ticket                # the position's identifier (MT5 POSITION_IDENTIFIER, MT4
                                  # ticket): what deals' ``position`` and ``close`` carry
    symbol: Symbol
    side: Literal[1, -1]
    volume: Lots
    price: Price
    open_time_msc: Ms
    sl: Price = 0.0
    tp: Price = 0.0
    swap: Money = 0.0
    commission: Money = 0.0
    profit: Money = 0.0
    magic: Annotated[int, Meta(ge=0)] = 0
    comment: Text = ""


class OrderRow(Struct, forbid_unknown_fields=True, omit_defaults=True):
    ticket: Ticket
    symbol: Symbol
    order_type: OrderTypeCode
    volume: Lots
    price: Price
    sl: Price = 0.0
    tp: Price = 0.0
    expiry_ms: Ms = 0
    magic: Annotated[int, Meta(ge=0)] = 0
    comment: Text = ""


class AccountRow(Struct, forbid_unknown_fields=True, omit_defaults=True):
    balance: Money
    equity: Money
    margin: Money
    free_margin: Money = 0.0
    margin_level: Annotated[float, Meta(ge=0.0)] = 0.0


class Snapshot(Msg, tag="snapshot"):
    account: AccountRow
    positions: Annotated[list[PositionRow], Meta(max_length=MAX_SNAPSHOT_ROWS)] = []
    orders: Annotated[list[OrderRow], Meta(max_length=MAX_SNAPSHOT_ROWS)] = []
    last_seq_in: Annotated[int, Meta(ge=0)] = 0
    time_msc: Ms = 0
    cid: Annotated[str, Meta(max_length=24)] = ""   # the snapshot_req it answers ("" periodic)


class Heartbeat(Msg, tag="heartbeat"):
    """Both directions, about every second."""

    last_seq_in: Annotated[int, Meta(ge=0)] = 0
    uptime_s: Annotated[float, Meta(ge=0.0)] = 0.0
    ticks_sent: Annotated[int, Meta(ge=0)] = 0
    send_drops: Annotated[int, Meta(ge=0)] = 0
    cmd_recv: Annotated[int, Meta(ge=0)] = 0
    terminal_connected: bool = True
    trade_allowed: bool = True
    state: Annotated[int, Meta(ge=0, le=2)] = 0     # ticklab -> EA: TradingState


class Status(Msg, tag="status"):
    terminal_connected: bool
    trade_allowed: bool
    algo_trading: bool
    reason: Text = ""


class Error(Msg, tag="error"):
    """Either direction: a fault the sender noticed (a bad frame, a version mismatch)."""

    code: int
    where: Text
    text: Text


class Bye(Msg, tag="bye"):
    reason: int = 0               # MQL REASON_* (EA) or 0


# -- ticklab -> EA ------------------------------------------------------------------------

class HelloAck(Msg, tag="hello_ack"):
    session_id: Annotated[str, Meta(min_length=1, max_length=16)]
    mode: Mode
    heartbeat_ms: Annotated[int, Meta(ge=100, le=60_000)] = 1000
    symbols: Annotated[list[Symbol], Meta(max_length=MAX_SYMBOLS)] = []   # to stream


class Place(Msg, tag="place"):
    cid: Cid
    symbol: Symbol
    order_type: OrderTypeCode
    volume: Lots
    deadline_ms: Ms               # the EA's own clock (its sent_ms): refused EXPIRED after it
    price: Price = 0.0            # pendings; 0 for market orders (the EA prices them)
    stoplimit: Price = 0.0
    sl: Price = 0.0               # absolute prices, never points
    tp: Price = 0.0
    deviation_points: Annotated[int, Meta(ge=0, le=100_000)] = 0
    type_time: Annotated[int, Meta(ge=0, le=3)] = 0
    expiry_ms: Ms = 0             # server time
    magic: Annotated[int, Meta(ge=0)] = 0
    position: Ticket = 0          # netting/hedging: the position this deal closes (0: new)


class Modify(Msg, tag="modify"):
    cid: Cid
    ticket: Ticket                # an order or a position
    deadline_ms: Ms
    price: Price = 0.0
    sl: Price = 0.0
    tp: Price = 0.0
    expiry_ms: Ms = 0


class Close(Msg, tag="close"):
    cid: Cid
    position: Ticket
    volume: Lots
    deadline_ms: Ms
    deviation_points: Annotated[int, Meta(ge=0, le=100_000)] = 0


class CloseBy(Msg, tag="close_by"):
    cid: Cid
    position: Ticket
    by_position: Ticket
    deadline_ms: Ms


class Cancel(Msg, tag="cancel"):
    cid: Cid
    order: Ticket
    deadline_ms: Ms


class Kill(Msg, tag="kill"):
    """Close everything in scope and stay in shadow until a new hello_ack re-arms."""

    cid: Cid
    scope: Annotated[str, Meta(min_length=1, max_length=32)] = "all"   # "all" or a symbol
    flatten: bool = True


class SnapshotReq(Msg, tag="snapshot_req"):
    """Answered by every ``deal`` of ours at or after ``deals_from_msc`` (server time; 0:
    none), resent, then the ``snapshot``: deals lost on a broken link are recovered (the
    receiver books a deal ticket once) before the positions are compared."""

    cid: Cid
    deals_from_msc: Ms = 0


EA_TO_TICKLAB = (Hello, SymbolSpec, Tick, Ack, OrderResult, Deal, OrderUpdate, Snapshot,
                 Heartbeat, Status, Error, Bye)
TICKLAB_TO_EA = (HelloAck, Place, Modify, Close, CloseBy, Cancel, Kill, SnapshotReq,
                 Heartbeat, Error, Bye)
COMMANDS = (Place, Modify, Close, CloseBy, Cancel, Kill)
KINDS = sorted({m.__struct_config__.tag for m in EA_TO_TICKLAB + TICKLAB_TO_EA})


class ProtocolError(ValueError):
    """A frame that is not a valid message; ``reason`` is a short label for counters."""

    def __init__(self, reason: str, text: str):
        super().__init__(text)
        self.reason = reason


class Codec:
    """Encode our messages, strictly decode the peer's (one instance per direction)."""

    def __init__(self, incoming: tuple[type, ...]):
        self._dec = msgspec.json.Decoder(incoming[0] if len(incoming) == 1 else
                                         _union(incoming))
        self._enc = msgspec.json.Encoder()
        self.kinds = {m.__struct_config__.tag for m in incoming}

    def decode(self, frame: bytes) -> Msg:
        """A frame -> its message, or ``ProtocolError`` (oversized, not JSON, not ours)."""
        if len(frame) > MAX_FRAME_BYTES:
            raise ProtocolError("oversized", f"frame of {len(frame)} bytes exceeds "
                                             f"{MAX_FRAME_BYTES}; refused unread")
        try:
            msg = self._dec.decode(frame)
        except msgspec.ValidationError as exc:
            raise ProtocolError("schema", f"invalid message: {exc}") from None
        except msgspec.DecodeError as exc:
            raise ProtocolError("malformed", f"not a JSON object: {exc}") from None
        if msg.v != VERSION:
            raise ProtocolError("version", f"protocol version {msg.v or 'missing'}; this "
                                           f"side speaks {VERSION}")
        if msg.seq < 1:
            raise ProtocolError("schema", f"{msg.__struct_config__.tag}: envelope lacks seq")
        return msg

    def encode(self, msg: Msg, seq: int) -> bytes:
        """Stamp the envelope (``v``, ``seq``, ``sent_ms`` = now) and encode."""
        msg.v, msg.seq, msg.sent_ms = VERSION, seq, time.monotonic_ns() // 1_000_000
        return self._enc.encode(msg)


def _union(types: tuple[type, ...]):
    u = types[0]
    for t in types[1:]:
        u = u | t
    return u


def ea_codec() -> Codec:
    """ticklab's side: decodes what an EA sends."""
    return Codec(EA_TO_TICKLAB)


def ticklab_codec() -> Codec:
    """The EA's side (the fake EA): decodes what ticklab sends."""
    return Codec(TICKLAB_TO_EA)
