"""The delta codec of content updates: a changed file as deflate blocks primed with the old version.

Pure functions (no I/O): the hub packs with the base it still publishes, the device unpacks with
its installed copy; the hash check after unpacking is the device's (player.fleet.pull).
"""

from __future__ import annotations

import struct
import zlib

BLOCK, SLACK = 16 * 1024, 8 * 1024  # delta blocks, and how far an insertion may shift them (docs/updates.md)


def _block_dict(base: bytes, k: int) -> bytes:
    """The dictionary of block k: the base around the same offset (deflate sees 32 KB back at most)."""
    return base[max(0, k * BLOCK - SLACK) : k * BLOCK + BLOCK + SLACK]


def delta_pack(data: bytes, base: bytes) -> bytes:
    """`data` as blocks of 16 KB, each raw-deflated with the base's bytes around the same offset.

    Deflate can refer back 32 KB at most, so one preset dictionary helps a small page but not
    a 60 KB single-page course. Cutting the file into blocks, each with its own window of the old
    version (shifted up to 8 KB either way by insertions), turns a one-lesson change in a big page
    into a few hundred bytes. Each block: 4-byte big-endian length, then its deflate stream.
    """
    out = bytearray()
    for k in range(max(1, -(-len(data) // BLOCK))):
        window = _block_dict(base, k)
        packer = (
            zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, window)
            if window
            else zlib.compressobj(9, zlib.DEFLATED, -15, 9)
        )
        part = packer.compress(data[k * BLOCK : (k + 1) * BLOCK]) + packer.flush()
        out += struct.pack(">I", len(part)) + part
    return bytes(out)


def delta_unpack(packed: bytes, base: bytes, limit: int) -> bytes:
    """The inverse of `delta_pack`; never more than `limit` + 1 bytes (zlib.error when garbled)."""
    out, at, k = bytearray(), 0, 0
    while at < len(packed):
        if at + 4 > len(packed):
            raise zlib.error("truncated block header")
        (length,) = struct.unpack(">I", packed[at : at + 4])
        window = _block_dict(base, k)
        unpacker = zlib.decompressobj(-15, zdict=window) if window else zlib.decompressobj(-15)
        out += unpacker.decompress(packed[at + 4 : at + 4 + length], limit + 1 - len(out))
        if len(out) > limit:
            break  # one byte too many is enough for the hash check to refuse it
        at, k = at + 4 + length, k + 1
    return bytes(out)
