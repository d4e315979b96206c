from __future__ import annotations

import yaml

from adapters.slack.config import SlackBotConfig
from adapters.slack.manifest import build_manifest
from bots.runtime import default_features
from core.ports import AdapterDeps


def commands() -> list[object]:
    return [spec for feature in default_features() for spec, _ in feature.command_handlers()]


def test_manifest_covers_every_command_and_the_shortcut() -> None:
    config = SlackBotConfig(
        name="town",
        platform="slack",
        token="xoxb-1",
        signing_secret="s",
        public_url="https://bots.example.org",
    )
    manifest = yaml.safe_load(build_manifest(config, AdapterDeps(commands=commands())))  # type: ignore[arg-type]
    names = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert names == {f"/{spec.name}" for spec in commands()}  # type: ignore[attr-defined]
    url = "https://bots.example.org/slack/events"
    assert {c["url"] for c in manifest["features"]["slash_commands"]} == {url}
    assert manifest["settings"]["interactivity"]["request_url"] == url
    assert manifest["settings"]["event_subscriptions"]["request_url"] == url
    assert "member_joined_channel" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert {"chat:write", "commands", "users:read"} <= set(
        manifest["oauth_config"]["scopes"]["bot"]
    )
    (shortcut,) = manifest["features"]["shortcuts"]
    assert shortcut["callback_id"] == "report_to_managers" and shortcut["type"] == "message"


def test_socket_mode_manifest_has_no_urls() -> None:
    config = SlackBotConfig(name="town", platform="slack", token="xoxb-1", app_token="xapp-1")
    manifest = yaml.safe_load(build_manifest(config, AdapterDeps(commands=commands())))  # type: ignore[arg-type]
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert all("url" not in c for c in manifest["features"]["slash_commands"])
