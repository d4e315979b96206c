"""The operator's TOML file, validated with pydantic.

Secrets come from the environment through ``${VAR}`` (``${VAR:-default}`` too). Every
problem is reported as ``key: what is wrong (how to fix it)`` so an operator never reads a
traceback; see :class:`ConfigError`.
"""

from __future__ import annotations

import importlib.util
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from adapters.console.config import ConsoleBotConfig
from adapters.discord.config import DiscordBotConfig
from adapters.slack.config import SlackBotConfig
from adapters.telegram.config import TelegramBotConfig

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///townsquare.db"
LOCALES = ("en", "it", "ru")

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class ConfigError(Exception):
    """A config file that cannot be used; ``problems`` are ``(key, message)`` pairs."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        listing = "\n".join(f"  {key}: {message}" for key, message in problems)
        super().__init__(f"{source}: invalid configuration\n{listing}")


class StorageConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = DEFAULT_DATABASE_URL

    @field_validator("url")
    @classmethod
    def _known_driver(cls, url: str) -> str:
        if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///path.db or postgresql+asyncpg://user@host/db")
        return url


class DefaultsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    locale: Literal["en", "it", "ru"] = "en"
    managers: list[str] = []
    escalate_to: str | None = None

    @field_validator("managers")
    @classmethod
    def _identities(cls, managers: list[str]) -> list[str]:
        for identity in managers:
            platform, _, user_id = identity.partition(":")
            if not platform or not user_id:
                raise ValueError(f"{identity!r} must look like platform:user_id")
        return managers

    @field_validator("escalate_to")
    @classmethod
    def _bot_and_channel(cls, target: str | None) -> str | None:
        if target is not None:
            bot, _, channel = target.partition(":")
            if not bot or not channel:
                raise ValueError(f"{target!r} must look like bot_name:channel_id")
        return target


class FaqConfig(BaseModel):
    """``[faq]``: an optional semantic matcher next to the lexical one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    embedding_model: str | None = None
    """A sentence-transformers model (a Hugging Face name or a local path), e.g.
    ``paraphrase-multilingual-MiniLM-L12-v2``. Needs ``pip install 'townsquare[semantic]'``.
    Unset (the default): lexical matching only."""
    embedding_floor: float = Field(default=0.35, ge=0.0, lt=1.0)
    """Cosine similarity that counts as no match at all (see
    :class:`core.faq.semantic.EmbeddingMatcher`)."""

    @field_validator("embedding_model")
    @classmethod
    def _installed(cls, model: str | None) -> str | None:
        if model is not None:
            if not model.strip():
                raise ValueError("name a model, or remove the key for lexical matching only")
            if importlib.util.find_spec("sentence_transformers") is None:
                raise ValueError(
                    "needs the optional semantic extra: pip install 'townsquare[semantic]' "
                    "(or remove the key for lexical matching only)"
                )
        return model


class DeliveryConfig(BaseModel):
    """``[delivery]``: how the outbox is sent (see :mod:`core.delivery`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    drain_seconds: float = Field(default=30.0, ge=0.0, le=3600.0)
    """Graceful stop: keep sending what is queued for at most this long; what is left is
    released at once to the next start or another process."""


BotConfig = Annotated[
    TelegramBotConfig | DiscordBotConfig | SlackBotConfig | ConsoleBotConfig,
    Field(discriminator="platform"),
]


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    storage: StorageConfig = StorageConfig()
    defaults: DefaultsConfig = DefaultsConfig()
    faq: FaqConfig = FaqConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    bots: list[BotConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _names_unique_and_targets_known(self) -> Config:
        names = [bot.name for bot in self.bots]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"bot names must be unique; repeated: {', '.join(duplicates)}")
        target = self.defaults.escalate_to
        if target is not None and target.partition(":")[0] not in names:
            raise ValueError(
                f"defaults.escalate_to names bot {target.partition(':')[0]!r}, "
                f"which is not among [[bots]] ({', '.join(names)})"
            )
        return self

    def bot(self, name: str) -> BotConfig:
        for bot in self.bots:
            if bot.name == name:
                return bot
        raise KeyError(name)


def interpolate(value: Any, env: Mapping[str, str], path: str = "") -> Any:
    """Replace ``${VAR}`` in every string; an unset variable is an error naming the key."""
    if isinstance(value, dict):
        return {k: interpolate(v, env, f"{path}.{k}" if path else k) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, str):

        def substitute(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in env:
                return env[name]
            if default is not None:
                return default
            raise ConfigError(
                "environment",
                [(path, f"${{{name}}} is not set (export {name}=... before starting)")],
            )

        return _VAR.sub(substitute, value)
    return value


def _location(loc: tuple[int | str, ...], data: Mapping[str, Any]) -> str:
    """Turn pydantic's location into the key an operator sees, e.g. ``bots[0].token``."""
    parts: list[str] = []
    node: Any = data
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]" if parts else f"[{item}]"]
            node = node[item] if isinstance(node, list) and item < len(node) else None
        elif (
            isinstance(node, dict)
            and item not in node
            and item
            in (
                "telegram",
                "telegram-ptb",
                "discord",
                "slack",
                "console",
            )
        ):
            continue  # the discriminator tag pydantic inserts
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
    if isinstance(data.get("bots"), list) and len(loc) >= 2 and loc[0] == "bots":
        index = loc[1]
        if isinstance(index, int) and index < len(data["bots"]):
            name = data["bots"][index].get("name")
            if name:
                parts[0] = f"bots[{index}] ({name})"
    return ".".join(parts) or "(file)"


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key (check the spelling; see the README's configuration section)"
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_invalid":
        return "platform must be one of telegram, telegram-ptb, discord, slack, console"
    if kind == "union_tag_not_found":
        return "platform is missing (telegram, telegram-ptb, discord, slack or console)"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def parse_config(data: Mapping[str, Any], env: Mapping[str, str], source: str) -> Config:
    try:
        resolved = interpolate(dict(data), env)
    except ConfigError as error:
        raise ConfigError(source, error.problems) from None
    try:
        return Config.model_validate(resolved)
    except ValidationError as error:
        problems = [(_location(e["loc"], resolved), _message(e)) for e in error.errors()]
        raise ConfigError(source, problems) from None


def load_config(path: str | Path, env: Mapping[str, str] | None = None) -> Config:
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(file), [("(file)", "not found")]) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(str(file), [("(file)", f"not valid TOML: {error}")]) from None
    return parse_config(data, os.environ if env is None else env, str(file))
