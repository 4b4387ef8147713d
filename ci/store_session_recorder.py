#!/usr/bin/env python3
"""Records real ph-send / ph-store sessions as store_session fuzz scripts.

Used by ci/record-store-seeds.sh. Standard library only.

  store_session_recorder.py --listen SOCK --upstream SOCK --out FILE [--raw]
                            [--max-seconds S]

Listens on the SOCK_SEQPACKET socket --listen, accepts one client (ph-send), connects to
the real ph-store at --upstream and relays every packet both ways until the client
hangs up. What went by becomes a script for harness/fuzz_store_session.c, written to
--out when the session ends:

  header  ff 8f|0f ff 03 (--max-size 1021, --max-cases 16, raw mode with --raw,
          --max-bytes 16384, a ring of 4)
  each packet the client sent           00 <len:2> 00 <bytes>   (a packet, not cut)
  each ack packet the daemon sent back  02 03 07 00              (submit, durable, acks)

so the script replays the order in which the daemon answered. The recorder exits by
itself after --max-seconds.
"""

import argparse
import os
import socket
import struct
import sys
import time

from session_relay import accept_one, relay, write_atomic


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--raw", action="store_true")
    ap.add_argument("--max-seconds", type=float, default=30)
    args = ap.parse_args()

    deadline = time.monotonic() + args.max_seconds
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    if os.path.exists(args.listen):
        os.unlink(args.listen)
    lsock.bind(args.listen)
    client = accept_one(lsock, args.max_seconds)
    up = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    up.connect(args.upstream)

    script = bytearray(b"\xff" + (b"\x8f" if args.raw else b"\x0f") + b"\xff\x03")

    def on_client(pkt):
        if pkt:
            script.extend(b"\x00" + struct.pack(">H", len(pkt)) + b"\x00" + pkt)

    def on_server(pkt):
        if pkt:
            script.extend(b"\x02\x03\x07\x00")

    relay(client, up, on_client, on_server, deadline)
    # A raw-mode daemon sends nothing back: let it take the last packets first.
    time.sleep(0.2)
    client.close()
    up.close()
    os.unlink(args.listen)
    write_atomic(args.out, bytes(script))
    return 0


if __name__ == "__main__":
    sys.exit(main())
