"""What ``townsquare check`` (and ``run``, before anything starts) finds beyond the file's
own structure: extras that are not installed, a SQLite folder that does not exist or cannot
be written, tokens of the wrong shape, listen addresses that do not parse, durations out of
range. ``--online`` adds the database and each platform's authentication call.

Each problem is ``(key, message)`` as in :class:`bots.config.ConfigError`, so the operator
reads one line per problem, naming the key and the fix.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from pydantic import SecretStr

from townsquare.adapters.console.config import ConsoleBotConfig
from townsquare.adapters.discord.config import DiscordBotConfig
from townsquare.adapters.slack.config import SlackBotConfig
from townsquare.adapters.telegram.config import TelegramBotConfig
from townsquare.bots.config import BotConfig, Config, parse_listen, sqlite_path

Problem = tuple[str, str]

EXTRAS: dict[str, tuple[str, tuple[str, ...]]] = {
    # platform: (pip extra, modules it needs)
    "telegram": ("telegram", ("aiogram", "aiohttp")),
    "telegram-ptb": ("telegram-ptb", ("telegram", "telegram.ext")),
    "discord": ("discord", ("discord", "aiohttp")),
    "slack": ("slack", ("slack_bolt", "slack_sdk", "aiohttp")),
    "console": ("", ()),
}

TELEGRAM_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
DISCORD_TOKEN = re.compile(r"^[A-Za-z0-9_-]{18,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")
SLACK_BOT_TOKEN = re.compile(r"^xox[bp]-[A-Za-z0-9-]{10,}$")
SLACK_APP_TOKEN = re.compile(r"^xapp-[A-Za-z0-9-]{10,}$")
POLL_TIMEOUT = (1, 300)


def bot_key(index: int, bot: BotConfig, key: str) -> str:
    return f"bots[{index}] ({bot.name}).{key}"


def missing_modules(modules: tuple[str, ...]) -> list[str]:
    missing = []
    for module in modules:
        try:
            if importlib.util.find_spec(module) is None:
                missing.append(module)
        except ModuleNotFoundError:  # a parent package is missing
            missing.append(module)
    return missing


def offline_problems(config: Config) -> list[Problem]:
    """Everything knowable without the network, in file order."""
    problems = _storage_problems(config.storage.url)
    problems.extend(feature_problems(config))
    if config.web.listen is not None and missing_modules(("aiohttp",)):
        problems.append(
            ("web.listen", "needs aiohttp, which is not installed: pip install 'townsquare[web]'")
        )
    for index, bot in enumerate(config.bots):
        if bot.enabled:
            problems.extend(_bot_problems(index, bot))
    return problems


def feature_problems(config: Config) -> list[Problem]:
    """Plugins that cannot run and ``[features]`` names that match nothing
    (:mod:`bots.plugins`); importing the plugins is the only way to know."""
    from townsquare.bots.plugins import FeaturesRefused
    from townsquare.bots.runtime import configured_features

    try:
        configured_features(config)
    except FeaturesRefused as refused:
        return refused.problems
    return []


def _storage_problems(url: str) -> list[Problem]:
    if url.startswith("postgresql"):
        if missing_modules(("asyncpg",)):
            return [
                (
                    "storage.url",
                    "PostgreSQL needs asyncpg, which is not installed: "
                    "pip install 'townsquare[postgres]'",
                )
            ]
        return []
    path = sqlite_path(url)
    if path is None:
        return []
    if path.exists():
        if path.is_dir():
            return [("storage.url", f"{path} is a folder; name a file, e.g. {path / 'town.db'}")]
        if not os.access(path, os.R_OK | os.W_OK):
            return [("storage.url", f"{path} cannot be written (check its owner and mode)")]
        return []
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        return [("storage.url", f"{folder} is a file, not a folder (fix the path in url)")]
    if not folder.is_dir():
        return [
            (
                "storage.url",
                f"the folder {folder} does not exist (create it: mkdir -p {folder}, or point "
                "url at an existing folder)",
            )
        ]
    if not os.access(folder, os.W_OK | os.X_OK):
        return [
            (
                "storage.url",
                f"cannot create {path}: the folder {folder} is not writable by this user",
            )
        ]
    return []


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


def _token_problem(
    index: int,
    bot: BotConfig,
    field: str,
    value: SecretStr | None,
    pattern: re.Pattern[str],
    what: str,
) -> list[Problem]:
    """The problem with a token of the wrong shape (never its value), if any."""
    wrong = _shape(_secret(value), pattern, what)
    return [(bot_key(index, bot, field), wrong)] if wrong else []


def _shape(value: str, pattern: re.Pattern[str], what: str) -> str | None:
    """None when ``value`` looks right, else what is wrong with it (never the value)."""
    if pattern.fullmatch(value):
        return None
    if value != value.strip():
        return f"has spaces or a line break around it; {what}"
    return f"does not look like a token: {what}"


def _bot_problems(index: int, bot: BotConfig) -> list[Problem]:
    problems: list[Problem] = []
    extra, modules = EXTRAS[bot.platform]
    missing = missing_modules(modules)
    if missing:
        problems.append(
            (
                bot_key(index, bot, "platform"),
                f"{bot.platform!r} needs {' and '.join(missing)}, which "
                f"{'is' if len(missing) == 1 else 'are'} not installed: "
                f"pip install 'townsquare[{extra}]'",
            )
        )
    match bot:
        case TelegramBotConfig():
            problems += _telegram_problems(index, bot)
        case DiscordBotConfig():
            problems += _discord_problems(index, bot)
        case SlackBotConfig():
            problems += _slack_problems(index, bot)
        case ConsoleBotConfig():
            pass
    return problems


def _telegram_problems(index: int, bot: TelegramBotConfig) -> list[Problem]:
    problems = _token_problem(
        index,
        bot,
        "token",
        bot.token,
        TELEGRAM_TOKEN,
        (
            "a Telegram token is digits, a colon and about 35 characters from @BotFather "
            "(123456789:AA...)"
        ),
    )
    if bot.mode == "webhook":
        problems.extend(_listen_problem(index, bot, bot.listen))
    low, high = POLL_TIMEOUT
    if not low <= bot.poll_timeout <= high:
        problems.append(
            (
                bot_key(index, bot, "poll_timeout"),
                f"must be from {low} to {high} seconds (got {bot.poll_timeout}); 30 is usual",
            )
        )
    return problems


def _discord_problems(index: int, bot: DiscordBotConfig) -> list[Problem]:
    problems = _token_problem(
        index,
        bot,
        "token",
        bot.token,
        DISCORD_TOKEN,
        (
            "a Discord bot token is three dot-separated parts (Developer Portal, "
            "Applications, your app, Bot, Reset Token)"
        ),
    )
    if bot.guild_ready_timeout > 60:
        problems.append(
            (
                bot_key(index, bot, "guild_ready_timeout"),
                f"must be at most 60 seconds (got {bot.guild_ready_timeout:g}); 2 is usual",
            )
        )
    return problems


def _slack_problems(index: int, bot: SlackBotConfig) -> list[Problem]:
    problems = _token_problem(
        index,
        bot,
        "token",
        bot.token,
        SLACK_BOT_TOKEN,
        "a Slack bot token starts with xoxb- (OAuth & Permissions, Bot User OAuth Token)",
    )
    if bot.app_token is None:
        return problems + _listen_problem(index, bot, bot.listen)
    problems += _token_problem(
        index,
        bot,
        "app_token",
        bot.app_token,
        SLACK_APP_TOKEN,
        (
            "a Slack app-level token starts with xapp- (Basic Information, App-Level "
            "Tokens, with connections:write)"
        ),
    )
    return problems


def _listen_problem(index: int, bot: BotConfig, listen: str) -> list[Problem]:
    try:
        parse_listen(listen)
    except ValueError as error:
        return [(bot_key(index, bot, "listen"), str(error))]
    return []


async def online_problems(config: Config) -> list[Problem]:
    """The database answers and each enabled bot's platform accepts its token."""
    from townsquare.storage.database import database_problem

    problems: list[Problem] = []
    database = await database_problem(config.storage.url)
    if database is not None:
        problems.append(("storage.url", database))
    checks = [
        auth_problem(index, bot)
        for index, bot in enumerate(config.bots)
        if bot.enabled and not isinstance(bot, ConsoleBotConfig)
    ]
    for found in await asyncio.gather(*checks, github_problems(config)):
        problems.extend(found)
    return problems


async def github_problems(config: Config, *, timeout: float = 15.0) -> list[Problem]:
    """``[feedback.github]``: the token reaches the repository (``GET /repos/{repo}``)."""
    github = config.feedback.github
    if github is None:
        return []
    from townsquare.adapters.github.client import GithubClient, GithubRefused, GithubUnavailable

    client = GithubClient(github, tries=1, timeout=timeout)
    try:
        await client.check()
    except GithubRefused as error:
        key = "feedback.github.repo" if error.status in (404, 410) else "feedback.github.token"
        return [(key, str(error))]
    except GithubUnavailable as error:
        return [("feedback.github.api_url", f"{error}; check the network or api_url")]
    finally:
        await client.close()
    return []


def _request(
    url: str, headers: dict[str, str], body: bytes | None, timeout: float
) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        try:
            payload = json.loads(error.read() or b"null")
        except ValueError:
            payload = None
        return error.code, payload


async def auth_problem(index: int, bot: BotConfig, *, timeout: float = 15.0) -> list[Problem]:
    """One authentication call per platform: getMe, GET /users/@me, auth.test."""
    key = bot_key(index, bot, "token")
    match bot:
        case TelegramBotConfig():
            base = str(bot.api_url or "https://api.telegram.org").rstrip("/")
            url = f"{base}/bot{_secret(bot.token)}/getMe"
            headers: dict[str, str] = {}
            body: bytes | None = None
            where, source = "Telegram", "@BotFather (/token)"
        case DiscordBotConfig():
            from townsquare.adapters.discord.transport import api_base

            url = f"{api_base(bot).rstrip('/')}/users/@me"
            headers = {"Authorization": f"Bot {_secret(bot.token)}"}
            body = None
            where, source = "Discord", "the Developer Portal (Bot, Reset Token)"
        case SlackBotConfig():
            base = str(bot.api_url or "https://slack.com/api/")
            url = f"{base.rstrip('/')}/auth.test"
            headers = {
                "Authorization": f"Bearer {_secret(bot.token)}",
                "Content-Type": "application/x-www-form-urlencoded",
            }
            body = b""
            where, source = "Slack", "the app's OAuth & Permissions page"
        case _:
            return []
    try:
        status, payload = await asyncio.to_thread(_request, url, headers, body, timeout)
    except (OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return [(key, f"cannot reach {where} at {_host(url)} ({reason}); check the network")]
    ok = status == 200 and (not isinstance(payload, dict) or payload.get("ok", True) is not False)
    if ok:
        return []
    if status in (401, 403, 404) or isinstance(payload, dict):
        detail = (
            (payload.get("error") or payload.get("description") or payload.get("message"))
            if isinstance(payload, dict)
            else None
        )
        return [
            (key, f"{where} refused this token ({detail or status}); copy it again from {source}")
        ]
    return [(key, f"{where} answered {status}; try again later")]


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc or url
