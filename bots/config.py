"""The operator's TOML file, validated with pydantic.

Secrets come from the environment through ``${VAR}`` (``${VAR:-default}`` too; ``$$`` is a
literal ``$``). Every problem is reported as ``FILE: key: what is wrong (how to fix it)``,
one line each and all of them at once, so an operator never reads a traceback; see
:class:`ConfigError`. What needs more than the file (installed extras, folders, token
shapes) is checked by :mod:`bots.checks`.
"""

from __future__ import annotations

import importlib.util
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy.engine import make_url

from townsquare.adapters.console.config import ConsoleBotConfig
from townsquare.adapters.discord.config import DiscordBotConfig
from townsquare.adapters.github.config import GithubConfig as GithubConfig  # re-exported
from townsquare.adapters.slack.config import SlackBotConfig
from townsquare.adapters.telegram.config import TelegramBotConfig
from townsquare.bots.config_env import interpolate as interpolate  # re-exported
from townsquare.bots.config_errors import ConfigError as ConfigError  # re-exported
from townsquare.bots.config_errors import problems_of
from townsquare.core.privacy import MAX_DAYS, MIN_DAYS, RETENTION
from townsquare.core.spaces import Space, Spaces, parse_place

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///townsquare.db"
LOCALES = ("en", "it", "ru")


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


def parse_listen(listen: str) -> tuple[str, int]:
    """``host:port`` (``[::1]:8080`` for IPv6) -> ``(host, port)``; ValueError saying why."""
    host, colon, port = listen.rpartition(":")
    if not colon or not host:
        raise ValueError(f"{listen!r} must look like host:port, e.g. 127.0.0.1:8080")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{listen!r}: the port must be a number from 1 to 65535")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host or any(c.isspace() for c in host) or "/" in host:
        raise ValueError(f"{listen!r}: {host!r} is not a host name or address")
    return host, int(port)


class WebConfig(BaseModel):
    """``[web]``: health, readiness and Prometheus metrics (see :mod:`web.app`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    listen: str | None = None
    """``host:port`` serving ``/healthz``, ``/readyz`` and ``/metrics`` (unset: off)."""
    public_url: AnyHttpUrl | None = None
    """Where people reach ``listen`` from outside (links sent to managers)."""

    @field_validator("listen")
    @classmethod
    def _host_and_port(cls, listen: str | None) -> str | None:
        if listen is not None:
            parse_listen(listen)
        return listen


class DeliveryConfig(BaseModel):
    """``[delivery]``: how the outbox is sent (see :mod:`core.delivery`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    drain_seconds: float = Field(default=30.0, ge=0.0, le=3600.0)
    """Graceful stop: keep sending what is queued for at most this long; what is left is
    released at once to the next start or another process."""


class FeaturesConfig(BaseModel):
    """``[features]``: which features run (see :mod:`bots.plugins`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    disable: list[str] = []
    """Names of features to leave out (built-in ones or plugins); an entry point named here
    is not even imported, so a broken plugin can be switched off from the file."""
    plugins: list[str] = []
    """Extra features as ``package.module:Class``, next to those installed packages declare
    in the entry point group ``townsquare.features``."""


class FeedbackConfig(BaseModel):
    """``[feedback]``: where ideas go beyond the chats."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    github: GithubConfig | None = None
    """``[feedback.github]``: ``/feedback issue`` opens GitHub issues (:mod:`adapters.github`)."""


BotConfig = Annotated[
    TelegramBotConfig | DiscordBotConfig | SlackBotConfig | ConsoleBotConfig,
    Field(discriminator="platform"),
]


class SpaceConfig(BaseModel):
    """``[[spaces]]``: communities on several platforms that are one community
    (:mod:`core.spaces`); each is ``bot:community[/channel that gets the space's posts]``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=64)
    communities: list[str] = Field(min_length=2)


class RetentionConfig(BaseModel):
    """``[retention]``: days each kind of data is kept (:data:`core.privacy.RETENTION`
    names the kinds and their defaults); the privacy feature's daily job forgets older."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    analytics: int = Field(default=RETENTION["analytics"], ge=MIN_DAYS, le=MAX_DAYS)
    polls: int = Field(default=RETENTION["polls"], ge=MIN_DAYS, le=MAX_DAYS)
    events: int = Field(default=RETENTION["events"], ge=MIN_DAYS, le=MAX_DAYS)
    giveaways: int = Field(default=RETENTION["giveaways"], ge=MIN_DAYS, le=MAX_DAYS)
    announcements: int = Field(default=RETENTION["announcements"], ge=MIN_DAYS, le=MAX_DAYS)
    faq: int = Field(default=RETENTION["faq"], ge=MIN_DAYS, le=MAX_DAYS)
    moderation: int = Field(default=RETENTION["moderation"], ge=MIN_DAYS, le=MAX_DAYS)
    people: int = Field(default=RETENTION["people"], ge=MIN_DAYS, le=MAX_DAYS)
    feedback: int = Field(default=RETENTION["feedback"], ge=MIN_DAYS, le=MAX_DAYS)
    tickets: int = Field(default=RETENTION["tickets"], ge=MIN_DAYS, le=MAX_DAYS)
    watch: int = Field(default=RETENTION["watch"], ge=MIN_DAYS, le=MAX_DAYS)

    def days(self) -> dict[str, int]:
        return {kind: int(getattr(self, kind)) for kind in RETENTION}


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    storage: StorageConfig = StorageConfig()
    defaults: DefaultsConfig = DefaultsConfig()
    faq: FaqConfig = FaqConfig()
    web: WebConfig = WebConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    features: FeaturesConfig = FeaturesConfig()
    feedback: FeedbackConfig = FeedbackConfig()
    bots: list[BotConfig] = Field(min_length=1)
    spaces: list[SpaceConfig] = []
    retention: RetentionConfig = RetentionConfig()

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

    def space_directory(self) -> Spaces:
        """The ``[[spaces]]`` as the features read them; :class:`ConfigError` naming the
        key and the fix when one cannot be used (checked when the config is parsed)."""
        platform_of = {bot.name: bot.platform for bot in self.bots}
        spaces: list[Space] = []
        seen: dict[tuple[str, str], str] = {}
        names = [space.name for space in self.spaces]
        for number, space in enumerate(self.spaces):
            key = f"spaces[{number}] ({space.name}).communities"
            places = []
            for text in space.communities:
                try:
                    place = parse_place(text, platform_of)
                except ValueError as error:
                    raise ConfigError("", [(key, str(error))]) from None
                where = (place.bot, place.community_id)
                if where in seen:
                    already = f"{place.bot}:{place.community_id} is already in space"
                    message = f"{already} {seen[where]!r}; a community is in one space"
                    raise ConfigError("", [(key, message)])
                seen[where] = space.name
                places.append(place)
            if names.count(space.name) > 1:
                message = f"space names must be unique; repeated: {space.name}"
                raise ConfigError("", [(f"spaces[{number}].name", message)])
            spaces.append(Space(space.name, tuple(places)))
        return Spaces(spaces)

    def bot(self, name: str) -> BotConfig:
        for bot in self.bots:
            if bot.name == name:
                return bot
        raise KeyError(name)


def secrets_of(config: Config) -> list[str]:
    """Every secret value in the config, for log redaction."""
    found = [
        value.get_secret_value()
        for bot in config.bots
        for value in bot.__dict__.values()
        if isinstance(value, SecretStr)
    ]
    github = config.feedback.github
    if github is not None:
        found += [github.token.get_secret_value(), github.webhook_secret.get_secret_value()]
    return found


def github_problems(config: Config) -> list[tuple[str, str]]:
    """``[feedback.github]`` needs the web side: GitHub's webhook comes to ``[web] listen``
    and issues link back to ``public_url``."""
    if config.feedback.github is None:
        return []
    problems = []
    if "feedback" in config.features.disable:
        problems.append(
            (
                "feedback.github",
                'the feedback feature is disabled ([features] disable = ["feedback"]): '
                "remove one or the other",
            )
        )
    if config.web.listen is None:
        problems.append(
            (
                "web.listen",
                'required by [feedback.github] (GitHub\'s webhook): add listen = "host:port"',
            )
        )
    if config.web.public_url is None:
        problems.append(
            (
                "web.public_url",
                "required by [feedback.github]: the address GitHub's webhook reaches, "
                'e.g. public_url = "https://bots.example.org"',
            )
        )
    return problems


PLATFORM_MODELS: dict[str, type[BaseModel]] = {
    "telegram": TelegramBotConfig,
    "telegram-ptb": TelegramBotConfig,
    "discord": DiscordBotConfig,
    "slack": SlackBotConfig,
    "console": ConsoleBotConfig,
}


def parse_config(
    data: Mapping[str, Any], env: Mapping[str, str], source: str, *, base: Path | None = None
) -> Config:
    """Validate ``data``; a relative SQLite path is taken against ``base`` (the config
    file's folder) so a service started from another directory finds the same database."""
    found: list[tuple[str, str]] = []
    resolved = interpolate(dict(data), env, problems=found)
    unset = [(_named(key, resolved), message) for key, message in found]
    try:
        config = Config.model_validate(resolved)
    except ValidationError as error:
        problems = problems_of(error, resolved, Config, PLATFORM_MODELS)
        keys = {key for key, _message in unset}
        raise ConfigError(source, unset + [p for p in problems if p[0] not in keys]) from None
    if unset:
        raise ConfigError(source, unset)
    try:
        config.space_directory()
    except ConfigError as error:
        raise ConfigError(source, error.problems) from None
    if needs_web := github_problems(config):
        raise ConfigError(source, needs_web)
    if base is not None:
        url = sqlite_url_against(config.storage.url, base)
        if url != config.storage.url:
            config = config.model_copy(update={"storage": StorageConfig(url=url)})
    return config


def _named(key: str, data: Mapping[str, Any]) -> str:
    """``bots[0].token`` -> ``bots[0] (tg-main).token``, as validation errors say it."""
    match = re.match(r"bots\[(\d+)\]", key)
    bots = data.get("bots")
    if match and isinstance(bots, list) and int(match.group(1)) < len(bots):
        bot = bots[int(match.group(1))]
        name = bot.get("name") if isinstance(bot, dict) else None
        if isinstance(name, str) and name:
            return f"{match.group(0)} ({name}){key[match.end() :]}"
    return key


def sqlite_url_against(url: str, base: Path) -> str:
    """``sqlite+aiosqlite:///town.db`` -> ``sqlite+aiosqlite:////etc/townsquare/town.db``."""
    if not url.startswith("sqlite"):
        return url
    parsed = make_url(url)
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return url
    path = Path(database).expanduser()
    if path.is_absolute() and str(path) == database:
        return url
    absolute = path if path.is_absolute() else (base / path).resolve()
    return parsed.set(database=str(absolute)).render_as_string(hide_password=False)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None (PostgreSQL, in-memory)."""
    if not url.startswith("sqlite"):
        return None
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def load_config(path: str | Path, env: Mapping[str, str] | None = None) -> Config:
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(file), [("(file)", "not found")]) from None
    except IsADirectoryError:
        raise ConfigError(str(file), [("(file)", "is a folder; name the .toml file")]) from None
    except PermissionError:
        raise ConfigError(
            str(file), [("(file)", "cannot be read (check its owner and permissions)")]
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(str(file), [("(file)", "is not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(str(file), [("(file)", f"not valid TOML: {error}")]) from None
    return parse_config(
        data, os.environ if env is None else env, str(file), base=file.resolve().parent
    )
