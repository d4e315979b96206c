"""The ``townsquare`` command line.

Every operator mistake ends in one line per problem on stderr naming the key and the fix,
and exit code 2; a traceback means a bug. Global options (``--log-level``,
``--log-format``) work before or after the subcommand.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, NoReturn

from townsquare.bots.checks import Problem, offline_problems, online_problems
from townsquare.bots.config import Config, ConfigError, load_config, secrets_of
from townsquare.bots.faq_cli import add_faq_parser
from townsquare.bots.logging import LOG_LEVELS, configure_logging
from townsquare.bots.plugins import FeaturesRefused
from townsquare.bots.privacy_cli import add_privacy_parser
from townsquare.storage.migrate import SchemaBehind

log = logging.getLogger("townsquare")


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage mistake said in one line instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def _version() -> str:
    try:
        return metadata.version("townsquare")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def _level(value: str) -> str:
    level = value.upper()
    if level not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a log level; use one of {', '.join(LOG_LEVELS)}"
        )
    return level


def _add_global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    # Subcommands repeat the options with SUPPRESS defaults, so ``run X --log-format json``
    # works and never resets a value given before the subcommand.
    default = (lambda value: value) if top else (lambda _value: argparse.SUPPRESS)
    parser.add_argument(
        "--log-level",
        type=_level,
        default=default("INFO"),
        metavar="LEVEL",
        help=f"{', '.join(LOG_LEVELS)} (default INFO)",
    )
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default=default("text"),
        help="text lines or one JSON object per line (default text)",
    )


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                found.append(child)
                found.extend(_subparsers(child))
    return found


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="townsquare", description="Community-management bots for Telegram, Discord, Slack."
    )
    parser.add_argument("--version", action="version", version=f"townsquare {_version()}")
    _add_global_options(parser, top=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run every bot in CONFIG until SIGINT/SIGTERM")
    run.add_argument("config")
    check = commands.add_parser("check", help="validate CONFIG and exit")
    check.add_argument("config")
    check.add_argument(
        "--online", action="store_true", help="also try the database and each bot's token"
    )
    web = commands.add_parser(
        "web", help="serve /healthz, /readyz and /metrics of CONFIG's bots from this process"
    )
    web.add_argument("config")
    init = commands.add_parser("init", help="write a commented starter config")
    init.add_argument("config", nargs="?", default="townsquare.toml")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    commands.add_parser("demo", help="play a scripted conversation and print the transcript")
    console = commands.add_parser(
        "console", help="chat with the console bots of CONFIG in a simulated community"
    )
    console.add_argument("config", nargs="?")

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="migrate to the newest schema").add_argument("config")
    db_commands.add_parser(
        "current", help="show the schema revision (exit 1 when behind)"
    ).add_argument("config")

    discord = commands.add_parser("discord", help="Discord tools")
    discord_commands = discord.add_subparsers(dest="discord_command", required=True)
    sync = discord_commands.add_parser("sync", help="register slash commands now")
    sync.add_argument("config")

    slack = commands.add_parser("slack", help="Slack tools")
    slack_commands = slack.add_subparsers(dest="slack_command", required=True)
    manifest = slack_commands.add_parser("manifest", help="print the Slack app manifest (YAML)")
    manifest.add_argument("config")
    manifest.add_argument("--bot", help="name of the Slack bot in CONFIG (default: the first)")
    add_faq_parser(commands)
    add_privacy_parser(commands)
    for child in _subparsers(parser):
        _add_global_options(child, top=False)
    return parser


class Refused(Exception):
    """Problems to print, one line each, before exiting 2."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        super().__init__("\n".join(f"{source}: {key}: {message}" for key, message in problems))


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No garbage collection while start-up loads what lives as long as the process.

    Importing the SDKs allocates ~280,000 objects (aiogram's pydantic models above all) and
    leaves almost no garbage (~3,000 objects); with the collector on, each full collection
    during the imports rescans everything loaded so far, about 1 s of a start with the
    three SDKs. What was loaded is then frozen (full collections skip it) and the collector
    resumes before any bot connects, so events never run without it.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _import_adapters(config: Config) -> None:
    """Import the adapter module (and SDK) of every enabled bot's platform; one that cannot
    load is left for the runtime to report, as it does for any adapter it cannot build."""
    from townsquare.bots.platforms import adapter_factory

    for platform in dict.fromkeys(bot.platform for bot in config.bots if bot.enabled):
        with contextlib.suppress(Exception):
            adapter_factory(platform)


async def _run(config: Config, path: str) -> int:
    with _collector_paused():
        from townsquare.bots.runtime import NoBotStarted, Runtime, StartRefused

        _import_adapters(config)
        runtime = Runtime(config, config_path=path)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    web = await _start_web(runtime, config, path)
    try:
        try:
            await runtime.start()
        except NoBotStarted as error:
            log.error("%s", error)
            return 1
        except StartRefused as error:
            raise Refused(path, error.problems) from None
        except Exception as error:
            from townsquare.storage.database import describe_connection_error

            reason = describe_connection_error(error, config.storage.url)
            if reason is None:
                raise
            raise Refused(path, [("storage.url", reason)]) from None
        log.info("running %d bot(s); press Ctrl+C to stop", len(runtime.bot_states()))
        gc.freeze()  # start-up objects live forever: full collections need not rescan them
        await stopping.wait()
        log.info("stopping: finishing queued events and sending what is in the outbox")
        await runtime.stop()
        log.info("stopped")
        return 0
    finally:
        if web is not None:
            from townsquare.web.app import stop_web

            await stop_web(web)


async def _start_web(runtime: Any, config: Config, path: str) -> Any:
    """Serve /healthz, /readyz and /metrics on ``[web] listen`` from the start, so a probe
    sees the bots starting; None when the key is unset."""
    if config.web.listen is None:
        return None
    from townsquare.web.app import start_web

    try:
        runner = await start_web(runtime, config.web.listen)
    except OSError as error:
        reason = os.strerror(error.errno).lower() if error.errno else str(error)
        raise Refused(
            path, [("web.listen", f"cannot listen on {config.web.listen}: {reason}")]
        ) from None
    log.info("health and metrics on http://%s (/healthz, /readyz, /metrics)", config.web.listen)
    return runner


async def _web(config: Config, path: str) -> int:
    """``townsquare web``: the web side alone, for a process next to the bots' ones."""
    if config.web.listen is None:
        raise Refused(path, [("web.listen", 'required here: add [web] listen = "host:port"')])
    problems = [p for p in offline_problems(config) if p[0] in ("storage.url", "web.listen")]
    if problems:
        raise Refused(path, problems)
    from townsquare.web.app import stop_web
    from townsquare.web.standalone import Standalone

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    observed = Standalone(config)
    try:
        runner = await _start_web(observed, config, path)
        await stopping.wait()
        await stop_web(runner)
    finally:
        await observed.close()
    return 0


def _commands(config: Config) -> list[object]:
    """Every command of the features ``config`` runs (plugins' too)."""
    from townsquare.bots.runtime import configured_features

    return [
        spec for feature in configured_features(config) for spec, _ in feature.command_handlers()
    ]


# discord.py warns on every client about voice support and intents, which sync never uses.
_SYNC_QUIET = ("discord.client", "discord.voice_state", "discord.state", "discord.http")


async def _discord_sync(config: Config, path: str) -> int:
    from townsquare.adapters.discord.config import DiscordBotConfig

    bots = [
        (index, bot) for index, bot in enumerate(config.bots) if isinstance(bot, DiscordBotConfig)
    ]
    if not bots:
        raise Refused(path, [("bots", 'no bot with platform = "discord" in this file')])
    problems = [
        problem
        for problem in offline_problems(config)
        if problem[0].startswith("features")
        or any(problem[0].startswith(f"bots[{index}] ") for index, _bot in bots)
    ]
    if problems:
        raise Refused(path, problems)
    from townsquare.adapters.discord.transport import DiscordStartError, sync_commands
    from townsquare.core.ports import AdapterDeps

    for name in _SYNC_QUIET:
        logging.getLogger(name).setLevel(logging.ERROR)
    deps = AdapterDeps(commands=_commands(config), managers=frozenset(config.defaults.managers))  # type: ignore[arg-type]
    for index, bot in bots:
        try:
            count = await sync_commands(bot, deps)
        except DiscordStartError:
            raise Refused(
                path,
                [
                    (
                        f"bots[{index}] ({bot.name}).token",
                        "Discord refused this token (401); copy it again from the Developer "
                        "Portal (Applications, your app, Bot, Reset Token)",
                    )
                ],
            ) from None
        except OSError as error:
            raise Refused(
                path, [(f"bots[{index}] ({bot.name})", f"cannot reach Discord: {error}")]
            ) from None
        print(f"{bot.name}: {count} commands synced")
    return 0


def _slack_manifest(config: Config, bot_name: str | None, path: str) -> int:
    from townsquare.adapters.slack.config import SlackBotConfig
    from townsquare.adapters.slack.manifest import build_manifest
    from townsquare.core.ports import AdapterDeps

    bots = [b for b in config.bots if isinstance(b, SlackBotConfig)]
    if bot_name is not None:
        bots = [b for b in bots if b.name == bot_name]
    if not bots:
        which = f"named {bot_name!r} " if bot_name else ""
        raise Refused(path, [("bots", f'no bot {which}with platform = "slack" in this file')])
    deps = AdapterDeps(commands=_commands(config), managers=frozenset(config.defaults.managers))  # type: ignore[arg-type]
    print(build_manifest(bots[0], deps), end="")
    return 0


def _check(config: Config, path: str, online: bool) -> int:
    problems = offline_problems(config)
    if not problems and online:
        problems = asyncio.run(online_problems(config))
    if problems:
        raise Refused(path, problems)
    names = ", ".join(f"{bot.name} ({bot.platform})" for bot in config.bots)
    reached = " (database and tokens tried)" if online else ""
    print(f"{path}: OK{reached} — {len(config.bots)} bot(s): {names}{_plugins_line(config)}")
    return 0


def _plugins_line(config: Config) -> str:
    """``; plugins: karma`` when features other than the built-in ones run."""
    from townsquare.bots.runtime import configured_features, default_features

    builtin = {feature.name for feature in default_features()}
    extra = [f.name for f in configured_features(config) if f.name not in builtin]
    return f"; plugins: {', '.join(extra)}" if extra else ""


def _init(path: str, force: bool) -> int:
    from importlib.resources import files

    target = Path(path)
    if target.exists() and not force:
        raise Refused(path, [("(file)", "already exists (add --force to overwrite it)")])
    if not target.parent.is_dir():
        raise Refused(path, [("(file)", f"the folder {target.parent} does not exist")])
    try:
        target.write_text(
            files("townsquare.bots").joinpath("starter.toml").read_text(encoding="utf-8")
        )
    except OSError as error:
        raise Refused(path, [("(file)", f"cannot be written: {error.strerror}")]) from None
    print(
        f"wrote {path}: a console bot to try now (`townsquare console {path}`) and commented "
        f"Telegram, Discord and Slack bots; then `townsquare check {path}`"
    )
    return 0


def _storage_only(config: Config, path: str) -> None:
    problems = [p for p in offline_problems(config) if p[0] == "storage.url"]
    if problems:
        raise Refused(path, problems)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _main(args)
    except (ConfigError, Refused) as error:
        print(error, file=sys.stderr)
        return 2
    except SchemaBehind as error:
        print(f"{args.config}: storage.url: {error}", file=sys.stderr)
        return 2
    except FeaturesRefused as error:
        print(Refused(args.config, error.problems), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _main(args: argparse.Namespace) -> int:
    if args.command == "demo":
        configure_logging("WARNING")
        from townsquare.bots.demo import main as demo

        return demo()
    if args.command == "init":
        return _init(args.config, args.force)
    config: Config | None = load_config(args.config) if args.config else None
    configure_logging(
        args.log_level,
        secrets=secrets_of(config) if config else (),
        as_json=args.log_format == "json",
    )
    if args.command == "console":
        from townsquare.bots.console import run_console

        configure_logging("WARNING")
        if config is not None:
            _storage_only(config, args.config)
        return asyncio.run(run_console(config, args.config))
    assert config is not None
    return _with_config(args, config)


def _with_config(args: argparse.Namespace, config: Config) -> int:
    """The commands that act on a loaded config file."""
    match args.command:
        case "check":
            return _check(config, args.config, args.online)
        case "run":
            problems = offline_problems(config)
            if problems:
                raise Refused(args.config, problems)
            return asyncio.run(_run(config, args.config))
        case "db":
            from townsquare.bots.db_cli import db_command

            _storage_only(config, args.config)
            return asyncio.run(db_command(args.db_command, config, args.config))
        case "discord":
            return asyncio.run(_discord_sync(config, args.config))
        case "web":
            return asyncio.run(_web(config, args.config))
        case "slack":
            return _slack_manifest(config, args.bot, args.config)
        case "privacy":
            from townsquare.bots.privacy_cli import run_privacy

            _storage_only(config, args.config)
            return asyncio.run(run_privacy(args, config))
        case "faq":
            from townsquare.bots.faq_cli import run_faq

            _storage_only(config, args.config)
            return asyncio.run(run_faq(args, config))
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
