"""Config errors name the key and the fix; secrets come from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from townsquare.bots.config import DEFAULT_DATABASE_URL, ConfigError, load_config, parse_config

VALID = """
[storage]
url = "sqlite+aiosqlite:///town.db"

[defaults]
locale = "it"
managers = ["telegram:12345"]
escalate_to = "tg-main:-1005678"

[[bots]]
name = "tg-main"
platform = "telegram"
token = "${TELEGRAM_BOT_TOKEN}"
api_url = "http://127.0.0.1:8081"

[[bots]]
name = "discord-main"
platform = "discord"
token = "${DISCORD_BOT_TOKEN}"

[[bots]]
name = "slack-main"
platform = "slack"
token = "${SLACK_BOT_TOKEN}"
signing_secret = "${SLACK_SIGNING_SECRET}"
listen = "127.0.0.1:3000"
"""

ENV = {
    "TELEGRAM_BOT_TOKEN": "123456:telegram-secret",
    "DISCORD_BOT_TOKEN": "discord-secret",
    "SLACK_BOT_TOKEN": "xoxb-slack-secret",
    "SLACK_SIGNING_SECRET": "signing-secret",
}


def problems(data: dict[str, object], env: dict[str, str] | None = None) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(data, env or {}, "bots.toml")
    return dict(caught.value.problems)


def test_the_documented_example_loads(tmp_path: Path) -> None:
    path = tmp_path / "bots.toml"
    path.write_text(VALID)
    config = load_config(path, ENV)
    assert [bot.name for bot in config.bots] == ["tg-main", "discord-main", "slack-main"]
    assert config.defaults.locale == "it"
    telegram = config.bot("tg-main")
    assert telegram.token.get_secret_value() == "123456:telegram-secret"  # type: ignore[union-attr]
    assert "telegram-secret" not in repr(config), "secrets never appear in reprs"


def test_storage_defaults_to_embedded_sqlite() -> None:
    config = parse_config({"bots": [{"name": "c", "platform": "console"}]}, {}, "x")
    assert config.storage.url == DEFAULT_DATABASE_URL


def test_unknown_key_is_named() -> None:
    found = problems({"bots": [{"name": "c", "platform": "console", "colour": "red"}]})
    assert list(found) == ["bots[0] (c).colour"]
    assert "unknown key" in found["bots[0] (c).colour"]


def test_missing_token_is_named() -> None:
    found = problems({"bots": [{"name": "tg", "platform": "telegram"}]})
    assert found == {"bots[0] (tg).token": "required key is missing"}


def test_unset_variable_names_key_and_variable() -> None:
    found = problems({"bots": [{"name": "tg", "platform": "telegram", "token": "${NOPE}"}]})
    assert found == {"bots[0] (tg).token": "${NOPE} is not set (export NOPE=... before starting)"}


def test_default_value_for_unset_variable() -> None:
    config = parse_config(
        {"bots": [{"name": "tg", "platform": "telegram", "token": "${NOPE:-fallback}"}]}, {}, "x"
    )
    assert config.bots[0].token.get_secret_value() == "fallback"  # type: ignore[union-attr]


def test_unknown_platform_lists_the_choices() -> None:
    found = problems({"bots": [{"name": "x", "platform": "irc", "token": "t"}]})
    assert "telegram, telegram-ptb, discord, slack, console" in found["bots[0] (x)"]


def test_webhook_mode_needs_its_secret() -> None:
    found = problems(
        {
            "bots": [
                {
                    "name": "tg",
                    "platform": "telegram",
                    "token": "t",
                    "mode": "webhook",
                    "webhook_url": "https://bot.example.org/hook",
                }
            ]
        }
    )
    assert "webhook_secret" in found["bots[0] (tg)"]


def test_slack_http_mode_needs_signing_secret() -> None:
    found = problems({"bots": [{"name": "s", "platform": "slack", "token": "xoxb-1"}]})
    assert "signing_secret" in found["bots[0] (s)"]


def test_escalation_target_must_be_a_configured_bot() -> None:
    found = problems(
        {
            "defaults": {"escalate_to": "nobody:-100"},
            "bots": [{"name": "c", "platform": "console"}],
        }
    )
    assert "nobody" in next(iter(found.values()))


def test_bad_database_url_and_manager_identity() -> None:
    found = problems(
        {
            "storage": {"url": "mysql://localhost/db"},
            "defaults": {"managers": ["12345"]},
            "bots": [{"name": "c", "platform": "console"}],
        }
    )
    assert set(found) == {"storage.url", "defaults.managers"}


def test_duplicate_bot_names() -> None:
    found = problems(
        {"bots": [{"name": "a", "platform": "console"}, {"name": "a", "platform": "console"}]}
    )
    assert "repeated: a" in next(iter(found.values()))


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml", {})
    broken = tmp_path / "broken.toml"
    broken.write_text("[[bots]\nname=")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken, {})


def test_relative_sqlite_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    folder = tmp_path / "etc"
    folder.mkdir()
    path = folder / "bots.toml"
    path.write_text(
        '[storage]\nurl = "sqlite+aiosqlite:///data/town.db"\n'
        '[[bots]]\nname = "c"\nplatform = "console"\n'
    )
    config = load_config(path, {})
    assert config.storage.url == f"sqlite+aiosqlite:///{folder / 'data' / 'town.db'}"
    absolute = f"sqlite+aiosqlite:///{tmp_path / 'abs.db'}"
    path.write_text(f'[storage]\nurl = "{absolute}"\n[[bots]]\nname = "c"\nplatform = "console"\n')
    assert load_config(path, {}).storage.url == absolute
    memory = "sqlite+aiosqlite:///:memory:"
    path.write_text(f'[storage]\nurl = "{memory}"\n[[bots]]\nname = "c"\nplatform = "console"\n')
    assert load_config(path, {}).storage.url == memory


def test_dollar_dollar_is_a_literal_dollar() -> None:
    config = parse_config(
        {"bots": [{"name": "tg", "platform": "telegram", "token": "a$$b"}]}, {}, "x"
    )
    assert config.bots[0].token.get_secret_value() == "a$b"  # type: ignore[union-attr]


def test_type_mistakes_in_the_operators_words() -> None:
    found = problems(
        {
            "defaults": {"locale": "fr", "managers": "alice"},
            "bots": [
                {
                    "name": "tg",
                    "platform": "telegram",
                    "token": "t",
                    "poll_timeout": "x",
                    "api_url": "not a url",
                    "mode": "hook",
                },
                {"name": "c", "platfrom": "console"},
            ],
        }
    )
    assert found == {
        "defaults.locale": "must be one of 'en', 'it' or 'ru' (got 'fr')",
        "defaults.managers": 'should be a list, e.g. ["a", "b"] (got \'alice\')',
        "bots[0] (tg).api_url": (
            "not a usable URL (relative url without a base): write it like http://127.0.0.1:8081"
        ),
        "bots[0] (tg).mode": "must be one of 'polling' or 'webhook' (got 'hook')",
        "bots[0] (tg).poll_timeout": "should be a whole number (got 'x')",
        "bots[1] (c)": (
            "platform is missing (telegram, telegram-ptb, discord, slack or console); "
            "did you mean platform instead of platfrom?"
        ),
    }
