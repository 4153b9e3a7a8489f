"""The HTTP side of the fake Telegram: the aiohttp server, reading a request's parameters,
refusing (injected errors, blocked chats, the limits mode) and answering.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import socket
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from .api import (
    BLOCKED,
    BOOL_FIELDS,
    DELIVERY_METHODS,
    INT_FIELDS,
    JSON_FIELDS,
    MESSAGE_METHODS,
    SEND_METHODS,
    TOKEN_RE,
    ApiError,
    bad_request,
)
from .updates import UpdateQueue


class HttpFront(UpdateQueue):
    """Serves the Bot API over HTTP; `_handlers` maps a lower-case method name to its handler."""

    @functools.cached_property
    def _handlers(self) -> dict[str, Callable[..., Any]]:
        """Every Bot API method the fake serves (its `_m_<name>` method) by the lower-case
        name: Telegram's method names are case-insensitive."""
        return {
            name.removeprefix("_m_").lower(): getattr(self, name)
            for name in dir(self)
            if name.startswith("_m_")
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> str:
        """Serve on a free port of 127.0.0.1; returns the base URL for TELEGRAM_API_URL."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        site = web.SockSite(self._runner, sock)
        await site.start()
        self.base_url = f"http://127.0.0.1:{port}"
        if self._dirty:  # changes made before the loop ran (groups created at start-up)
            self._state_changed()
        return self.base_url

    async def stop(self) -> None:
        self.save_now()
        self._closing = True
        self._wake_pollers()
        for task in list(self._deliveries):
            task.cancel()
        if self._deliveries:
            await asyncio.gather(*self._deliveries, return_exceptions=True)
        if self._webhook_session is not None:
            await self._webhook_session.close()
            self._webhook_session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------------ internals: HTTP

    async def _read_params(
        self, request: web.Request
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        raw: dict[str, Any] = {}
        files: dict[str, dict[str, Any]] = {}
        if request.method == "GET":
            raw.update(request.query)
        elif request.can_read_body:
            content_type = request.content_type
            if content_type == "application/json":
                body = await request.json()
                raw.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()})
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = {
                            "filename": value.filename,
                            "content_type": value.content_type,
                            "content": value.file.read(),
                        }
                    else:
                        raw[key] = value
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if key in JSON_FIELDS:
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    raise bad_request(f"can't parse {key} JSON object") from None
            elif key in BOOL_FIELDS:
                params[key] = str(value).lower() in ("true", "1")
            elif key in INT_FIELDS and re.fullmatch(r"-?\d+", str(value)):
                params[key] = int(value)
            else:
                params[key] = value
        return params, files

    @staticmethod
    def _json(data: dict[str, Any], status: int = 200) -> web.Response:
        return web.Response(
            text=json.dumps(data, ensure_ascii=False),
            status=status,
            content_type="application/json",
        )

    def _error(
        self,
        method: str,
        error: ApiError,
        *,
        violation: bool,
        params: dict[str, Any] | None = None,
    ) -> web.Response:
        self.errors.append((method, error.error_code, error.description))
        if violation:
            self.violations.append((method, error.description))
            self._log_violation(method, error.description, params or {})
        return self._json(error.payload(), status=error.error_code)

    def _log_violation(self, method: str, description: str, params: dict[str, Any]) -> None:
        chat_id = params.get("chat_id")
        message_id = params.get("message_id") if method.lower() in MESSAGE_METHODS else None
        if method.lower() == "answercallbackquery":
            query = self._callbacks.get(str(params.get("callback_query_id", "")))
            if query is not None:
                chat_id, message_id = query.chat_id, query.message_id
        entry = {
            "method": method,
            "description": description,
            "chat_id": chat_id if isinstance(chat_id, int) else None,
            "message_id": message_id if isinstance(message_id, int) else None,
            "time": time.time(),
        }
        self.violation_log.append(entry)
        self._emit({"type": "violation", **entry})

    def _take_injection(self, method: str, params: dict[str, Any]) -> ApiError | None:
        for injection in self._injections:
            if injection.method != method.lower():
                continue
            if injection.chat_id is not None and str(injection.chat_id) != str(
                params.get("chat_id")
            ):
                continue
            injection.times -= 1
            if injection.times <= 0:
                self._injections.remove(injection)
            return injection.error
        return None

    async def _handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        token_match = TOKEN_RE.match(token)
        if token_match is None:
            return self._error(method, ApiError(401, "Unauthorized"), violation=True)
        self.bot_id = int(token_match.group(1))
        try:
            params, files = await self._read_params(request)
        except ApiError as error:
            return self._error(method, error, violation=True)
        if self.keep_requests:
            self.requests.append((method, params))
        handler = self._handlers.get(method.lower())
        if handler is None:
            return self._error(
                method, ApiError(404, "Not Found: method not found"), violation=True, params=params
            )
        injected = self._take_injection(method, params)
        if injected is not None:
            return self._error(method, injected, violation=False)
        if method.lower() in DELIVERY_METHODS:
            chat_id = params.get("chat_id")
            if isinstance(chat_id, int) and chat_id in self.blocked:
                return self._error(method, ApiError(403, BLOCKED), violation=False)
        limited = self._limiter is not None and method.lower() in SEND_METHODS
        if self._limiter is not None and limited:
            refused = self._limiter.check(params.get("chat_id"))
            if refused is not None:
                return self._error(method, refused, violation=False)
        try:
            result = await handler(token, params, files)
        except ApiError as error:
            return self._error(method, error, violation=error.error_code != 409, params=params)
        if self._limiter is not None and limited:
            self._limiter.accepted(params.get("chat_id"))
        return self._json({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        for record in self.files.values():
            if record["file_path"] == path:
                return web.Response(body=record["content"])
        return web.Response(status=404, text="Not Found")
