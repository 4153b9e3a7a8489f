"""Bot API methods on files: photos, documents, albums, media edits, copies and forwards,
and getFile.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from .api import (
    ApiError,
    bad_request,
)
from .entities import public_message
from .messages import MessageMethods


class MediaMethods(MessageMethods):
    """Files the fake knows, and the methods that send or change them."""

    def _store_file(
        self,
        kind: str,
        content: bytes,
        file_name: str | None = None,
        mime_type: str | None = None,
        file_id: str | None = None,
    ) -> dict[str, Any]:
        prefix = {"photo": "AgACAgIAAxk", "sticker": "CAACAgIAAxk", "voice": "AwACAgIAAxk"}.get(
            kind, "BQACAgIAAxk"
        )
        file_id = file_id or prefix + secrets.token_urlsafe(24)
        unique = "AQAD" + secrets.token_urlsafe(8)
        record = {
            "kind": kind,
            "file_id": file_id,
            "file_unique_id": unique,
            "file_size": len(content),
            "file_path": f"{kind}s/file_{len(self.files)}"
            + ("." + file_name.rsplit(".", 1)[1] if file_name and "." in file_name else ""),
            "file_name": file_name,
            "mime_type": mime_type,
            "content": content,
        }
        self.files[file_id] = record
        self._state_changed()
        return record

    def _file_object(self, record: dict[str, Any]) -> dict[str, Any]:
        kind = record["kind"]
        base = {
            "file_id": record["file_id"],
            "file_unique_id": record["file_unique_id"],
            "file_size": record["file_size"],
        }
        if kind == "photo":
            return {**base, "width": 1280, "height": 960}
        if kind == "sticker":
            return {
                **base,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            }
        if kind == "voice":
            return {**base, "duration": 3, "mime_type": "audio/ogg"}
        document = dict(base)
        if record.get("file_name"):
            document["file_name"] = record["file_name"]
        if record.get("mime_type"):
            document["mime_type"] = record["mime_type"]
        return document

    def _input_file(
        self, value: Any, files: dict[str, dict[str, Any]], kind: str, field_name: str
    ) -> dict[str, Any]:
        """A file parameter: an upload ('attach://key'), a known file_id, or an HTTP URL."""
        if not value:
            raise bad_request(f"there is no {field_name} in the request")
        value = str(value)
        if value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"there is no {field_name} in the request")
            if kind == "photo" and len(upload["content"]) > 10 * 1024 * 1024:
                raise ApiError(413, "Request Entity Too Large")
            return self._store_file(
                kind, upload["content"], upload["filename"], upload["content_type"]
            )
        if value.startswith(("http://", "https://")):
            name = value.rsplit("/", 1)[-1] or None
            return self._store_file(kind, b"", name, None)
        record = self.files.get(value)
        if record is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return record

    def _media_content(self, kind: str, record: dict[str, Any]) -> dict[str, Any]:
        obj = self._file_object(record)
        if kind == "photo":
            small = {
                **obj,
                "width": 90,
                "height": 67,
                "file_id": obj["file_id"] + "_s",
                "file_unique_id": obj["file_unique_id"] + "s",
            }
            return {"photo": [small, obj]}
        return {kind: obj}

    async def _send_media(
        self, token: str, params: dict[str, Any], files: dict[str, Any], kind: str
    ) -> Any:
        chat = self._target_chat(params)
        caption = self._caption_content(params)
        markup = self._check_markup(params.get("reply_markup"))
        record = self._input_file(params.get(kind), files, kind, kind)
        content = {**self._media_content(kind, record), **caption}
        self._apply_reply_markup(chat, markup, content)
        return public_message(self._record_bot_message(token, chat, content, params))

    async def _m_sendPhoto(self, token: str, params: dict[str, Any], files: Any) -> Any:
        return await self._send_media(token, params, files, "photo")

    async def _m_sendDocument(self, token: str, params: dict[str, Any], files: Any) -> Any:
        return await self._send_media(token, params, files, "document")

    async def _m_sendMediaGroup(self, token: str, params: dict[str, Any], files: Any) -> Any:
        chat = self._target_chat(params)
        media = params.get("media")
        if not isinstance(media, list):
            raise bad_request("can't parse media JSON object")
        if not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media in the album: must be 2-10")
        prepared = []
        for item in media:
            kind = item.get("type") if isinstance(item, dict) else None
            if kind not in ("photo", "document", "video", "audio"):
                raise bad_request("can't parse InputMedia: media type is not specified")
            caption = self._caption_content(item)
            record = self._input_file(item.get("media"), files, kind, "media")
            prepared.append({**self._media_content(kind, record), **caption})
        group_id = str(secrets.randbelow(10**18))
        return [
            public_message(
                self._record_bot_message(
                    token, chat, {**content, "media_group_id": group_id}, params
                )
            )
            for content in prepared
        ]

    def _copy_content(self, source: dict[str, Any]) -> dict[str, Any]:
        keys = (
            "text",
            "entities",
            "caption",
            "caption_entities",
            "photo",
            "document",
            "sticker",
            "voice",
            "contact",
            "parse_mode",
            "source_text",
        )
        return {k: json.loads(json.dumps(source[k])) for k in keys if k in source}

    def _source_message(self, params: dict[str, Any], what: str) -> dict[str, Any]:
        """The message a copy or forward takes (`from_chat_id`, `message_id`)."""
        source_chat = self._target_chat(params, "from_chat_id")
        return self._message(source_chat, params.get("message_id"), what)

    async def _m_copyMessage(self, token: str, params: dict[str, Any], files: Any) -> Any:
        chat = self._target_chat(params)
        source = self._source_message(params, "copy")
        content = self._copy_content(source)
        if params.get("caption") is not None and "text" not in content:
            for key in ("caption", "caption_entities"):
                content.pop(key, None)
            content.update(self._caption_content(params))
        markup = self._check_markup(params.get("reply_markup"))
        self._apply_reply_markup(chat, markup, content)
        message = self._record_bot_message(token, chat, content, params)
        return {"message_id": message["message_id"]}

    async def _m_forwardMessage(self, token: str, params: dict[str, Any], files: Any) -> Any:
        chat = self._target_chat(params)
        source = self._source_message(params, "forward")
        content = self._copy_content(source)
        sender = source.get("from", {})
        content["forward_origin"] = {"type": "user", "sender_user": sender, "date": source["date"]}
        return public_message(self._record_bot_message(token, chat, content, params))

    async def _m_getFile(self, token: str, params: dict[str, Any], files: Any) -> Any:
        record = self.files.get(str(params.get("file_id", "")))
        if record is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": record["file_id"],
            "file_unique_id": record["file_unique_id"],
            "file_size": record["file_size"],
            "file_path": record["file_path"],
        }

    async def _m_editMessageMedia(self, token: str, params: dict[str, Any], files: Any) -> Any:
        chat, message = self._editable_message(params)
        if "text" in message:
            raise bad_request("there is no media in the message to edit")
        media = params.get("media")
        kind = media.get("type") if isinstance(media, dict) else None
        if not isinstance(media, dict) or kind not in (
            "photo",
            "document",
            "video",
            "audio",
            "animation",
        ):
            raise bad_request("can't parse InputMedia: media type is not specified")
        caption = self._caption_content(media)
        record = self._input_file(media.get("media"), files, kind, "media")
        markup = self._edit_markup(params)
        content = {**self._media_content(kind, record), **caption}
        replaced = (
            "photo",
            "document",
            "video",
            "audio",
            "animation",
            "caption",
            "caption_entities",
            "parse_mode",
            "source_text",
        )
        return self._apply_edit(chat, message, replaced, content, markup)
