"""The echo contract (docs/diff.md) in Python's http.server: every request that
BaseHTTPRequestHandler parses is answered 200 with JSON of what it understood (command,
path, request_version, the fields as the email parser split them, the body). Strings carry
one code point per byte (latin-1, \\u00XX escapes). http.server has no chunked decoding:
a request with Transfer-Encoding is answered 501 and the connection closed (the quirk
table excludes that status). Listens on 127.0.0.1, port 0; prints the port on stdout."""
import base64
import http.server
import json
import signal
import sys


class Echo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def __getattr__(self, name):
        # every method is handled: do_GET, do_FOO, ...
        if name.startswith("do_"):
            return self.echo
        raise AttributeError(name)

    def echo(self):
        if self.headers.get("Transfer-Encoding") is not None:
            self.send_error(501, "no chunked decoding in http.server")
            self.close_connection = True
            return
        length = self.headers.get("Content-Length")
        try:
            n = int(length) if length is not None else 0
            if n < 0:
                raise ValueError
        except ValueError:
            self.send_error(400, "bad Content-Length")
            self.close_connection = True
            return
        body = self.rfile.read(n) if n else b""
        out = json.dumps({
            "result": "ok",
            "method": self.command,
            "target": self.path,
            "version": self.request_version,
            "headers": [[k, v] for k, v in self.headers.raw_items()],
            "body_base64": base64.b64encode(body).decode("ascii"),
        }, ensure_ascii=True).encode("ascii") + b"\n"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        if self.command != "HEAD":  # RFC 9110 9.3.2; http.server leaves it to us
            self.wfile.write(out)


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 1024  # many connections arrive at once
    daemon_threads = True


def main():
    server = Server(("127.0.0.1", 0), Echo)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
