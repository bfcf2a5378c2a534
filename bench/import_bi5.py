"""Throughput of the Dukascopy bi5 tree import (ticks/s), against a pure-Python peer.

Run: ``.venv/bin/python bench/import_bi5.py [TREE] [--repeat N]``.

- ``sim.data.bi5.read``: read + LZMA-decompress + vectorised numpy decode of every file
  of the tree, repeated until at least 1 M ticks were imported (one core);
- decompression alone (the floor: ``lzma.decompress`` of the same files) and the numpy
  decode alone (``bi5.decode`` of the already decompressed bytes);
- peer: a plain pure-Python ``struct.iter_unpack`` decode of the same decompressed bytes
  into Python lists; ratios are printed for the decode alone and for the full import
  (ours vs lzma + peer).

Prints figures only; no assertion on timing.
"""

from __future__ import annotations

import argparse
import lzma
import struct
import time
from pathlib import Path

from sim.data import bi5

ROOT = Path(__file__).resolve().parents[1]


def _best(fn, repeat: int) -> tuple[float, int]:
    best, n = float("inf"), 0
    for _ in range(repeat):
        t = time.perf_counter()
        n = fn()
        best = min(best, time.perf_counter() - t)
    return best, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tree", nargs="?", default=str(ROOT / "data" / "sample"))
    ap.add_argument("--repeat", type=int, default=5, help="timed repetitions (best kept)")
    args = ap.parse_args()
    files = bi5.tick_files(args.tree)
    per_pass = sum(len(bi5.decompress(f)) // bi5.RECORD_SIZE for f in files)
    loops = max(1, -(-1_000_000 // per_pass))  # passes needed for >= 1 M ticks

    def ours() -> int:
        return sum(len(c.columns["ts"]) for _ in range(loops) for c in bi5.read(args.tree))

    def lzma_only() -> int:
        return sum(len(lzma.decompress(f.read_bytes())) // 20 for _ in range(loops) for f in files)

    raws = [(bi5.hour_start_ns(f), bi5.decompress(f)) for f in files]

    def peer() -> int:
        n = 0
        for _ in range(loops):
            for hour_ns, raw in raws:
                ts, bid, ask, bv, av = [], [], [], [], []
                for ms, a, b, va, vb in struct.iter_unpack(">IIIff", raw):
                    ts.append(hour_ns + ms * 1_000_000)
                    ask.append(a / 100_000)
                    bid.append(b / 100_000)
                    av.append(va)
                    bv.append(vb)
                n += len(ts)
        return n

    def ours_decode() -> int:
        return sum(len(bi5.decode(f, raw, h, 100_000.0).columns["ts"])
                   for _ in range(loops) for f, (h, raw) in zip(files, raws, strict=True))

    bi5.read(args.tree)  # warm the file cache
    t_ours, n = _best(ours, args.repeat)
    t_lzma, _ = _best(lzma_only, args.repeat)
    t_dec, _ = _best(ours_decode, args.repeat)
    t_peer, n_peer = _best(peer, max(1, args.repeat // 2))
    assert n == n_peer
    print(f"tree {args.tree}: {len(files)} files, {per_pass:,} ticks/pass, {loops} passes, "
          f"{n:,} ticks per run (best of {args.repeat}, one core)")
    print(f"  sim.data.bi5.read, read+lzma+decode : {n / t_ours / 1e6:7.2f} M ticks/s "
          f"({t_ours * 1e3:.0f} ms)")
    print(f"  lzma.decompress alone (the floor)   : {n / t_lzma / 1e6:7.2f} M ticks/s")
    print(f"  numpy decode alone (bi5.decode)     : {n / t_dec / 1e6:7.2f} M ticks/s")
    print(f"  peer struct.iter_unpack decode      : {n / t_peer / 1e6:7.2f} M ticks/s")
    print(f"  decode ratio numpy / peer           : {t_peer / t_dec:7.1f}x")
    t_peer_full = t_lzma + t_peer
    print(f"  full import ratio ours / (lzma + peer): {t_peer_full / t_ours:.2f}x")


if __name__ == "__main__":
    main()
