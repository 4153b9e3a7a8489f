"""A small round-robin HTTP load balancer (aiohttp) for the scale-out test: one public address in
front of several bot processes, as nginx or a cloud load balancer would be in production.

Each request goes to the next backend in turn; a backend that does not answer (connection
refused, reset) is skipped for the next one, as `proxy_next_upstream error` does. The balancer
remembers which backend got each webhook update (by its `update_id`) so a test can tell which
process handled what.
"""

from __future__ import annotations

import itertools
import json
import socket
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

# Hop-by-hop headers a proxy must not forward (RFC 9110 section 7.6.1), plus the ones aiohttp
# sets itself for the new request or response.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)


@dataclass
class Routed:
    """One request the balancer passed on: to which backend, and what came back."""

    backend: int
    path: str
    update_id: int | None
    status: int


@dataclass
class RoundRobinBalancer:
    """Listens on a free port of 127.0.0.1 and spreads requests over `backends` in turn."""

    backends: Sequence[str]  # base URLs, e.g. "http://127.0.0.1:8081"
    routed: list[Routed] = field(default_factory=list)
    failures: Counter[int] = field(default_factory=Counter)  # backend -> unanswered tries
    base_url: str | None = None

    def __post_init__(self) -> None:
        if not self.backends:
            raise ValueError("a balancer needs at least one backend")
        self._turn = itertools.cycle(range(len(self.backends)))
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> str:
        """Serve; returns the balancer's base URL."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0),
            timeout=aiohttp.ClientTimeout(total=60),
            auto_decompress=False,
        )
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, sock).start()
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    def per_backend(self) -> Counter[int]:
        """Answered requests per backend index."""
        return Counter(item.backend for item in self.routed)

    def backend_of(self) -> dict[int, int]:
        """update_id -> index of the backend that answered it 2xx."""
        return {
            item.update_id: item.backend
            for item in self.routed
            if item.update_id is not None and 200 <= item.status < 300
        }

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        update_id = _update_id(body)
        for _ in range(len(self.backends)):
            index = next(self._turn)
            url = self.backends[index].rstrip("/") + request.rel_url.path_qs
            try:
                async with self._session.request(
                    request.method, url, data=body, headers=headers
                ) as answer:
                    content = await answer.read()
                    self.routed.append(Routed(index, request.path, update_id, answer.status))
                    return web.Response(
                        body=content,
                        status=answer.status,
                        headers={
                            k: v for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP
                        },
                    )
            except aiohttp.ClientConnectorError:
                # Nothing reached this backend (not listening): the next one gets the request.
                self.failures[index] += 1
            except (aiohttp.ClientError, OSError):
                # The request may have reached it: not resent here, the sender decides.
                self.failures[index] += 1
                return web.Response(status=502, text="the backend did not answer")
        return web.Response(status=502, text="no backend answered")


def _update_id(body: bytes) -> int | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    value = data.get("update_id") if isinstance(data, dict) else None
    return value if isinstance(value, int) else None
