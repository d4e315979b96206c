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


def callback(
    data: str,
    user: dict[str, Any] = ALICE,
    *,
    message_id: int = 42,
    chat: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A press of ``data`` on the bot's message ``message_id`` in ``chat`` (the group)."""
    return {
        "callback_query": {
            "id": "4382bfdwdsb323b2d9",
            "from": user,
            "chat_instance": "-5395204384323",
            "data": data,
            "message": {
                "message_id": message_id,
                "from": BOT_USER,
                "chat": chat or GROUP,
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


def restricted(user: dict[str, Any], *, is_member: bool) -> dict[str, Any]:
    """``ChatMemberRestricted`` with every field the pinned aiogram requires (Bot API 10)."""
    permissions = {
        "can_send_messages": False,
        "can_send_audios": False,
        "can_send_documents": False,
        "can_send_photos": False,
        "can_send_videos": False,
        "can_send_video_notes": False,
        "can_send_voice_notes": False,
        "can_send_polls": False,
        "can_send_other_messages": False,
        "can_add_web_page_previews": False,
        "can_react_to_messages": False,
        "can_edit_tag": False,
        "can_change_info": False,
        "can_invite_users": True,
        "can_pin_messages": False,
        "can_manage_topics": False,
    }
    return {
        "status": "restricted",
        "user": user,
        "is_member": is_member,
        "until_date": 0,
        **permissions,
    }


def member_change(
    user: dict[str, Any],
    old: dict[str, Any],
    new: dict[str, Any],
    by: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``chat_member`` update between two full ``ChatMember`` objects."""
    return {
        "chat_member": {
            "chat": GROUP,
            "from": by or user,
            "date": now(),
            "old_chat_member": old,
            "new_chat_member": new,
        }
    }


def leave_service_message(user: dict[str, Any], by: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "message": {
            "message_id": 12,
            "from": by or user,
            "chat": GROUP,
            "date": now(),
            "left_chat_member": user,
            "left_chat_participant": user,
        }
    }


ANONYMOUS_ADMIN_BOT = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}


def anonymous_admin_command(text: str) -> dict[str, Any]:
    """A command an administrator sent anonymously (as the group itself)."""
    update = command(text, user=ANONYMOUS_ADMIN_BOT)
    update["message"]["sender_chat"] = {k: GROUP[k] for k in ("id", "title", "type")}
    return update


CHANNEL = {"id": -1009876543210, "title": "Town News", "type": "channel"}


def automatic_forward(text: str) -> dict[str, Any]:
    """A channel post Telegram copies into the linked discussion group."""
    update = message(text, user={"id": 777000, "is_bot": False, "first_name": "Telegram"})
    update["message"] |= {"sender_chat": CHANNEL, "is_automatic_forward": True}
    return update


def topic_message(text: str, thread: int = 55, user: dict[str, Any] = ALICE) -> dict[str, Any]:
    """A message in a forum topic; its implicit reply to the topic's first message is not a
    reply a member made."""
    forum = {**GROUP, "is_forum": True}
    return {
        "message": {
            "message_id": 60,
            "message_thread_id": thread,
            "is_topic_message": True,
            "from": user,
            "chat": forum,
            "date": now(),
            "text": text,
            "reply_to_message": {
                "message_id": thread,
                "message_thread_id": thread,
                "from": ADMIN,
                "chat": forum,
                "date": now() - 3600,
                "forum_topic_created": {"name": "Lunch", "icon_color": 7322096},
                "is_topic_message": True,
            },
        }
    }


def private_message(text: str, user: dict[str, Any] = ALICE) -> dict[str, Any]:
    chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    return {"message": {"message_id": 3, "from": user, "chat": chat, "date": now(), "text": text}}


EXTRA_UPDATES: dict[str, dict[str, Any]] = {
    "join_service_message": join_service_message(ALICE),
    "leave_service_message": leave_service_message(ALICE),
    "kicked": chat_member(ALICE, "member", "kicked", by=ADMIN),
    "restricted_left": member_change(
        ALICE, restricted(ALICE, is_member=True), restricted(ALICE, is_member=False)
    ),
    "anonymous_admin": anonymous_admin_command("/settings"),
    "automatic_forward": automatic_forward("News!"),
    "topic_message": topic_message("in the topic"),
    "private_message": private_message("hi bot"),
    "promoted": member_change(ALICE, member(ALICE, "member"), administrator(ALICE), by=ADMIN),
}
"""More realistic updates; like :data:`SCENARIO_UPDATES` they must parse under both SDKs."""
