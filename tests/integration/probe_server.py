#!/usr/bin/env python3
"""A misbehaving HTTP server on 127.0.0.1 for ph-probe's bounds tests (test_probe.sh).

probe_server.py MODE PORTFILE: listens on an ephemeral port, writes it to PORTFILE, serves
connections one at a time with MODE until killed; every loop is bounded.
  drip        a response, one byte every 50 ms (at most 400 bytes)
  continue    2 000 000 "HTTP/1.1 100 Continue" interim responses
  cut         a head promising 10 bytes, 3 of them, then close
  late        nothing until our FIN, then a response
  early-close a close-delimited response at once, closed after our FIN
  huge        a head promising 100 MiB, and the bytes
"""
import socket, sys, time

mode, portfile = sys.argv[1], sys.argv[2]
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(8)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.getsockname()[1]))
import os
os.rename(portfile + ".tmp", portfile)

def read_request(c):
    c.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        d = c.recv(4096)
        if not d:
            break
        data += d

def wait_eof(c):
    c.settimeout(10)
    try:
        while c.recv(4096):
            pass
    except OSError:
        pass

for _ in range(100):
    c, _ = srv.accept()
    try:
        read_request(c)
        if mode == "drip":
            resp = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 1000
            for b in resp[:400]:
                c.sendall(bytes([b]))
                time.sleep(0.05)
        elif mode == "continue":
            chunk = b"HTTP/1.1 100 Continue\r\n\r\n" * 10000
            for _ in range(200):
                c.sendall(chunk)
            c.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
        elif mode == "cut":
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        elif mode == "late":
            wait_eof(c)
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        elif mode == "early-close":
            c.sendall(b"HTTP/1.0 200 OK\r\n\r\nbody until close")
            wait_eof(c)
        elif mode == "huge":
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 104857600\r\n\r\n")
            block = b"y" * 1048576
            for _ in range(100):
                c.sendall(block)
    except OSError:
        pass
    finally:
        c.close()
