"""A minimal HTTP/1.1 client on asyncio streams, for load generation only.

The load bench must measure the server, not itself: httpx spent more CPU per request than the server did
(15-19 CPU-seconds for 1,000 exchanges on the 2 shared cores). Here the request bytes (request line,
headers, body) are built before the clock starts, and a reply costs one header split and one `readexactly`.
It speaks just what the bench needs: keep-alive, `Content-Length` bodies, no chunked replies (uvicorn sends
Content-Length for these endpoints), no TLS, no redirects.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass


def request_bytes(
    method: str, host: str, path: str, headers: dict[str, str], body: bytes | None = None
) -> bytes:
    """The exact bytes of one request (HTTP/1.1, keep-alive)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + (body or b"")


@dataclass(slots=True)
class Reply:
    status: int
    body: bytes


class Connection:
    """One keep-alive connection; requests on it go one after the other (like one laptop's sync)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def exchange(self, request: bytes) -> Reply:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port, limit=1 << 20)
        assert self._reader is not None
        self._writer.write(request)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, _, rest = head.partition(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        length = -1
        close = False
        for line in rest.split(b"\r\n"):
            name, _, value = line.partition(b":")
            lowered = name.strip().lower()
            if lowered == b"content-length":
                length = int(value)
            elif lowered == b"transfer-encoding":
                raise RuntimeError("chunked replies are not supported by this bench client")
            elif lowered == b"connection" and value.strip().lower() == b"close":
                close = True
        if length < 0:
            raise RuntimeError(f"reply without Content-Length (status {status})")
        body = await self._reader.readexactly(length)
        if close:
            await self.close()
        return Reply(status, body)

    async def send_and_drop(self, request: bytes, after: float) -> None:
        """Send a request and hang up `after` seconds later without reading the reply: the reply is lost
        (a laptop whose network dropped mid-exchange). The server may or may not have stored it."""
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port, limit=1 << 20)
        self._writer.write(request)
        await self._writer.drain()
        await asyncio.sleep(after)
        await self.close()

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
            self._reader = self._writer = None
