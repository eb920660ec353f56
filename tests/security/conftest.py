"""Fixtures of the security checks: loopback listeners that must stay silent, a forwarding proxy."""

import http.client
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from tests.sink import LocalServer


@pytest.fixture
def listeners(make_sink, settings):
    """HTTP listeners on 127.0.0.1 and ::1 that no hostile URL may reach; nothing is allowed."""
    settings.SOONISH_ALLOWED_PRIVATE_NETWORKS = []
    settings.SOONISH_SEND_TIMEOUT = 3.0  # a guard failure toward 169.254.x must not hang long
    return {4: make_sink("127.0.0.1"), 6: make_sink("::1")}


@dataclass
class ForwardProxy(LocalServer):
    """A plain HTTP forward proxy (absolute-URI requests) on `host`, as an egress proxy works."""

    host: str
    requests: list[str] = field(default_factory=list)

    def start(self) -> "ForwardProxy":
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self):
                proxy.requests.append(self.path)
                target = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in {"host", "connection", "proxy-connection"}
                }
                upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=5)
                path = target.path + (f"?{target.query}" if target.query else "")
                upstream.request(self.command, path or "/", body, headers)
                answer = upstream.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in {"content-length", "transfer-encoding", "connection"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = _forward

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer((self.host, 0), Handler)
        server.daemon_threads = True
        self._serve(server)
        return self


@pytest.fixture
def forward_proxy():
    proxy = ForwardProxy("127.0.0.3").start()
    yield proxy
    proxy.stop()
