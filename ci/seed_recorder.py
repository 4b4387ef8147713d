#!/usr/bin/env python3
"""Records the raw bytes real HTTP clients send, for the fuzz seed corpora.

Used by ci/record-seeds.sh. Standard library only. Three subcommands:

  serve --out DIR --label-file FILE --port-file FILE [--port N] [--max-seconds S]
      Listens on 127.0.0.1 only (the preferred --port if it is free, else any free
      port, written to --port-file). Each TCP connection is recorded to DIR/<label>,
      where <label> is read from --label-file when the connection is accepted
      (<label>-2, -3 ... for further connections with the same label). A recording
      holds the exact bytes the client sent; it is written (atomically, by rename)
      when the connection ends. Every request is answered "HTTP/1.1 200 OK" with
      body "ok"; CONNECT is answered "200 Connection established", and the tunnel
      bytes that follow are read briefly and dropped (not recorded). The server exits
      by itself after --max-seconds.

  chunked-body IN OUT
      If the first request in IN uses Transfer-Encoding: chunked, writes every byte
      after its head (the chunked body and anything after it) to OUT and exits 0;
      otherwise exits 3 and writes nothing.

  check-request FILE... / check-chunked FILE...
      Checks that each file is a sequence of complete, strictly valid RFC 9112
      requests (resp. a complete chunked body, optionally followed by valid
      requests). Prints one line per invalid file and exits 1 if there was any.
"""

import argparse
import os
import re
import socket
import sys
import threading
import time

IDLE_SECONDS = 1.0        # a client silent this long is done
CONN_SECONDS = 8.0        # hard limit on one connection
TUNNEL_READ_SECONDS = 0.5  # CONNECT: how long to read (and drop) tunnel bytes
MAX_REQUESTS_PER_CONN = 16
MAX_RECORDING = 1 << 20   # bytes; a longer recording is cut off and the connection closed

RESPONSE_BODY = b"ok"


# ---- request framing (lenient: only to know when a client is done) ----------------------

class Framing:
    """What the server needs to know about one request in a buffer."""

    def __init__(self):
        self.head_end = None      # offset just past the head's empty line
        self.end = None           # offset just past the whole request, once complete
        self.method = b""
        self.version = b""
        self.headers = []         # (lower-case name, value) pairs
        self.expect_continue = False

    def header(self, name):
        return [v for n, v in self.headers if n == name]


def find_head_end(buf, start):
    """Offset just past the empty line ending the head that starts at `start`, or None."""
    # RFC 9112 2.2: a server SHOULD ignore empty lines before the request-line.
    pos = start
    while buf.startswith(b"\r\n", pos):
        pos += 2
    end = buf.find(b"\r\n\r\n", pos)
    return None if end < 0 else end + 4


def chunked_end(buf, pos):
    """Offset just past a chunked body starting at `pos`, or None if not yet complete."""
    while True:
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            return None
        size_text = buf[pos:eol].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            return None  # malformed: wait for the idle timeout
        pos = eol + 2
        if size == 0:
            break
        pos += size + 2
        if pos > len(buf):
            return None
    # Trailer section: field lines up to an empty line.
    while True:
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            return None
        if eol == pos:
            return pos + 2
        pos = eol + 2


def frame_request(buf, start):
    """Frames the request starting at buf[start:]; fields stay None while incomplete."""
    fr = Framing()
    fr.head_end = find_head_end(buf, start)
    if fr.head_end is None:
        return fr
    lines = bytes(buf[start:fr.head_end]).lstrip(b"\r\n").split(b"\r\n")
    parts = lines[0].split(b" ")
    fr.method = parts[0]
    fr.version = parts[-1] if len(parts) >= 3 else b""
    for line in lines[1:]:
        if b":" in line:
            name, value = line.split(b":", 1)
            fr.headers.append((name.strip().lower(), value.strip()))
    fr.expect_continue = any(v.lower() == b"100-continue" for v in fr.header(b"expect"))

    codings = b",".join(fr.header(b"transfer-encoding")).lower()
    if codings:
        if codings.split(b",")[-1].strip() == b"chunked":
            fr.end = chunked_end(buf, fr.head_end)
        # A non-chunked final coding means "read until close": leave fr.end None.
        return fr
    lengths = fr.header(b"content-length")
    try:
        length = int(lengths[0]) if lengths else 0
    except ValueError:
        return fr
    if len(buf) >= fr.head_end + length:
        fr.end = fr.head_end + length
    return fr


def wants_close(fr):
    conn = b",".join(fr.header(b"connection")).lower()
    tokens = [t.strip() for t in conn.split(b",")]
    if fr.version == b"HTTP/1.0":
        return b"keep-alive" not in tokens
    return b"close" in tokens


# ---- the recording server ---------------------------------------------------------------

def recv_some(conn, deadline):
    """Next bytes from conn; b"" on close, idle timeout or hard deadline."""
    timeout = min(IDLE_SECONDS, deadline - time.monotonic())
    if timeout <= 0:
        return b""
    conn.settimeout(timeout)
    try:
        return conn.recv(65536)
    except (socket.timeout, ConnectionError):
        return b""


def response_for(fr, close):
    if fr.method == b"CONNECT":
        return b"HTTP/1.1 200 Connection established\r\n\r\n"
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
    if close:
        head += b"Connection: close\r\n"
    head += b"\r\n"
    # RFC 9110 9.3.2: a response to HEAD has the same head but no content.
    return head if fr.method == b"HEAD" else head + RESPONSE_BODY


def serve_connection(conn):
    """Serves one connection; returns (recorded bytes, requests answered, note)."""
    deadline = time.monotonic() + CONN_SECONDS
    buf = bytearray()
    start = 0
    answered = 0
    while answered < MAX_REQUESTS_PER_CONN:
        sent_continue = False
        while True:
            fr = frame_request(buf, start)
            if fr.end is not None:
                break
            if fr.head_end is not None and fr.expect_continue and not sent_continue:
                conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                sent_continue = True
            data = recv_some(conn, deadline)
            if not data:
                note = "incomplete request" if len(buf) > start else ""
                return bytes(buf), answered, note
            buf += data
            if len(buf) > MAX_RECORDING:
                return bytes(buf[:MAX_RECORDING]), answered, "cut off"
        close = wants_close(fr)
        conn.sendall(response_for(fr, close))
        answered += 1
        start = fr.end
        if fr.method == b"CONNECT":
            # Read what the client sends into the tunnel, drop it and close.
            dropped = len(buf) - fr.end
            end = time.monotonic() + TUNNEL_READ_SECONDS
            while time.monotonic() < end:
                data = recv_some(conn, min(end, deadline))
                if not data:
                    break
                dropped += len(data)
            return bytes(buf[:fr.end]), answered, f"dropped {dropped} tunnel bytes"
        if close:
            break
    return bytes(buf), answered, ""


def write_recording(out_dir, label, data):
    """Writes data to out_dir/label (or label-2, label-3 ...); returns the name used."""
    lock = write_recording.lock
    with lock:
        name = label
        n = 1
        while name in write_recording.used:
            n += 1
            name = f"{label}-{n}"
        write_recording.used.add(name)
    tmp = os.path.join(out_dir, f".{name}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, os.path.join(out_dir, name))
    return name


write_recording.lock = threading.Lock()
write_recording.used = set()


def handle(conn, label, out_dir):
    with conn:
        try:
            data, answered, note = serve_connection(conn)
        except OSError as e:
            data, answered, note = b"", 0, f"error: {e}"
    if not data:
        print(f"recorder: {label}: empty connection {note}", file=sys.stderr, flush=True)
        return
    name = write_recording(out_dir, label, data)
    extra = f", {note}" if note else ""
    print(f"recorder: {name}: {len(data)} bytes, {answered} request(s){extra}",
          file=sys.stderr, flush=True)


def read_label(path):
    try:
        with open(path, encoding="ascii") as f:
            label = f.read().strip()
    except OSError:
        label = ""
    return label if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", label) else "unlabelled"


def listen(port):
    """A listening socket on 127.0.0.1: `port` if it is free, else any free port."""
    for p in (port, 0) if port else (0,):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Lets a re-run bind the same port while the last run's connections are in
        # TIME_WAIT; on Linux it never lets two sockets listen on one port.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            s.close()
            continue
        s.listen(16)
        return s
    raise OSError("no free port on 127.0.0.1")


def serve(args):
    os.makedirs(args.out, exist_ok=True)
    srv = listen(args.port)
    port = srv.getsockname()[1]
    with open(args.port_file + ".tmp", "w", encoding="ascii") as f:
        f.write(f"{port}\n")
    os.replace(args.port_file + ".tmp", args.port_file)

    stop_at = time.monotonic() + args.max_seconds
    threads = []
    while True:
        left = stop_at - time.monotonic()
        if left <= 0:
            break
        srv.settimeout(min(left, 1.0))
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        label = read_label(args.label_file)
        t = threading.Thread(target=handle, args=(conn, label, args.out), daemon=True)
        t.start()
        threads.append(t)
    srv.close()
    for t in threads:
        t.join(timeout=CONN_SECONDS)
    print("recorder: --max-seconds reached, exiting", file=sys.stderr)
    return 0


# ---- strict RFC 9112 checks for the committed seeds -------------------------------------

TCHAR = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]"
TOKEN = re.compile(TCHAR + rb"+")
# field-value after OWS removal: field-vchar [ *( SP / HTAB / field-vchar ) field-vchar ]
FIELD_VALUE = re.compile(rb"(?:[\x21-\x7e\x80-\xff](?:[\x20\x09\x21-\x7e\x80-\xff]*"
                         rb"[\x21-\x7e\x80-\xff])?)?")
PCT = rb"%[0-9A-Fa-f]{2}"
PCHAR = rb"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|" + PCT + rb")"
ORIGIN_FORM = re.compile(rb"(?:/" + PCHAR + rb"*)+(?:\?(?:" + PCHAR + rb"|[/?])*)?")
ABSOLUTE_FORM = re.compile(rb"[A-Za-z][A-Za-z0-9+\-.]*:(?:" + PCHAR + rb"|[/?\[\]])+")
REG_NAME = rb"(?:[A-Za-z0-9\-._~!$&'()*+,;=]|" + PCT + rb")*"
HOST = rb"(?:\[[0-9A-Fa-f:.]+\]|" + REG_NAME + rb")"
HOST_VALUE = re.compile(HOST + rb"(?::[0-9]*)?")
AUTHORITY_FORM = re.compile(HOST + rb":[0-9]+")
QUOTED_STRING = rb'"(?:[\x09\x20\x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\x09\x20-\x7e\x80-\xff])*"'
CHUNK_LINE = re.compile(rb"([0-9A-Fa-f]+)((?:;" + TCHAR + rb"+(?:=(?:" + TCHAR + rb"+|"
                        + QUOTED_STRING + rb"))?)*)")


class Invalid(Exception):
    pass


def take_line(buf, pos):
    """(line, offset after its CRLF); the line must end in CRLF and hold no bare CR/LF."""
    eol = buf.find(b"\r\n", pos)
    if eol < 0:
        raise Invalid(f"offset {pos}: line without CRLF (incomplete)")
    line = buf[pos:eol]
    if b"\r" in line or b"\n" in line:
        raise Invalid(f"offset {pos}: bare CR or LF")
    return line, eol + 2


def check_fields(buf, pos):
    """Field lines up to the empty line (RFC 9112 5); returns (fields, offset after it)."""
    fields = []
    while True:
        line, nxt = take_line(buf, pos)
        if line == b"":
            return fields, nxt
        name, sep, value = line.partition(b":")
        if not sep or not TOKEN.fullmatch(name):
            raise Invalid(f"offset {pos}: bad field name {name[:40]!r}")
        value = value.strip(b" \t")
        if not FIELD_VALUE.fullmatch(value):
            raise Invalid(f"offset {pos}: bad field value for {name.decode()}")
        fields.append((name.lower(), value))
        pos = nxt


def check_chunked(buf, pos):
    """A chunked body (RFC 9112 7.1) at buf[pos:]; returns the offset after it."""
    while True:
        line, nxt = take_line(buf, pos)
        m = CHUNK_LINE.fullmatch(line)
        if not m:
            raise Invalid(f"offset {pos}: bad chunk-size line {line[:40]!r}")
        size = int(m.group(1), 16)
        pos = nxt
        if size == 0:
            break
        if len(buf) < pos + size + 2:
            raise Invalid(f"offset {pos}: chunk data incomplete")
        if buf[pos + size:pos + size + 2] != b"\r\n":
            raise Invalid(f"offset {pos + size}: chunk data not followed by CRLF")
        pos += size + 2
    _, pos = check_fields(buf, pos)  # trailer section
    return pos


def check_one_request(buf, pos):
    """One complete request at buf[pos:]; returns the offset after it."""
    # RFC 9112 2.2: at most one empty line before the request-line (our parser's limit).
    if buf.startswith(b"\r\n", pos):
        pos += 2
    line, pos = take_line(buf, pos)
    parts = line.split(b" ")
    if len(parts) != 3:
        raise Invalid(f"request-line is not three parts separated by single SP: {line[:60]!r}")
    method, target, version = parts
    if not TOKEN.fullmatch(method):
        raise Invalid("method is not a token")
    if version not in (b"HTTP/1.0", b"HTTP/1.1"):
        raise Invalid(f"version {version!r}")
    if method == b"CONNECT":
        ok = AUTHORITY_FORM.fullmatch(target)
    elif method == b"OPTIONS" and target == b"*":
        ok = True
    else:
        ok = ORIGIN_FORM.fullmatch(target) or ABSOLUTE_FORM.fullmatch(target)
    if not ok:
        raise Invalid(f"bad request-target {target[:60]!r}")

    fields, pos = check_fields(buf, pos)
    get = lambda n: [v for k, v in fields if k == n]  # noqa: E731
    hosts = get(b"host")
    if version == b"HTTP/1.1" and len(hosts) != 1:
        raise Invalid(f"{len(hosts)} Host fields in an HTTP/1.1 request")
    if any(not HOST_VALUE.fullmatch(h) for h in hosts):
        raise Invalid("bad Host value")

    te = get(b"transfer-encoding")
    cl = get(b"content-length")
    if te:
        if version != b"HTTP/1.1" or cl:
            raise Invalid("Transfer-Encoding with HTTP/1.0 or with Content-Length")
        codings = [c.strip().lower() for c in b",".join(te).split(b",")]
        if codings[-1] != b"chunked" or codings.count(b"chunked") != 1:
            raise Invalid("chunked is not the final coding, exactly once")
        return check_chunked(buf, pos)
    if cl:
        if any(not re.fullmatch(rb"[0-9]+", v) for v in cl) or len(set(cl)) != 1:
            raise Invalid("bad or differing Content-Length")
        pos += int(cl[0])
        if pos > len(buf):
            raise Invalid("body shorter than Content-Length")
    return pos


def check_requests(buf, pos=0):
    n = 0
    while pos < len(buf):
        pos = check_one_request(buf, pos)
        n += 1
    if n == 0:
        raise Invalid("no request")


def check_files(paths, check):
    bad = 0
    for path in paths:
        with open(path, "rb") as f:
            buf = f.read()
        try:
            check(buf)
        except Invalid as e:
            print(f"invalid: {path}: {e}")
            bad += 1
    return 1 if bad else 0


def check_chunked_then_requests(buf):
    pos = check_chunked(buf, 0)
    if pos < len(buf):
        check_requests(buf, pos)


def chunked_body(args):
    with open(args.input, "rb") as f:
        buf = f.read()
    fr = frame_request(buf, 0)
    codings = b",".join(fr.header(b"transfer-encoding")).lower()
    if fr.head_end is None or codings.split(b",")[-1].strip() != b"chunked":
        return 3
    with open(args.output, "wb") as f:
        f.write(buf[fr.head_end:])
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--out", required=True)
    s.add_argument("--label-file", required=True)
    s.add_argument("--port-file", required=True)
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--max-seconds", type=float, default=180.0)
    c = sub.add_parser("chunked-body")
    c.add_argument("input")
    c.add_argument("output")
    r = sub.add_parser("check-request")
    r.add_argument("files", nargs="+")
    k = sub.add_parser("check-chunked")
    k.add_argument("files", nargs="+")
    args = ap.parse_args()

    if args.cmd == "serve":
        return serve(args)
    if args.cmd == "chunked-body":
        return chunked_body(args)
    if args.cmd == "check-request":
        return check_files(args.files, check_requests)
    return check_files(args.files, check_chunked_then_requests)


if __name__ == "__main__":
    sys.exit(main())
