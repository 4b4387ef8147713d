// The echo contract (docs/diff.md) in Node's own http server (llhttp, its default lenient
// mode): every request that Node hands to the application is answered 200 with JSON of
// what Node understood: method, target, version, the fields as received (rawHeaders) and
// the body. Strings carry one code point per byte (\u00XX escapes), as ph-parse writes
// them. Listens on 127.0.0.1, port 0; prints the port on stdout. Stop it with SIGTERM.
"use strict";
const http = require("http");

function esc(s) {
  let o = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) o += '\\"';
    else if (c === 0x5c) o += "\\\\";
    else if (c < 0x20 || c >= 0x7f) o += "\\u" + c.toString(16).padStart(4, "0");
    else o += s[i];
  }
  return o + '"';
}

function echo(req, body) {
  const fields = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
    fields.push("[" + esc(req.rawHeaders[i]) + "," + esc(req.rawHeaders[i + 1]) + "]");
  return '{"result":"ok","method":' + esc(req.method) + ',"target":' + esc(req.url) +
    ',"version":' + esc("HTTP/" + req.httpVersion) + ',"headers":[' + fields.join(",") +
    '],"body_base64":"' + body.toString("base64") + '"}\n';
}

const server = http.createServer((req, res) => {
  const parts = [];
  req.on("data", (d) => parts.push(d));
  req.on("end", () => {
    const json = echo(req, Buffer.concat(parts));
    res.writeHead(200, {"Content-Type": "application/json", "Content-Length": Buffer.byteLength(json)});
    res.end(json);
  });
});
// CONNECT and Upgrade requests leave the http machinery (a tunnel follows); without these
// listeners Node would close the connection in silence. What llhttp parsed is echoed on
// the raw socket, and the connection ends: the bytes after the head are the tunnel's.
function tunnel(req, socket) {
  socket.on("error", () => {}); // a client gone early must not end the server
  const json = echo(req, Buffer.alloc(0));
  socket.end("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
    Buffer.byteLength(json) + "\r\nConnection: close\r\n\r\n" + json, "latin1");
}
server.on("connect", tunnel);
server.on("upgrade", tunnel);
server.listen(0, "127.0.0.1", 1024, () => console.log(server.address().port));
process.on("SIGTERM", () => process.exit(0));
