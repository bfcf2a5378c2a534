"""CURVE key pairs for EAs outside loopback: ``ticklab keys new|list|revoke``.

Layout of the key directory (``live.curve_keys``, default ``~/.config/ticklab/keys``):

    server.key, server.key_secret      ticklab's own pair (made with the first EA's)
    authorized/NAME.key                 each EA's public key: what the ZAP handler accepts
    private/NAME.key_secret             each EA's pair, to paste into that EA's inputs (0600)

Revoking an EA deletes its public key: once ``ticklab live`` restarts (the ZAP handler
reads the directory at start), that EA is refused.  Keys are
pyzmq's certificate files (``zmq.auth.create_certificates``), Z85 text.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

import zmq.auth

DEFAULT_DIR = "~/.config/ticklab/keys"
NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class KeysError(ValueError):
    """A key directory or name that cannot be used (one line for the user)."""


def key_dir(path: str | os.PathLike | None = None) -> Path:
    return Path(path or DEFAULT_DIR).expanduser()


def _new_pair(folder: Path, name: str) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    public, secret = zmq.auth.create_certificates(folder, name)
    os.chmod(secret, 0o600)
    return Path(public), Path(secret)


def new_key(name: str, path=None) -> dict[str, str]:
    """Create EA ``name``'s key pair (and the server's, the first time); return the three
    Z85 strings that EA's inputs need."""
    if not NAME.match(name) or name == "server":
        raise KeysError(f"key name {name!r}: use letters, digits, _ . - (not 'server')")
    d = key_dir(path)
    if (d / "authorized" / f"{name}.key").exists():
        raise KeysError(f"{d / 'authorized' / (name + '.key')} exists: revoke it first "
                        f"(ticklab keys revoke {name})")
    if not (d / "server.key_secret").exists():
        _new_pair(d, "server")
    _, secret = _new_pair(d / "private", name)
    (d / "authorized").mkdir(exist_ok=True)
    pub_bytes, sec_bytes = zmq.auth.load_certificate(secret)
    (d / "private" / f"{name}.key").replace(d / "authorized" / f"{name}.key")
    server_pub, _ = zmq.auth.load_certificate(d / "server.key")
    return {"server_public": server_pub.decode(), "client_public": pub_bytes.decode(),
            "client_secret": sec_bytes.decode()}


def server_keys(path=None) -> tuple[bytes, bytes, Path]:
    """(public, secret, authorized dir) of ticklab's CURVE server; a clear error if absent."""
    d = key_dir(path)
    if not (d / "server.key_secret").exists():
        raise KeysError(f"no CURVE server key in {d}: run `ticklab keys new <ea-name>` first")
    public, secret = zmq.auth.load_certificate(d / "server.key_secret")
    return public, secret, d / "authorized"


def list_keys(path=None) -> list[str]:
    d = key_dir(path) / "authorized"
    return sorted(p.stem for p in d.glob("*.key")) if d.exists() else []


def revoke(name: str, path=None) -> Path:
    if not NAME.match(name) or name == "server":
        raise KeysError(f"key name {name!r}: use letters, digits, _ . - (not 'server')")
    p = key_dir(path) / "authorized" / f"{name}.key"
    if not p.exists():
        raise KeysError(f"no authorized key {name!r} in {p.parent}")
    p.unlink()
    return p


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="ticklab keys", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", default=None, help=f"key directory (default {DEFAULT_DIR})")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("new", help="a key pair for one EA").add_argument("name")
    sub.add_parser("list", help="the EAs allowed to connect")
    sub.add_parser("revoke", help="refuse an EA from its next connection").add_argument("name")
    a = ap.parse_args(argv)
    try:
        if a.cmd == "new":
            k = new_key(a.name, a.dir)
            print(f"EA {a.name}: set these inputs of the EA (keep the secret out of git):\n"
                  f"  InpServerPublicKey = {k['server_public']}\n"
                  f"  InpClientPublicKey = {k['client_public']}\n"
                  f"  InpClientSecretKey = {k['client_secret']}\n"
                  f"ticklab side: live.curve_keys={key_dir(a.dir)}")
        elif a.cmd == "list":
            print("\n".join(list_keys(a.dir)) or "(no EA keys)")
        else:
            print(f"revoked: {revoke(a.name, a.dir)}")
    except KeysError as exc:
        print(f"ticklab keys: {exc}")
        return 2
    return 0
