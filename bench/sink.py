"""`python -m bench.sink PORT`: a lean HTTP sink in a process of its own, for the benchmarks.

tests/sink.py keeps every request for assertions; a benchmark needs only how many arrived,
to how many distinct paths (one per subscriber: a duplicate send shows), and when the first
and the last arrived. Answering must cost far less than sending, or the sink would be what
is measured: so asyncio with a bare protocol, no thread per connection, nothing kept.

`GET /status` answers {"count", "distinct", "first", "last"} (wall-clock seconds);
`POST /reset` forgets everything; any other request counts and gets 200.
"""

import asyncio
import json
import sys
import time

_OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"


class State:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.count = 0
        self.paths: set[bytes] = set()
        self.first = self.last = None

    def status(self) -> bytes:
        body = json.dumps(
            {
                "count": self.count,
                "distinct": len(self.paths),
                "first": self.first,
                "last": self.last,
            }
        ).encode()
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n"
        return head.encode() + body


class Sink(asyncio.Protocol):
    def __init__(self, state: State) -> None:
        self.state, self.buffer = state, b""

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end]
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            method, path = head.split(b" ", 2)[:2]
            self.transport.write(self.answer(method, path))

    def answer(self, method: bytes, path: bytes) -> bytes:
        state = self.state
        if path == b"/status":
            return state.status()
        if path == b"/reset":
            state.reset()
            return _OK
        state.last = time.time()
        state.first = state.first or state.last
        state.count += 1
        state.paths.add(path)
        return _OK


async def serve(port: int) -> None:
    state = State()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Sink(state), "127.0.0.1", port, backlog=4096)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
