"""The sandbox page: a Telegram-like web client of the Bot API emulator.

Serves the page (static/), a JSON API through which the page acts as a persona, server-sent
events that carry every change of the emulator live, and the files the bot sent.

It listens on loopback by default, but is written as a service someone could reach: every input
is validated, POSTs need a JSON or multipart body and the `X-Sandbox-Client: 1` header (a
cross-site form cannot send it, and the CORS preflight a custom header forces is never allowed),
the Host header must name this server (no DNS rebinding), and bot-sent files are served so that
none of them can run in the page's origin.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
import json
import logging
import mimetypes
import re
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from aiohttp import BodyPartReader, web

from bot.emulator import ClientRefused, FakeTelegram, FakeUser
from bot.emulator.api import CAPTION_LIMIT, TEXT_LIMIT, UPLOAD_LIMIT
from bot.emulator.entities import image_mime_type

from .personas import PERSONAS, STAFF_GROUPS, Persona, StaffGroup, group_members
from .personas import persona as persona_by_key

__all__ = ["SandboxHooks", "create_sandbox_app"]

_log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Silence on the event stream longer than this gets a comment line, so proxies and the
# browser keep the connection; the bot's status is looked at this often.
HEARTBEAT_SECONDS = 15.0
STATUS_POLL_SECONDS = 2.0
# The multipart body may hold a caption and a few fields beside the file.
_BODY_LIMIT = UPLOAD_LIMIT + 64 * 1024
_CLIENT_HEADER = "X-Sandbox-Client"
_PAGE_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
# A file is data, never a page of this origin: no script, no plugins, no framing.
_FILE_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
_MIME_RE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$")
_LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_CLOSE: dict[str, Any] = {"type": "_close"}
_dumps = functools.partial(json.dumps, ensure_ascii=False)


class SandboxHooks(Protocol):
    """What the page needs from the sandbox runner."""

    async def reset(self) -> None:
        """Wipe the sandbox's data, seed it again and restart the bot."""

    def status(self) -> dict[str, object]:
        """{"bot": "starting"|"running"|"restarting"|"stopped", "data_dir": str}."""


class _Refused(Exception):
    """A request the page made wrongly; answered as {"error": code, "description": ...}."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.code = code
        self.description = description


def _refused(error: ClientRefused) -> _Refused:
    status = 404 if error.code in ("chat_not_found", "message_not_found") else 400
    if error.code == "file_too_large":
        status = 413
    return _Refused(status, error.code, error.description)


def _json(data: object, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps)


def _error_response(status: int, code: str, description: str) -> web.Response:
    return _json({"error": code, "description": description}, status=status)


class SandboxPage:
    """The page's routes over one emulator."""

    def __init__(
        self, emulator: FakeTelegram, hooks: SandboxHooks, allowed_hosts: Iterable[str]
    ) -> None:
        self.emulator = emulator
        self.hooks = hooks
        self.allowed_hosts = frozenset(h.lower().strip("[]") for h in allowed_hosts)
        self.streams: set[asyncio.Queue[dict[str, Any]]] = set()
        self.ensure_groups()

    def ensure_groups(self) -> None:
        """The staff groups exist in the emulator (again after a reset)."""
        for group in STAFF_GROUPS:
            self.emulator.group(group.chat_id, group.title)

    # ------------------------------------------------------------------ input

    @staticmethod
    def persona_of(value: object) -> Persona:
        if isinstance(value, str):
            with contextlib.suppress(KeyError):
                return persona_by_key(value)
        raise _Refused(400, "unknown_persona", f"unknown persona {value!r}")

    def user_of(self, persona: Persona) -> FakeUser:
        return self.emulator.user(
            persona.user_id,
            persona.first_name,
            persona.last_name,
            language_code=persona.language_code,
            phone_number=persona.phone,
        )

    @staticmethod
    def group_of(chat_id: int) -> StaffGroup | None:
        return next((g for g in STAFF_GROUPS if g.chat_id == chat_id), None)

    def chat_for(self, persona: Persona, chat_id: object) -> int:
        """A chat id the persona may see and act in: its private chat and every staff group.
        A persona who is not a member of a group may still write and press there (the page
        says so): the bot, not the page, decides what someone without staff rights may do."""
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise _Refused(400, "bad_request", "chat_id must be a number")
        if chat_id == persona.user_id:
            return chat_id
        group = self.group_of(chat_id)
        if group is None:
            raise _Refused(404, "chat_not_found", f"chat {chat_id} is not open to this persona")
        self.ensure_groups()
        return chat_id

    @staticmethod
    def optional_int(body: dict[str, Any], key: str) -> int | None:
        value = body.get(key)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise _Refused(400, "bad_request", f"{key} must be a number")
        return value

    @staticmethod
    def required_int(body: dict[str, Any], key: str) -> int:
        value = SandboxPage.optional_int(body, key)
        if value is None:
            raise _Refused(400, "bad_request", f"{key} is missing")
        return value

    @staticmethod
    def required_text(body: dict[str, Any]) -> str:
        text = body.get("text")
        if not isinstance(text, str):
            raise _Refused(400, "bad_request", "text must be a string")
        return text

    @staticmethod
    async def json_body(request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise _Refused(400, "bad_request", "the body is not JSON") from None
        if not isinstance(body, dict):
            raise _Refused(400, "bad_request", "the body must be a JSON object")
        return body

    async def action(self, request: web.Request) -> tuple[dict[str, Any], Persona, int]:
        """What a person's action names: its JSON body, the persona acting and the chat."""
        body = await self.json_body(request)
        persona = self.persona_of(body.get("persona"))
        return body, persona, self.chat_for(persona, body.get("chat_id"))

    def message_answer(self, chat_id: int, message: dict[str, Any]) -> web.Response:
        """The answer to an action that put a message into the chat: the message as shown."""
        return _json({"message": self.emulator.message_view(chat_id, message)})

    # ------------------------------------------------------------------ views

    def persona_view(self, persona: Persona) -> dict[str, Any]:
        return {
            "key": persona.key,
            "user_id": persona.user_id,
            "name": persona.full_name,
            "language_code": persona.language_code,
            "phone": persona.phone,
            "role": {"uk": persona.role_uk, "en": persona.role_en},
            "staff_of": list(persona.staff_of),
            "admin": persona.admin,
            "groups": [g.chat_id for g in STAFF_GROUPS if persona in group_members(g)],
        }

    def chat_summary(self, chat_id: int) -> dict[str, Any]:
        chat = self.emulator.chats.get(chat_id)
        last = None
        if chat is not None:
            shown = [m for m in chat.messages.values() if not m.get("deleted")]
            if shown:
                last = self.emulator.message_view(chat_id, shown[-1])
        return {"chat_id": chat_id, "last": last}

    # ------------------------------------------------------------------ routes

    async def index(self, request: web.Request) -> web.StreamResponse:
        response = web.FileResponse(STATIC_DIR / "index.html")
        response.headers["Cache-Control"] = "no-cache"
        return response

    async def state(self, request: web.Request) -> web.Response:
        chat_ids = [p.user_id for p in PERSONAS] + [g.chat_id for g in STAFF_GROUPS]
        return _json(
            {
                "status": self.hooks.status(),
                "limits": {"text": TEXT_LIMIT, "caption": CAPTION_LIMIT, "upload": UPLOAD_LIMIT},
                "personas": [self.persona_view(p) for p in PERSONAS],
                "groups": [
                    {
                        "chat_id": g.chat_id,
                        "title": g.title,
                        "association": g.association,
                        "members": [p.key for p in group_members(g)],
                    }
                    for g in STAFF_GROUPS
                ],
                "chats": [self.chat_summary(chat_id) for chat_id in chat_ids],
                "violations": [
                    entry for entry in self.emulator.violation_log if entry["chat_id"] is None
                ],
            }
        )

    async def messages(self, request: web.Request) -> web.Response:
        persona = self.persona_of(request.query.get("persona"))
        chat_id = self.chat_for(persona, _int_field(request.match_info, "chat_id"))
        if chat_id == persona.user_id:
            self.user_of(persona)
        chat = self.emulator.chats.get(chat_id)
        return _json(
            {
                "chat_id": chat_id,
                "messages": self.emulator.chat_messages(chat_id),
                "notes": self.emulator.chat_notes(chat_id),
                "reply_keyboard": chat.reply_keyboard if chat is not None else None,
            }
        )

    async def commands(self, request: web.Request) -> web.Response:
        persona = self.persona_of(request.query.get("persona"))
        chat_id = self.chat_for(persona, _int_field(request.query, "chat"))
        commands = self.emulator.commands_for(chat_id, persona.user_id, persona.language_code)
        return _json({"commands": commands})

    async def send(self, request: web.Request) -> web.Response:
        body, persona, chat_id = await self.action(request)
        text = self.required_text(body)
        reply_to = self.optional_int(body, "reply_to")
        message = await self.user_of(persona).write(text, chat_id=chat_id, reply_to=reply_to)
        return self.message_answer(chat_id, message)

    async def upload(self, request: web.Request) -> web.Response:
        fields, upload = await self.read_upload(request)
        persona = self.persona_of(fields.get("persona"))
        chat_id = self.chat_for(persona, _int_field(fields, "chat_id"))
        reply_to = _int_field(fields, "reply_to") if fields.get("reply_to") else None
        if upload is None:
            raise _Refused(400, "bad_request", "no file in the request")
        file_name, content_type, content = upload
        message = await self.user_of(persona).send_file(
            content,
            chat_id=chat_id,
            file_name=file_name,
            mime_type=content_type,
            as_photo=content_type.startswith("image/"),
            caption=fields.get("caption") or None,
            reply_to=reply_to,
        )
        return self.message_answer(chat_id, message)

    @staticmethod
    async def read_upload(
        request: web.Request,
    ) -> tuple[dict[str, str], tuple[str, str, bytes] | None]:
        """The text fields and the one file of a multipart body, refusing more than 20 MB."""
        try:
            reader = await request.multipart()
        except (AssertionError, ValueError):
            raise _Refused(400, "bad_request", "the body is not multipart") from None
        fields: dict[str, str] = {}
        upload: tuple[str, str, bytes] | None = None
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader) or part.name is None:
                raise _Refused(400, "bad_request", "unexpected multipart content")
            if part.name == "file":
                data = bytearray()
                while chunk := await part.read_chunk(64 * 1024):
                    data += chunk
                    if len(data) > UPLOAD_LIMIT:
                        raise _Refused(413, "file_too_large", "a file is at most 20 MB here")
                content_type = (part.headers.get("Content-Type") or "").split(";")[0].lower()
                if not _MIME_RE.match(content_type):
                    content_type = "application/octet-stream"
                upload = (_clean_file_name(part.filename), content_type, bytes(data))
            elif part.name in ("persona", "chat_id", "caption", "reply_to"):
                value = await part.read(decode=True)
                if len(value) > 16 * 1024:
                    raise _Refused(400, "bad_request", f"{part.name} is too long")
                fields[part.name] = value.decode("utf-8", errors="replace")
            else:
                raise _Refused(400, "bad_request", f"unexpected field {part.name!r}")
        return fields, upload

    async def press(self, request: web.Request) -> web.Response:
        body, persona, chat_id = await self.action(request)
        query_id = await self.user_of(persona).press(
            chat_id=chat_id,
            message_id=self.required_int(body, "message_id"),
            row=self.required_int(body, "row"),
            column=self.required_int(body, "col"),
        )
        return _json({"callback_query_id": query_id})

    async def reply_button(self, request: web.Request) -> web.Response:
        body, persona, chat_id = await self.action(request)
        text = self.required_text(body)
        message = await self.user_of(persona).press_reply_key(text, chat_id=chat_id)
        return self.message_answer(chat_id, message)

    async def contact(self, request: web.Request) -> web.Response:
        _, persona, chat_id = await self.action(request)
        message = await self.user_of(persona).share_contact(chat_id=chat_id)
        return self.message_answer(chat_id, message)

    async def reset(self, request: web.Request) -> web.Response:
        body = await self.json_body(request)
        if body.get("confirm") is not True:
            raise _Refused(400, "bad_request", "a reset must be confirmed")
        await self.hooks.reset()
        self.ensure_groups()
        return _json({"status": self.hooks.status()})

    async def events(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream; charset=utf-8",
                "Cache-Control": "no-store",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        queue = self.emulator.subscribe()
        self.streams.add(queue)
        loop = asyncio.get_running_loop()
        status = self.hooks.status()
        try:
            await response.write(b"retry: 2000\n\n")
            await _write_event(response, {"type": "hello", "status": status})
            quiet_since = loop.time()
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), STATUS_POLL_SECONDS)
                except TimeoutError:
                    current = self.hooks.status()
                    if current != status:
                        status = current
                        await _write_event(response, {"type": "status", "status": status})
                        quiet_since = loop.time()
                    elif loop.time() - quiet_since >= HEARTBEAT_SECONDS:
                        await response.write(b": heartbeat\n\n")
                        quiet_since = loop.time()
                    continue
                if event is _CLOSE:
                    break
                await _write_event(response, event)
                quiet_since = loop.time()
        except (ConnectionResetError, ConnectionError):
            pass  # the browser went away
        finally:
            self.emulator.unsubscribe(queue)
            self.streams.discard(queue)
        return response

    async def file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        record = self.emulator.files.get(file_id) or self.emulator.files.get(
            file_id.removesuffix("_s")
        )
        if record is None:
            raise _Refused(404, "not_found", "no such file")
        content: bytes = record.get("content") or b""
        name = str(record.get("file_name") or record["file_path"].rsplit("/", 1)[-1])
        image_type = image_mime_type(content)
        response = web.Response(body=content)
        if record["kind"] == "photo" and image_type is not None:
            response.content_type = image_type
            disposition = "inline"
        else:
            response.content_type = _document_type(record.get("mime_type"), name)
            disposition = "attachment"
        response.headers["Content-Disposition"] = _content_disposition(disposition, name)
        response.headers["Content-Security-Policy"] = _FILE_CSP
        response.headers["Cache-Control"] = "private, max-age=3600"
        return response

    # ------------------------------------------------------------------ guards

    def host_allowed(self, request: web.Request) -> bool:
        """The Host header names this server: a loopback name, the address the connection
        arrived at, or a name the runner allowed, with the port it arrived at."""
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        if not sockname:
            return False
        local_ip, local_port = str(sockname[0]), int(sockname[1])
        host, port = _split_host(request.headers.get("Host", ""))
        if host is None:
            return False
        if (port if port is not None else 80) != local_port:
            return False
        return host in _LOCAL_NAMES or host == local_ip.lower() or host in self.allowed_hosts

    @web.middleware
    async def guard(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if not self.host_allowed(request):
            return _error_response(421, "forbidden_host", "this server does not answer that host")
        if request.method not in ("GET", "HEAD", "POST"):
            return _error_response(405, "bad_request", "method not allowed")
        if request.method == "POST":
            if request.headers.get(_CLIENT_HEADER) != "1":
                return _error_response(
                    403, "client_header_required", f"the {_CLIENT_HEADER} header is required"
                )
            origin = request.headers.get("Origin")
            if origin is not None and origin != f"{request.scheme}://{request.host}":
                return _error_response(403, "forbidden_origin", "cross-site request refused")
            if request.content_type not in ("application/json", "multipart/form-data"):
                return _error_response(
                    415, "bad_request", "the body must be JSON or multipart/form-data"
                )
        try:
            return await handler(request)
        except _Refused as error:
            return _error_response(error.status, error.code, error.description)
        except ClientRefused as error:  # what a Telegram client could not send
            refused = _refused(error)
            return _error_response(refused.status, refused.code, refused.description)
        except web.HTTPRequestEntityTooLarge:
            return _error_response(413, "file_too_large", "a file is at most 20 MB here")
        except web.HTTPException as error:
            if error.status >= 400:
                code = "not_found" if error.status == 404 else "bad_request"
                return _error_response(error.status, code, error.reason)
            raise

    async def close_streams(self, app: web.Application) -> None:
        for queue in list(self.streams):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(_CLOSE)


async def _write_event(response: web.StreamResponse, event: dict[str, Any]) -> None:
    data = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    await response.write(f"data: {data}\n\n".encode())


def _split_host(value: str) -> tuple[str | None, int | None]:
    value = value.strip().lower()
    if not value:
        return None, None
    host, port_text = value, ""
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None, None
        host, rest = value[1:end], value[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                return None, None
            port_text = rest[1:]
    elif value.count(":") == 1:
        host, port_text = value.split(":")
    elif ":" in value:
        with contextlib.suppress(ValueError):
            return str(ipaddress.IPv6Address(value)), None
        return None, None
    if port_text:
        if not port_text.isdigit():
            return None, None
        return host, int(port_text)
    return host, None


def _int_field(fields: Mapping[str, str], key: str) -> int:
    try:
        return int(fields.get(key, ""))
    except ValueError:
        raise _Refused(400, "bad_request", f"{key} must be a number") from None


def _clean_file_name(name: str | None) -> str:
    """The base name of an uploaded file, without control characters or path parts."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    return base[:200] or "file"


def _document_type(declared: object, name: str) -> str:
    if isinstance(declared, str) and _MIME_RE.match(declared.lower()):
        return declared.lower()
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def _content_disposition(kind: str, name: str) -> str:
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", _PAGE_CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Cache-Control", "no-store")


def create_sandbox_app(
    emulator: FakeTelegram, *, hooks: SandboxHooks, allowed_hosts: Iterable[str] = ()
) -> web.Application:
    """The page, its JSON API (/api/...), its event stream and the bot's files (/files/...).

    `allowed_hosts`: extra host names the page may be reached by (loopback names and the
    address a connection arrives at are always allowed)."""
    page = SandboxPage(emulator, hooks, allowed_hosts)
    app = web.Application(middlewares=[page.guard], client_max_size=_BODY_LIMIT)
    app.on_response_prepare.append(_security_headers)
    app.on_shutdown.append(page.close_streams)
    app.router.add_get("/", page.index)
    app.router.add_static("/static/", STATIC_DIR, append_version=False)
    app.router.add_get("/api/state", page.state)
    app.router.add_get("/api/chats/{chat_id}/messages", page.messages)
    app.router.add_get("/api/commands", page.commands)
    app.router.add_get("/api/events", page.events)
    app.router.add_post("/api/send", page.send)
    app.router.add_post("/api/upload", page.upload)
    app.router.add_post("/api/press", page.press)
    app.router.add_post("/api/reply-button", page.reply_button)
    app.router.add_post("/api/contact", page.contact)
    app.router.add_post("/api/reset", page.reset)
    app.router.add_get("/files/{file_id}", page.file)
    return app
