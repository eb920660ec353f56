"""A local HTTP sink, the Apprise target of tests: records requests, answers a chosen status."""

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.time)  # wall-clock arrival

    @property
    def json(self):
        return json.loads(self.body) if self.body else None


class LocalServer:
    """A socketserver served from a daemon thread; `port` is the one the OS gave it."""

    def _serve(self, server) -> None:
        self._server = server
        self.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class Sink(LocalServer):
    """A threaded HTTP server on `host` recording every request; answers `status`."""

    host: str = "127.0.0.1"
    status: int = 200
    delay: float = 0.0  # seconds to wait before answering, to play a slow channel
    headers: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    connections: int = 0  # accepted TCP connections, whether or not a request followed

    def start(self) -> "Sink":
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self):
                length = int(self.headers.get("Content-Length") or 0)
                time.sleep(sink.delay)
                sink.received.append(
                    Received(self.command, self.path, dict(self.headers), self.rfile.read(length))
                )
                self.send_response(sink.status)
                for name, value in sink.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _record

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            address_family = socket.AF_INET6 if ":" in sink.host else socket.AF_INET
            daemon_threads = True
            request_queue_size = 256  # a fan-out connects many at once; 5 would refuse some

            def verify_request(self, request, client_address):
                sink.connections += 1
                return True

        self._serve(Server((self.host, 0), Handler))
        return self

    @property
    def netloc(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def url(self, path: str = "/hook", scheme: str = "json") -> str:
        """An Apprise URL (json:// by default) or an http:// URL pointing at this sink."""
        return f"{scheme}://{self.netloc}{path}"
