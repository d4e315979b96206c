"""The rewards feature's commands, as the one grammar declares them."""

from __future__ import annotations

from townsquare.core.commands import CommandSpec, Param
from townsquare.core.i18n import _
from townsquare.core.roles import Role

_MEMBER = Param("member", _("a member (@name), or reply to them"), required=False)
RANK = CommandSpec(
    "rank",
    _("Your level, XP, rank and reputation, or a member's"),
    params=(_MEMBER,),
    needs_community=True,
)
TOP = CommandSpec(
    "top",
    _("The leaderboard"),
    params=(Param("period", _("week, month or all"), required=False),),
    needs_community=True,
)
THANKS = CommandSpec(
    "thanks",
    _("Thank a member: reply to their message, or name them"),
    params=(Param("members", _("@members (up to three)"), required=False, variadic=True),),
    needs_community=True,
)
XP = CommandSpec(
    "xp",
    _("Give, take or reset a member's XP"),
    role=Role.MANAGER,
    needs_community=True,
    subcommands=(
        CommandSpec(
            "give",
            _("Give XP to a member: name them, or reply to them"),
            Role.MANAGER,
            params=(Param("amount", _("how much XP")), _MEMBER),
        ),
        CommandSpec(
            "take",
            _("Take XP from a member: name them, or reply to them"),
            Role.MANAGER,
            params=(Param("amount", _("how much XP")), _MEMBER),
        ),
        CommandSpec(
            "reset",
            _("Reset a member's XP: name them, or reply to them"),
            Role.MANAGER,
            params=(_MEMBER,),
        ),
    ),
)
LEVELS = CommandSpec(
    "levels",
    _("Show how members earn XP and levels here"),
    role=Role.MANAGER,
    needs_community=True,
    subcommands=(
        CommandSpec(
            "set",
            _("Change a levels setting"),
            Role.MANAGER,
            params=(Param("key", _("e.g. cooldown")), Param("value", _("e.g. 2m"))),
        ),
        CommandSpec(
            "role",
            _("Reward a level with a role"),
            Role.MANAGER,
            params=(Param("level", _("a level")), Param("role", _("@role, or off"))),
        ),
        CommandSpec(
            "channel",
            _("Whether messages in this channel earn XP"),
            Role.MANAGER,
            params=(Param("state", "on|off"),),
        ),
        CommandSpec(
            "announce",
            _("Where level-ups are announced"),
            Role.MANAGER,
            params=(Param("where", "here|dm|off"),),
        ),
    ),
)
