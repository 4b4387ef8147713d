"""The relay behind the session recorders (ci/store_session_recorder.py,
ci/httpd_session_recorder.py): one client, one real daemon, every byte or packet passed
on both ways and shown to the recorder on the way. Standard library only.
"""

import os
import select
import socket
import time


def accept_one(lsock, max_seconds, on_listening=None):
    """The first client of the bound socket lsock (closed after); on_listening() is
    called once clients can connect (to publish the address)."""
    lsock.listen(1)
    if on_listening is not None:
        on_listening()
    lsock.settimeout(max_seconds)
    client, _ = lsock.accept()
    lsock.close()
    return client


def relay(client, upstream, on_client, on_server, deadline, stream=False, on_idle=None):
    """Passes what each end sends to the other until one hangs up, or the deadline.

    on_client(data) and on_server(data) see each read before it is passed on, b"" for a
    hang-up. A stream (TCP) carries the client's half-close to the daemon
    (shutdown(SHUT_WR)) and goes on until the daemon closes; packets stop at the first
    hang-up. on_idle(), if given, is called about every 50 ms.
    """
    open_ends = {client, upstream}
    while upstream in open_ends and time.monotonic() < deadline:
        if not stream and len(open_ends) < 2:
            break
        ready, _, _ = select.select(list(open_ends), [], [], 0.05)
        if on_idle is not None:
            on_idle()
        for s in ready:
            try:
                data = s.recv(1 << 21)
            except ConnectionResetError:
                data = b""
            if s is client:
                on_client(data)
                if data:
                    upstream.sendall(data)
                else:
                    open_ends.discard(client)
                    if stream:
                        upstream.shutdown(socket.SHUT_WR)
            else:
                on_server(data)
                if data:
                    try:
                        client.sendall(data)
                    except OSError:
                        pass
                else:
                    open_ends.discard(upstream)


def write_atomic(path, data):
    """Writes data to path by rename, so a reader never sees half a file."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)
