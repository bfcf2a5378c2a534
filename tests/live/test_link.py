"""The ROUTER end: loopback by default, CURVE + ZAP outside it, bad frames never fatal."""

import json
import time

import pytest
import zmq

from live import protocol as P
from live.keys import KeysError, list_keys, new_key, revoke
from live.link import Link, LinkError, is_loopback


def dealer(endpoint, curve=None):
    s = zmq.Context.instance().socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    if curve:
        s.curve_serverkey = curve["server_public"].encode()
        s.curve_publickey = curve["client_public"].encode()
        s.curve_secretkey = curve["client_secret"].encode()
    s.connect(endpoint)
    return s


def frame(kind="heartbeat", seq=1, **body):
    return json.dumps({"v": 1, "type": kind, "seq": seq, "sent_ms": 5, **body}).encode()


def collect(link, seconds=1.5, want=1):
    out, end = [], time.monotonic() + seconds
    while time.monotonic() < end and len(out) < want:
        out += link.recv(50)
    return out


@pytest.mark.parametrize("endpoint", ["tcp://0.0.0.0:5557", "tcp://*:5557",
                                      "tcp://192.168.1.10:5557", "tcp://myhost:5557"])
def test_binding_outside_loopback_needs_curve(endpoint):
    with pytest.raises(LinkError, match="outside loopback without CURVE"):
        Link(endpoint)


def test_loopback_endpoints():
    assert is_loopback("tcp://127.0.0.1:5557") and is_loopback("tcp://[::1]:1")
    assert is_loopback("ipc:///tmp/x") and not is_loopback("tcp://10.0.0.1:1")
    # names are not trusted: they could resolve anywhere
    assert not is_loopback("tcp://localhost:1") and not is_loopback("tcp://127.0.0.1.evil:1")
    with pytest.raises(LinkError, match="expected tcp://"):
        is_loopback("udp://127.0.0.1:1")


def test_curve_lets_only_authorized_keys_through(tmp_path):
    good = new_key("ea1", tmp_path)
    other = new_key("ea2", tmp_path)
    revoke("ea2", tmp_path)                        # a revoked key, a never-issued key
    public, secret = zmq.curve_keypair()
    stranger = dict(good, client_public=public.decode(), client_secret=secret.decode())
    assert list_keys(tmp_path) == ["ea1"]
    link = Link("tcp://127.0.0.1:0", curve_keys=str(tmp_path))
    try:
        socks = [dealer(link.endpoint, c) for c in (None, stranger, other)]
        for s in socks:
            s.send(frame())
        assert collect(link, 1.5) == []            # no CURVE, unknown key, revoked key
        ok = dealer(link.endpoint, good)
        ok.send(frame())
        got = collect(link, 3.0)
        assert len(got) == 1 and isinstance(got[0][1], P.Heartbeat)
        for s in [*socks, ok]:
            s.close(0)
    finally:
        link.close()


def test_key_names_are_checked(tmp_path):
    new_key("ea1", tmp_path)
    with pytest.raises(KeysError, match="exists"):
        new_key("ea1", tmp_path)
    with pytest.raises(KeysError, match="key name"):
        new_key("../x", tmp_path)
    assert oct((tmp_path / "private" / "ea1.key_secret").stat().st_mode)[-3:] == "600"


def test_bad_frames_are_counted_and_dropped():
    link = Link("tcp://127.0.0.1:0")
    s = dealer(link.endpoint)
    try:
        s.send(b"{not json")
        s.send(b"x" * (P.MAX_FRAME_BYTES + 10))
        s.send_multipart([frame(seq=1), b"extra"])
        s.send(frame("tick", seq=2, symbol="EURUSD", time_msc=1, bid=-1, ask=1, sym_seq=1))
        s.send(frame(seq=3))
        got = collect(link, 3.0)
        assert [type(m) for _, m in got] == [P.Heartbeat]
        assert link.counters.bad == {"malformed": 1, "oversized": 1, "frames": 1, "schema": 1}
    finally:
        s.close(0)
        link.close()


def test_sequence_gaps_late_and_duplicate_messages():
    link = Link("tcp://127.0.0.1:0")
    s = dealer(link.endpoint)
    try:
        for seq in (1, 4, 3, 5, 4, 7):
            s.send(frame(seq=seq))
        got = collect(link, 3.0, want=5)
        assert [m.seq for _, m in got] == [1, 4, 3, 5, 7]     # the repeated 4 is dropped
        peer = got[0][0]
        # 2 is still missing, 6 too; 3 came late (delivered); 4 came twice
        assert (peer.gaps, peer.late, peer.repeats, peer.seq_in) == (2, 1, 1, 7)
    finally:
        s.close(0)
        link.close()
