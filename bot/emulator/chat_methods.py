"""Bot API methods about the bot and its chats: getMe, command menus, descriptions,
getChat, getChatMember, chat actions.
"""

from __future__ import annotations

import re
from typing import Any

from .api import (
    COMMAND_RE,
    COMMANDS_LIMIT,
    DESCRIPTION_LIMIT,
    SHORT_DESCRIPTION_LIMIT,
    bad_request,
)
from .media import MediaMethods


class ChatMethods(MediaMethods):
    """The bot's profile, commands and descriptions; chats and their members."""

    async def _m_getMe(self, token: str, params: dict[str, Any], files: Any) -> Any:
        return {
            **self._bot_user(token),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _scope_key(self, params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in (
            "default",
            "all_private_chats",
            "all_group_chats",
            "all_chat_administrators",
            "chat",
            "chat_administrators",
            "chat_member",
        ):
            raise bad_request("can't parse BotCommandScope: wrong type")
        kind = scope["type"]
        if kind in ("chat", "chat_administrators", "chat_member"):
            # like Telegram: a chat scope needs a chat the bot knows (the user wrote first)
            chat_id = scope.get("chat_id")
            if not isinstance(chat_id, int) or chat_id not in self.chats:
                raise bad_request("chat not found")
            kind = f"{kind}:{scope.get('chat_id')}"
            if scope["type"] == "chat_member":
                kind += f":{scope.get('user_id')}"
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        return kind, language

    async def _m_setMyCommands(self, token: str, params: dict[str, Any], files: Any) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > COMMANDS_LIMIT:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict) or not COMMAND_RE.match(
                str(command.get("command", ""))
            ):
                raise bad_request("BOT_COMMAND_INVALID")
            description = str(command.get("description", ""))
            if not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._scope_key(params)
        if commands:
            self.commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self.commands.pop(key, None)
        self._emit({"type": "commands"})
        return True

    async def _m_getMyCommands(self, token: str, params: dict[str, Any], files: Any) -> Any:
        return self.commands.get(self._scope_key(params), [])

    async def _m_deleteMyCommands(self, token: str, params: dict[str, Any], files: Any) -> Any:
        self.commands.pop(self._scope_key(params), None)
        self._emit({"type": "commands"})
        return True

    def _set_description(
        self, store: dict[str, str], params: dict[str, Any], key: str, limit: int
    ) -> bool:
        text = params.get(key) or ""
        if len(text) > limit:
            raise bad_request(f"{key.replace('_', ' ')} is too long")
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        if text:
            store[language] = text
        else:
            store.pop(language, None)
        self._state_changed()
        return True

    async def _m_setMyDescription(self, token: str, params: dict[str, Any], files: Any) -> Any:
        return self._set_description(self.descriptions, params, "description", DESCRIPTION_LIMIT)

    async def _m_getMyDescription(self, token: str, params: dict[str, Any], files: Any) -> Any:
        return {"description": self.descriptions.get(params.get("language_code") or "", "")}

    async def _m_setMyShortDescription(self, token: str, params: dict[str, Any], files: Any) -> Any:
        return self._set_description(
            self.short_descriptions, params, "short_description", SHORT_DESCRIPTION_LIMIT
        )

    async def _m_getMyShortDescription(self, token: str, params: dict[str, Any], files: Any) -> Any:
        language = params.get("language_code") or ""
        return {"short_description": self.short_descriptions.get(language, "")}

    async def _m_getChat(self, token: str, params: dict[str, Any], files: Any) -> Any:
        chat = self._target_chat(params)
        return {
            **chat.info,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _m_getChatMember(self, token: str, params: dict[str, Any], files: Any) -> Any:
        chat = self._target_chat(params)
        user_id = params.get("user_id")
        if not isinstance(user_id, int):
            raise bad_request("invalid user_id specified")
        if self.bot_id is not None and user_id == self.bot_id:
            user = self._bot_user(token)
        elif user_id in self.users:
            user = self.users[user_id].info
        else:
            raise bad_request("user not found")
        status = self.member_status.get((chat.id, user_id), "member")
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "kicked":
            member["until_date"] = 0
        elif status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(
                {
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": True,
                    "can_restrict_members": True,
                    "can_promote_members": False,
                    "can_change_info": True,
                    "can_invite_users": True,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                }
            )
        elif status == "restricted":
            member.update(
                {"is_member": True, "until_date": 0}
                | {
                    key: False
                    for key in (
                        "can_send_messages",
                        "can_send_audios",
                        "can_send_documents",
                        "can_send_photos",
                        "can_send_videos",
                        "can_send_video_notes",
                        "can_send_voice_notes",
                        "can_send_polls",
                        "can_send_other_messages",
                        "can_add_web_page_previews",
                        "can_change_info",
                        "can_invite_users",
                        "can_pin_messages",
                        "can_manage_topics",
                    )
                }
            )
        return member

    async def _m_sendChatAction(self, token: str, params: dict[str, Any], files: Any) -> Any:
        self._target_chat(params)
        if not params.get("action"):
            raise bad_request("action is empty")
        return True

    async def _m_close(self, token: str, params: dict[str, Any], files: Any) -> Any:
        return True

    async def _m_logOut(self, token: str, params: dict[str, Any], files: Any) -> Any:
        return True

    async def _m_setChatMenuButton(self, token: str, params: dict[str, Any], files: Any) -> Any:
        if params.get("chat_id") is not None:
            self._target_chat(params)
        return True
