"""Realistic Bot API updates (current for the pinned aiogram) for the shared scenarios."""

from __future__ import annotations

import time
from typing import Any

from tests.conformance import scenarios as s
from tests.fakes.telegram.server import BOT_USER

GROUP = {"id": -1001234567890, "title": "Town Square", "type": "supergroup", "is_forum": False}
ALICE = {"id": 1001, "is_bot": False, "first_name": s.MEMBER_NAME, "language_code": "en"}
EVE = {"id": 1002, "is_bot": False, "first_name": s.HOSTILE_NAME}
ADMIN = {"id": 1000, "is_bot": False, "first_name": "Olga", "username": "olga"}


def now() -> int:
    return int(time.time())


def message(
    text: str, user: dict[str, Any] = ALICE, message_id: int = 10, **extra: Any
) -> dict[str, Any]:
    return {
        "message": {
            "message_id": message_id,
            "from": user,
            "chat": GROUP,
            "date": now(),
            "text": text,
            **extra,
        }
    }


def command(text: str, user: dict[str, Any] = ALICE) -> dict[str, Any]:
    head = text.split(maxsplit=1)[0]
    return message(text, user, entities=[{"type": "bot_command", "offset": 0, "length": len(head)}])


def member(user: dict[str, Any], status: str) -> dict[str, Any]:
    if status == "kicked":
        return {"status": "kicked", "user": user, "until_date": 0}
    return {"status": status, "user": user}


def chat_member(
    user: dict[str, Any], old: str, new: str, by: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "chat_member": {
            "chat": GROUP,
            "from": by or user,
            "date": now(),
            "old_chat_member": member(user, old),
            "new_chat_member": member(user, new),
        }
    }


def join_service_message(user: dict[str, Any]) -> dict[str, Any]:
    return {
        "message": {
            "message_id": 11,
            "from": user,
            "chat": GROUP,
            "date": now(),
            "new_chat_members": [user],
            "new_chat_member": user,
            "new_chat_participant": user,
        }
    }


def callback(data: str, user: dict[str, Any] = ALICE) -> dict[str, Any]:
    return {
        "callback_query": {
            "id": "4382bfdwdsb323b2d9",
            "from": user,
            "chat_instance": "-5395204384323",
            "data": data,
            "message": {
                "message_id": 42,
                "from": BOT_USER,
                "chat": GROUP,
                "date": now(),
                "text": "Lunch today?",
            },
        }
    }


def reaction(emoji: str, user: dict[str, Any] = ALICE) -> dict[str, Any]:
    return {
        "message_reaction": {
            "chat": GROUP,
            "message_id": 10,
            "user": user,
            "date": now(),
            "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": emoji}],
        }
    }


def bot_added(by: dict[str, Any] = ADMIN) -> dict[str, Any]:
    bot = {k: BOT_USER[k] for k in ("id", "is_bot", "first_name", "username")}
    return {
        "my_chat_member": {
            "chat": GROUP,
            "from": by,
            "date": now(),
            "old_chat_member": {"status": "left", "user": bot},
            "new_chat_member": {"status": "member", "user": bot},
        }
    }


def administrator(user: dict[str, Any]) -> dict[str, Any]:
    flags = [
        "can_be_edited",
        "is_anonymous",
        "can_manage_chat",
        "can_delete_messages",
        "can_manage_video_chats",
        "can_restrict_members",
        "can_promote_members",
        "can_change_info",
        "can_invite_users",
        "can_post_stories",
        "can_edit_stories",
        "can_delete_stories",
        "can_send_welcome_messages",
    ]
    return {
        "status": "administrator",
        "user": user,
        **{flag: flag != "is_anonymous" for flag in flags},
    }


def owner(user: dict[str, Any]) -> dict[str, Any]:
    return {"status": "creator", "user": user, "is_anonymous": False}


SCENARIO_UPDATES: dict[str, dict[str, Any]] = {
    "join": chat_member(ALICE, "left", "member"),
    "join_hostile": chat_member(EVE, "left", "member"),
    "leave": chat_member(ALICE, "member", "left"),
    "message": message(s.MESSAGE_TEXT),
    "command": command(s.COMMAND_TEXT),
    "button": callback(s.BUTTON_DATA),
    "reaction": reaction(s.REACTION_EMOJI),
    "bot_added": bot_added(),
}
