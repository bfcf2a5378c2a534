"""Faults the fake EA injects on request (``ticklab fake-ea --faults drop=0.01,dup=0.01``).

Per-frame faults (each a probability per outgoing frame, seeded, so a test is repeatable):

| name      | what the wire sees                                                  |
|-----------|---------------------------------------------------------------------|
| drop      | the frame is never sent (a ``seq`` gap)                              |
| dup       | the frame is sent twice                                             |
| reorder   | the frame is held and sent after the next one                       |
| malformed | a truncated, invalid JSON frame instead                             |
| oversized | an extra frame above ``MAX_FRAME_BYTES`` is sent first               |
| crossed   | a tick's bid and ask swapped (a crossed quote)                       |
| stale     | a tick stamped an hour in the past (a stale quote, time going back)  |

Scheduled faults (at a tick index): ``disconnect=I`` (close the socket and reconnect with a
fresh ``hello``), ``restart=I`` (the same, and the EA forgets its cid ring: an EA restart
that loses in-flight commands), ``stall=I:SECONDS`` (a slow consumer: the EA stops reading
and sending for that long).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from live.protocol import MAX_FRAME_BYTES

RATES = ("drop", "dup", "reorder", "malformed", "oversized", "crossed", "stale")
SCHEDULED = ("disconnect", "restart", "stall")


@dataclass
class Faults:
    rates: dict[str, float] = field(default_factory=dict)
    at: dict[str, tuple[int, float]] = field(default_factory=dict)
    seed: int = 7
    held: bytes | None = None
    injected: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        self.rng = random.Random(self.seed)

    @classmethod
    def parse(cls, text: str) -> Faults:
        """``drop=0.01,dup=0.02,disconnect=500,stall=900:1.5`` -> Faults (clear errors)."""
        f = cls()
        for item in filter(None, (p.strip() for p in text.split(","))):
            name, _, value = item.partition("=")
            try:
                if name in RATES:
                    f.rates[name] = float(value)
                    if not 0.0 <= f.rates[name] <= 1.0:
                        raise ValueError
                elif name in SCHEDULED:
                    i, _, secs = value.partition(":")
                    f.at[name] = (int(i), float(secs or 0.0))
                else:
                    raise KeyError(name)
            except KeyError:
                raise ValueError(f"fault {name!r}: expected one of "
                                 f"{', '.join(RATES + SCHEDULED)}") from None
            except ValueError:
                raise ValueError(f"fault {item!r}: expected {name}=P (0..1) or "
                                 f"{name}=TICK[:SECONDS]") from None
        return f

    def _hit(self, name: str) -> bool:
        p = self.rates.get(name, 0.0)
        if p and self.rng.random() < p:
            self.injected[name] = self.injected.get(name, 0) + 1
            return True
        return False

    def tick(self, msg):
        """A tick message as the faulty EA sends it (crossed or stale, or as it is)."""
        if msg.bid < msg.ask and self._hit("crossed"):
            msg.bid, msg.ask = msg.ask, msg.bid
        elif self._hit("stale"):
            msg.time_msc = max(msg.time_msc - 3_600_000, 0)
        return msg

    def outgoing(self, frame: bytes) -> list[bytes]:
        """The frames to put on the wire for ``frame``."""
        out = []
        if self._hit("oversized"):
            out.append(b'{"v":1,"type":"tick","pad":"' + b"x" * MAX_FRAME_BYTES + b'"}')
        if self._hit("drop"):
            return out
        if self._hit("malformed"):
            out.append(frame[: len(frame) // 2])
            return out
        if self.held is not None:
            out.append(frame)
            out.append(self.held)
            self.held = None
            return out
        if self._hit("reorder"):
            self.held = frame
            return out
        out.append(frame)
        if self._hit("dup"):
            out.append(frame)
        return out

    def release(self) -> list[bytes]:
        """The frame held back to be reordered, if any (now, in order)."""
        held, self.held = self.held, None
        return [held] if held is not None else []

    def due(self, ea, i: int) -> bool:
        """Run the scheduled faults due at tick ``i``; True if one ran."""
        for name, (at, secs) in self.at.items():
            if at != i:
                continue
            self.injected[name] = self.injected.get(name, 0) + 1
            if name == "stall":
                time.sleep(secs)
            else:
                ea.sock.close(0)
                if name == "restart":
                    ea.cmd_seen.clear()
                ea.armed_mode = None
                ea.sym_seq = [0] * len(ea.sym_seq)     # a new connection streams afresh
                ea.connect()
                ea.hello(i)
                ea.wait_hello_ack(i)
            return True
        return False
