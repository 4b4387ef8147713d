#!/usr/bin/env python3
"""store_wal_write.py SEGMENT KIND:TARGET:PAYLOAD[:LSN] ...: writes a ph-store log segment.

The record format of docs/store-protocol.md ("Durability"), little-endian: magic PHWR,
CRC-32 (zlib's polynomial) of everything after it, payload length, kind, target length,
two reserved bytes, SHA-1 of the payload, lsn, target, payload. The store integration
test uses it to leave the log a daemon killed at the wrong moment would have left, with
cases for target folders that cannot be used, and checks that recovery sets them aside.
"""
import hashlib
import struct
import sys
import zlib

KINDS = {"queue": 0, "crash": 1, "hang": 2}


def main():
    out = bytearray()
    for lsn, spec in enumerate(sys.argv[2:], start=1):
        parts = spec.split(":")
        kind, target, payload = parts[0], parts[1], parts[2].encode()
        if len(parts) > 3:
            lsn = int(parts[3])
        target_b = target.encode()
        body = struct.pack("<IBBH", len(payload), KINDS[kind], len(target_b), 0)
        body += hashlib.sha1(payload).digest() + struct.pack("<Q", lsn) + target_b + payload
        out += b"PHWR" + struct.pack("<I", zlib.crc32(body)) + body
    with open(sys.argv[1], "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()
