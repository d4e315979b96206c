"""Links to a reported message, where the platform's id scheme allows building one.

Telegram supergroups (``-100…`` chat ids) link as ``https://t.me/c/<id>/<message>``;
Discord as ``https://discord.com/channels/<guild>/<channel>/<message>``. Slack permalinks
need the workspace's domain (``chat.getPermalink``), which the core does not know, and
Telegram basic groups have no message links: those cases carry the snapshot only.
"""

from __future__ import annotations

from core.refs import MessageRef


def message_link(platform: str, community_id: str, message: MessageRef) -> str | None:
    family = platform.split("-", 1)[0]
    if family == "telegram":
        chat = message.channel.id
        if chat.startswith("-100") and chat[4:].isdigit() and message.message_id.isdigit():
            return f"https://t.me/c/{chat[4:]}/{message.message_id}"
        return None
    if family == "discord":
        ids = (community_id, message.channel.id, message.message_id)
        if all(part.isdigit() for part in ids):
            return "https://discord.com/channels/{}/{}/{}".format(*ids)
        return None
    return None
