"""The ``townsquare`` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence

from bots.config import Config, ConfigError, load_config
from bots.faq_cli import add_faq_parser, run_faq
from bots.logging import configure_logging
from bots.runtime import NoBotStarted, Runtime, config_secrets
from storage.migrate import SchemaBehind

log = logging.getLogger("townsquare")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="townsquare", description="Community-management bots for Telegram, Discord, Slack."
    )
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING, ERROR")
    parser.add_argument("--log-format", choices=("text", "json"), default="text")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run every bot in CONFIG until SIGINT/SIGTERM")
    run.add_argument("config")
    check = commands.add_parser("check", help="validate CONFIG and exit")
    check.add_argument("config")
    commands.add_parser("demo", help="play a scripted conversation and print the transcript")
    console = commands.add_parser("console", help="chat with the bot in a simulated community")
    console.add_argument("config", nargs="?")

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="migrate to the newest schema").add_argument("config")
    db_commands.add_parser("current", help="show the schema revision").add_argument("config")

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
    return parser


async def _run(config: Config, path: str) -> int:
    runtime = Runtime(config, config_path=path)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    try:
        await runtime.start()
    except NoBotStarted as error:
        log.error("%s", error)
        return 1
    log.info("running %d bot(s); press Ctrl+C to stop", len(runtime.started))
    await stopping.wait()
    log.info("stopping: finishing queued events and sending what is in the outbox")
    await runtime.stop()
    log.info("stopped")
    return 0


async def _db(command: str, config: Config) -> int:
    from storage.database import create_engine
    from storage.migrate import current_revisions, head_revisions, upgrade

    engine = create_engine(config.storage.url)
    try:
        heads = ", ".join(sorted(head_revisions()))
        if command == "upgrade":
            await upgrade(engine)
            print(f"database at revision {heads}")
        else:
            current = await current_revisions(engine)
            state = "current" if current == head_revisions() else f"behind {heads}"
            print(f"{', '.join(sorted(current)) or 'empty'} ({state})")
    finally:
        await engine.dispose()
    return 0


def _commands() -> list[object]:
    from bots.runtime import default_features

    return [spec for feature in default_features() for spec, _ in feature.command_handlers()]


async def _discord_sync(config: Config) -> int:
    from adapters.discord.config import DiscordBotConfig
    from adapters.discord.transport import sync_commands
    from core.ports import AdapterDeps

    deps = AdapterDeps(commands=_commands(), managers=frozenset(config.defaults.managers))  # type: ignore[arg-type]
    bots = [bot for bot in config.bots if isinstance(bot, DiscordBotConfig)]
    if not bots:
        print("no Discord bot in the config", file=sys.stderr)
        return 2
    for bot in bots:
        count = await sync_commands(bot, deps)
        print(f"{bot.name}: {count} commands synced")
    return 0


def _slack_manifest(config: Config, bot_name: str | None) -> int:
    from adapters.slack.config import SlackBotConfig
    from adapters.slack.manifest import build_manifest
    from core.ports import AdapterDeps

    bots = [b for b in config.bots if isinstance(b, SlackBotConfig)]
    if bot_name is not None:
        bots = [b for b in bots if b.name == bot_name]
    if not bots:
        print("no matching Slack bot in the config", file=sys.stderr)
        return 2
    deps = AdapterDeps(commands=_commands(), managers=frozenset(config.defaults.managers))  # type: ignore[arg-type]
    print(build_manifest(bots[0], deps), end="")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "demo":
        configure_logging("WARNING")
        from bots.demo import main as demo

        return demo()
    config: Config | None = None
    if getattr(args, "config", None):
        try:
            config = load_config(args.config)
        except ConfigError as error:
            print(error, file=sys.stderr)
            return 2
    configure_logging(
        args.log_level,
        secrets=config_secrets(config) if config else (),
        as_json=args.log_format == "json",
    )
    try:
        if args.command == "check":
            assert config is not None
            names = ", ".join(f"{bot.name} ({bot.platform})" for bot in config.bots)
            print(f"{args.config}: OK — {len(config.bots)} bot(s): {names}")
            return 0
        if args.command == "run":
            assert config is not None
            return asyncio.run(_run(config, args.config))
        if args.command == "console":
            from bots.console import run_console

            configure_logging("WARNING")
            asyncio.run(run_console(config))
            return 0
        if args.command == "db":
            assert config is not None
            return asyncio.run(_db(args.db_command, config))
        if args.command == "discord":
            assert config is not None
            return asyncio.run(_discord_sync(config))
        if args.command == "slack":
            assert config is not None
            return _slack_manifest(config, args.bot)
        if args.command == "faq":
            assert config is not None
            return asyncio.run(run_faq(args, config))
    except SchemaBehind as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
