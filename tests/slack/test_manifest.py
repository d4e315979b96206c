"""The app manifest an operator pastes into Slack: every command, the shortcut, the scopes
each subscribed event needs, and Slack's field limits."""

from __future__ import annotations

import re

import yaml  # type: ignore[import-untyped]

from tests.slack.conftest import slack_config
from townsquare.adapters.slack.config import EVENTS_PATH
from townsquare.adapters.slack.manifest import build_manifest
from townsquare.bots.runtime import default_features
from townsquare.core.commands import CommandSpec
from townsquare.core.ports import AdapterDeps

EVENT_SCOPES = {
    # Slack's published requirement for each bot event subscription.
    "member_joined_channel": {"channels:read", "groups:read"},
    "member_left_channel": {"channels:read", "groups:read"},
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
    "message.im": {"im:history"},
    "reaction_added": {"reactions:read"},
    "team_join": {"users:read"},
}
CALL_SCOPES = {
    "chat:write",
    "commands",
    "files:write",
    "im:write",
    "pins:write",
    "users:read",
    "usergroups:read",
    "usergroups:write",
}
"""chat.*, slash commands, file uploads, conversations.open for DMs, pins.add for
announcements, users.info for roles, usergroups.* for role rewards."""


def commands() -> list[CommandSpec]:
    return [spec for feature in default_features() for spec, _ in feature.command_handlers()]


def manifest_for(**values: str) -> dict[str, object]:
    text = build_manifest(slack_config(**values), AdapterDeps(commands=commands()))
    loaded: dict[str, object] = yaml.safe_load(text)
    return loaded


def test_manifest_covers_every_command_and_the_shortcut() -> None:
    manifest = manifest_for(
        name="town", token="xoxb-1", signing_secret="s", public_url="https://bots.example.org/"
    )
    slash = manifest["features"]["slash_commands"]  # type: ignore[index]
    names = [c["command"] for c in slash]
    assert sorted(names) == sorted(f"/{spec.name}" for spec in commands())
    assert len(names) == len(set(names)) and "/help" in names and "/poll" in names
    url = f"https://bots.example.org{EVENTS_PATH}"
    assert {c["url"] for c in slash} == {url}
    settings = manifest["settings"]
    assert settings["interactivity"] == {"is_enabled": True, "request_url": url}  # type: ignore[index]
    assert settings["event_subscriptions"]["request_url"] == url  # type: ignore[index]
    shortcuts = manifest["features"]["shortcuts"]  # type: ignore[index]
    assert [(s["callback_id"], s["type"]) for s in shortcuts] == [
        ("report_to_managers", "message"),
        ("send_as_feedback", "message"),
    ]


def test_scopes_cover_every_event_and_call_and_nothing_more() -> None:
    manifest = manifest_for(name="town", token="xoxb-1", signing_secret="s")
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])  # type: ignore[index]
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])  # type: ignore[index]
    assert events == set(EVENT_SCOPES)
    needed = set().union(*EVENT_SCOPES.values()) | CALL_SCOPES
    assert scopes == needed


def test_fields_respect_slacks_limits() -> None:
    manifest = manifest_for(name="a-rather-long-bot-name-" * 2 + "x", token="xoxb-1", app_token="x")
    assert len(manifest["display_information"]["name"]) <= 35  # type: ignore[index]
    for command in manifest["features"]["slash_commands"]:  # type: ignore[index]
        assert re.fullmatch(r"/[a-z0-9_-]{1,31}", command["command"])
        assert 0 < len(command["description"]) <= 2000
        assert len(command.get("usage_hint", "")) <= 1000


def test_socket_mode_manifest_has_no_urls() -> None:
    manifest = manifest_for(name="town", token="xoxb-1", app_token="xapp-1")
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True  # type: ignore[index]
    assert "request_url" not in settings["event_subscriptions"]  # type: ignore[index]
    assert all("url" not in c for c in manifest["features"]["slash_commands"])  # type: ignore[index]
