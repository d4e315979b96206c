"""The onboarding feature's commands as members and managers type them (and ``/help``
shows them), its job kinds and its fixed sentences."""

from __future__ import annotations

import re

from townsquare.core.commands import CommandSpec, Param
from townsquare.core.i18n import _
from townsquare.core.roles import Role

FLUSH_JOB = "onboarding.greet"
GATE_JOB = "onboarding.gate"
MAX_RULES = 3000
LANGUAGE_NAMES = {"en": "English", "it": "Italiano", "ru": "Русский"}

DEFAULT_TEMPLATE = _("Welcome to {community}, {mention}!")
GOODBYE_TEXT = _("Goodbye, {name}.")
ACCEPT_LABEL = _("I accept the rules")
NOT_FOR_YOU = _("This button is not for you.")

ON_OFF = ("on", "off")
ROLE_REFERENCE = re.compile(r"<@&(\d{1,20})>|(\d{1,20})")


def _switch(name: str, summary: str) -> CommandSpec:
    return CommandSpec(name, summary, Role.MANAGER, params=(Param("state", "on|off"),))


WELCOME_SPEC = CommandSpec(
    "welcome",
    _("Greetings for newcomers"),
    role=Role.MANAGER,
    needs_community=True,
    subcommands=(
        CommandSpec(
            "set",
            _("Set the greeting: {name} {mention} {community} {member_count} {rules}"),
            Role.MANAGER,
            params=(Param("template", _("the greeting text"), rest=True),),
        ),
        CommandSpec("show", _("Show the greeting settings"), Role.MANAGER),
        CommandSpec("preview", _("Show the greeting as you would get it"), Role.MANAGER),
        CommandSpec("reset", _("Go back to the default greeting"), Role.MANAGER),
        CommandSpec("on", _("Greet newcomers"), Role.MANAGER),
        CommandSpec("off", _("Stop greeting newcomers"), Role.MANAGER),
        CommandSpec(
            "dm",
            _("Also (on) or only (only) greet privately, or not (off)"),
            Role.MANAGER,
            params=(Param("mode", "on|only|off"),),
        ),
        _switch("clean", _("Delete the previous greeting when posting a new one")),
        _switch("goodbye", _("Say goodbye when a member leaves")),
        _switch("bots", _("Greet bot accounts too")),
        CommandSpec(
            "channel",
            _("Greet in this channel (here) or where members join (default)"),
            Role.MANAGER,
            params=(Param("where", "here|default"),),
        ),
    ),
)
RULES_SPEC = CommandSpec(
    "rules",
    _("Show the community rules"),
    needs_community=True,
    subcommands=(
        CommandSpec("show", _("Show the community rules")),
        CommandSpec(
            "set",
            _("Set the community rules"),
            Role.MANAGER,
            params=(Param("text", _("the rules"), rest=True),),
        ),
        CommandSpec("clear", _("Remove the community rules"), Role.MANAGER),
    ),
)
VERIFY_SPEC = CommandSpec(
    "verify",
    _("Newcomers must accept the rules before writing"),
    role=Role.MANAGER,
    needs_community=True,
    subcommands=(
        CommandSpec("show", _("Show the verification settings"), Role.MANAGER),
        CommandSpec("on", _("Mute newcomers until they accept the rules"), Role.MANAGER),
        CommandSpec("off", _("Let newcomers write at once"), Role.MANAGER),
        CommandSpec(
            "timeout",
            _("Time to accept the rules: 10m, 1h, 1d... or off"),
            Role.MANAGER,
            params=(Param("duration", "10m|1h|off"),),
        ),
        CommandSpec(
            "then",
            _("After the timeout: remove the newcomer, or leave them muted (stay)"),
            Role.MANAGER,
            params=(Param("what", "remove|stay"),),
        ),
        CommandSpec(
            "role",
            _("Discord: give newcomers this role instead of a timeout until they accept (or off)"),
            Role.MANAGER,
            params=(Param("role", "@role|off"),),
        ),
    ),
)
ACCEPT_ELSEWHERE = _("Use /accept in the community whose rules you accept.")
ACCEPT_SPEC = CommandSpec(
    "accept", _("Accept the community rules"), needs_community=True, elsewhere=ACCEPT_ELSEWHERE
)
LANG_SPEC = CommandSpec(
    "lang",
    _("Show or change the bot's language: en, it, ru"),
    role=Role.MANAGER,
    params=(Param("language", "en|it|ru", required=False),),
)
