"""Links to a message, where the platform's id scheme allows building one (a case's
reported message, a watch word's mention): shared by features, so it lives in the core.

Telegram supergroups (``-100…`` chat ids) link as ``https://t.me/c/<id>/<message>``;
Discord as ``https://discord.com/channels/<guild>/<channel>/<message>``; Slack as
``<workspace url>archives/<channel>/p<ts without the dot>`` (the form ``chat.getPermalink``
returns, with ``thread_ts`` for a reply in a thread), when the adapter knows the workspace's
address. Telegram basic groups have no message links: those cases carry the snapshot only.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from townsquare.core.refs import MessageRef

SLACK_TS = re.compile(r"\d+\.\d+")


def message_link(
    platform: str, community_id: str, message: MessageRef, community_url: str = ""
) -> str | None:
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
    if family == "slack":
        channel, ts, thread = message.channel.id, message.message_id, message.channel.thread_id
        if not community_url.startswith("https://") or not SLACK_TS.fullmatch(ts):
            return None
        if not channel.isalnum():
            return None
        link = f"{community_url.rstrip('/')}/archives/{channel}/p{ts.replace('.', '')}"
        if thread and thread != ts and SLACK_TS.fullmatch(thread):
            link += "?" + urlencode({"thread_ts": thread, "cid": channel})
        return link
    return None
