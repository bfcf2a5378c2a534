"""The wire protocol: golden fixtures, strict decoding, never a crash on bad input."""

import json
from pathlib import Path

import msgspec
import msgspec.inspect
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from live import protocol as P
from live.retcodes import kind, to_retcode
from sim.core.enums import Retcode

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "protocol"
EA_KINDS = {m.__struct_config__.tag for m in P.EA_TO_TICKLAB}
OUR_KINDS = {m.__struct_config__.tag for m in P.TICKLAB_TO_EA}


def codec_for(kind: str) -> P.Codec:
    return P.ea_codec() if kind in EA_KINDS else P.ticklab_codec()


def test_one_golden_fixture_per_kind():
    assert sorted(p.stem for p in FIXTURES.glob("*.json")) == P.KINDS


@pytest.mark.parametrize("kind", P.KINDS)
def test_fixture_decodes_and_round_trips(kind):
    codec = codec_for(kind)
    msg = codec.decode((FIXTURES / f"{kind}.json").read_bytes())
    assert msg.__struct_config__.tag == kind
    again = codec.decode(codec.encode(msgspec.structs.replace(msg), msg.seq))
    again.sent_ms = msg.sent_ms          # the envelope is restamped (sent_ms = now)
    assert again == msg


@pytest.mark.parametrize("kind", P.KINDS)
def test_every_required_field_is_required(kind):
    frame = json.loads((FIXTURES / f"{kind}.json").read_bytes())
    cls = next(m for m in P.EA_TO_TICKLAB + P.TICKLAB_TO_EA if m.__struct_config__.tag == kind)
    info = msgspec.inspect.type_info(cls)
    required = [f.encode_name for f in info.fields if f.required]
    assert required or kind in ("bye", "heartbeat")
    for name in required:
        broken = {k: v for k, v in frame.items() if k != name}
        with pytest.raises(P.ProtocolError, match=name):
            codec_for(kind).decode(json.dumps(broken).encode())


@pytest.mark.parametrize("frame, reason", [
    (b'{"v":1,"type":"tick","seq":1,"sent_ms":1,"symbol":"EURUSD","time_msc":1,'
     b'"bid":NaN,"ask":1.2,"sym_seq":1}', "malformed"),                  # NaN is not JSON
    (b'{"v":1,"type":"tick","seq":1,"sent_ms":1,"symbol":"EURUSD","time_msc":1,'
     b'"bid":-1.1,"ask":1.2,"sym_seq":1}', "schema"),                     # negative price
    (b'{"v":1,"type":"tick","seq":1,"sent_ms":1,"symbol":"EURUSD","time_msc":1,'
     b'"bid":"1.1","ask":1.2,"sym_seq":1}', "schema"),                    # price as text
    (b'{"v":1,"type":"bye","seq":1,"sent_ms":1,"evil":"__import__(\'os\')"}', "schema"),
    (b'{"v":1,"type":"place","seq":1,"sent_ms":1}', "schema"),            # not an EA kind
    (b'{"v":2,"type":"bye","seq":1,"sent_ms":1}', "version"),
    (b'{"type":"bye","seq":1,"sent_ms":1}', "version"),                   # no envelope
    (b'{"v":1,"type":"bye","sent_ms":1}', "schema"),                      # no seq
    (b'{"v":1,"type":"bye","seq":1,"sent_ms":1', "malformed"),            # truncated
    (b"[1, 2, 3]", "schema"),
    (b"\xff\xfe{", "malformed"),
    (b'{"v":1,"type":"ack","seq":1,"sent_ms":1,"cid":"x;DROP","ok":true}', "schema"),
    (b" " * (P.MAX_FRAME_BYTES + 1), "oversized"),
])
def test_bad_frames_are_refused_with_a_reason(frame, reason):
    with pytest.raises(P.ProtocolError) as exc:
        P.ea_codec().decode(frame)
    assert exc.value.reason == reason
    assert str(exc.value)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512))
def test_random_bytes_never_crash_the_decoder(frame):
    try:
        P.ea_codec().decode(frame)
    except P.ProtocolError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["v", "type", "seq", "sent_ms", "symbol", "bid", "ask",
                                        "time_msc", "sym_seq", "cid", "ok", "positions"]),
                       st.one_of(st.integers(), st.floats(allow_nan=False), st.text(max_size=8),
                                 st.booleans(), st.none(), st.lists(st.integers(), max_size=3)),
                       max_size=10))
def test_random_objects_are_messages_or_protocol_errors(obj):
    try:
        msg = P.ea_codec().decode(json.dumps(obj).encode())
    except P.ProtocolError:
        return
    assert msg.v == P.VERSION and msg.seq >= 1


def test_mt4_errors_map_onto_mt5_retcodes():
    assert to_retcode("MT4", 0) == Retcode.DONE
    assert to_retcode("MT4", 130) == Retcode.INVALID_STOPS
    assert to_retcode("MT4", 134) == Retcode.NO_MONEY
    assert to_retcode("MT4", 138) == Retcode.REQUOTE
    assert to_retcode("MT4", 4109) == Retcode.CLIENT_DISABLES_AT
    assert to_retcode("MT4", 99999) == Retcode.EA_UNKNOWN
    assert to_retcode("MT5", 10030) == Retcode.INVALID_FILL
    assert to_retcode("MT5", 12345) == Retcode.EA_UNKNOWN
    assert kind(Retcode.PLACED) == "ok" and kind(Retcode.REQUOTE) == "price_moved"
    assert kind(Retcode.CLIENT_DISABLES_AT) == "trading_disabled"
    assert kind(Retcode.EA_SHADOW) == "ea" and kind(Retcode.NO_MONEY) == "margin"
