"""``townsquare slack manifest CONFIG``: the Slack app manifest (YAML) an operator pastes
into "Create app from manifest": every slash command of the enabled features, the "Report
to managers" shortcut, bot scopes, event subscriptions and the interactivity URL (button
presses, shortcuts, and the forms the bot opens with ``views.open``, which needs no scope
of its own)."""

from __future__ import annotations

from typing import Any

import yaml

from townsquare.adapters.slack.config import EVENTS_PATH, SlackBotConfig
from townsquare.adapters.slack.inbound import FEEDBACK_SHORTCUT, REPORT_SHORTCUT
from townsquare.core.commands import CommandSpec, usage
from townsquare.core.ports import AdapterDeps

BOT_SCOPES = [  # least privilege: each one is used by an event below or a Web API call
    "channels:history",  # read channel messages (FAQ answers, conflict signals)
    "channels:read",
    "chat:write",
    "commands",
    "files:write",  # upload files (/poll export as CSV)
    "groups:history",
    "groups:read",
    "im:history",
    "im:write",  # open direct messages
    "pins:write",  # pin announcements (/announce --pin)
    "reactions:read",
    "usergroups:read",  # role rewards: who is in a user group
    "usergroups:write",  # role rewards: add or remove a member (paid plans)
    "users:read",  # names and owner/admin roles
]
BOT_EVENTS = [
    "member_joined_channel",
    "member_left_channel",
    "message.channels",
    "message.groups",
    "message.im",
    "reaction_added",
    "team_join",
]


def _hint(spec: CommandSpec) -> str:
    hint = usage(spec).split("\n", 1)[0].removeprefix(f"/{spec.name}").strip()
    return hint[:100]


def build_manifest(config: SlackBotConfig, deps: AdapterDeps) -> str:
    base = str(config.public_url).rstrip("/") if config.public_url else "https://YOUR-HOST"
    events_url = f"{base}{EVENTS_PATH}"
    socket_mode = config.app_token is not None
    commands: list[dict[str, Any]] = []
    for spec in deps.commands:
        command: dict[str, Any] = {
            "command": f"/{spec.name}",
            "description": spec.summary[:100] or spec.name,
            "should_escape": False,
        }
        if not socket_mode:
            command["url"] = events_url
        hint = _hint(spec)
        if hint:
            command["usage_hint"] = hint
        commands.append(command)
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": BOT_EVENTS},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": socket_mode,
        "token_rotation_enabled": False,
    }
    if not socket_mode:
        settings["event_subscriptions"]["request_url"] = events_url
        settings["interactivity"]["request_url"] = events_url
    shortcuts: list[dict[str, str]] = [
        {
            "name": "Report to managers",
            "type": "message",
            "callback_id": REPORT_SHORTCUT,
            "description": "Send this message to the community managers",
        }
    ]
    if any(spec.name == "feedback" for spec in deps.commands):
        shortcuts.append(
            {
                "name": "Send as feedback",
                "type": "message",
                "callback_id": FEEDBACK_SHORTCUT,
                "description": "File this message as an idea on the feedback board",
            }
        )
    manifest = {
        "display_information": {
            "name": config.name[:35],
            "description": "Community management: welcome, polls, FAQ and reports.",
        },
        "features": {
            "bot_user": {"display_name": config.name[:80], "always_online": True},
            "slash_commands": commands,
            "shortcuts": shortcuts,
        },
        "oauth_config": {"scopes": {"bot": BOT_SCOPES}},
        "settings": settings,
    }
    text: str = yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True)
    return text
