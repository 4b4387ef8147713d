#!/usr/bin/env python3
"""Records real client / ph-httpd connections as httpd_session fuzz scripts.

Used by ci/record-httpd-session-seeds.sh. Standard library only. Two subcommands:

  relay --port-file FILE --upstream HOST:PORT --out FILE [--max-seconds S]
        [--drain-after S --drain-pid PID]
      Listens on 127.0.0.1 (any free port, written to --port-file), accepts one client,
      connects to the real ph-httpd at --upstream and relays (ci/session_relay.py) until
      ph-httpd closes. What went by becomes a script for harness/fuzz_httpd_session.c,
      written to --out at the end:

        header   1e 20 ff f8   (max_head 1024, max_body 1024, max_output 16384, header and
                               body timeouts 1 s, idle 8 s, RECORD on, a Date line): run
                               ph-httpd with the same limits
        the client's bytes, as they were read       00 <len> <bytes>, at most 255 a piece
        the client's half-close                     02
        ph-httpd's bytes (it wrote all it had)      01 00
        200 ms or more passed since the last event  04 <ms/64>, at most 255 a piece
        --drain-after S: SIGTERM to --drain-pid     05 (drain), S seconds in

  client HOST:PORT STEP...
      A client for what curl does not do: s:TEXT sends TEXT (Python escapes: \\r\\n,
      \\x00), w:MS waits, h half-closes; then reads until ph-httpd closes (10 s at most).
"""

import argparse
import os
import signal
import socket
import sys
import time

from session_relay import accept_one, relay, write_atomic

HEADER = bytes([30, 32, 255, 0xF8])
CLOCK_MIN_MS = 200  # shorter gaps are scheduling noise: the script stays clock-free


class Script:
    def __init__(self):
        self.data = bytearray(HEADER)
        self.last = time.monotonic()

    def clock(self):
        now = time.monotonic()
        ms = int((now - self.last) * 1000)
        if ms < CLOCK_MIN_MS:
            return
        self.last = now
        steps = ms // 64
        while steps > 0:
            self.data += bytes([4, min(steps, 255)])
            steps -= min(steps, 255)

    def client(self, data):
        self.clock()
        if not data:
            self.data += b"\x02"
        while data:
            piece, data = data[:255], data[255:]
            self.data += bytes([0, len(piece)]) + piece

    def server(self, data):
        self.clock()
        if data:
            self.data += b"\x01\x00"


def host_port(s):
    host, _, port = s.rpartition(":")
    return host, int(port)


def cmd_relay(args):
    deadline = time.monotonic() + args.max_seconds
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    port = b"%d\n" % lsock.getsockname()[1]
    client = accept_one(lsock, args.max_seconds, lambda: write_atomic(args.port_file, port))
    up = socket.create_connection(host_port(args.upstream))
    script = Script()
    drain_at = None if args.drain_after is None else time.monotonic() + args.drain_after

    def on_idle():
        nonlocal drain_at
        if drain_at is not None and time.monotonic() >= drain_at:
            drain_at = None
            script.clock()
            os.kill(args.drain_pid, signal.SIGTERM)
            script.data += b"\x05"

    relay(client, up, script.client, script.server, deadline, stream=True, on_idle=on_idle)
    client.close()
    up.close()
    write_atomic(args.out, bytes(script.data))
    return 0


def cmd_client(args):
    sock = socket.create_connection(host_port(args.address))
    for step in args.steps:
        if step.startswith("s:"):
            sock.sendall(step[2:].encode("latin-1").decode("unicode_escape").encode("latin-1"))
        elif step.startswith("w:"):
            time.sleep(int(step[2:]) / 1000)
        elif step == "h":
            sock.shutdown(socket.SHUT_WR)
        else:
            print("httpd_session_recorder: bad step " + step, file=sys.stderr)
            return 64
    sock.settimeout(10)
    try:
        while sock.recv(65536):
            pass
    except OSError:
        pass
    sock.close()
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("relay")
    r.add_argument("--port-file", required=True)
    r.add_argument("--upstream", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--max-seconds", type=float, default=30)
    r.add_argument("--drain-after", type=float)
    r.add_argument("--drain-pid", type=int)
    c = sub.add_parser("client")
    c.add_argument("address")
    c.add_argument("steps", nargs="*")
    args = ap.parse_args()
    return cmd_relay(args) if args.cmd == "relay" else cmd_client(args)


if __name__ == "__main__":
    sys.exit(main())
