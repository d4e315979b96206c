"""The ``/faq`` command and the kinds of ids it names (the FAQ feature's declarations)."""

from __future__ import annotations

from townsquare.core.commands import CommandSpec, CommandSyntaxError, Option, Param, split_arguments
from townsquare.core.i18n import _
from townsquare.core.roles import Role
from townsquare.core.scope import IdRef

FAQ_ID = IdRef("faq", _("There is no FAQ entry #{id}."))
UNANSWERED_ID = IdRef("unanswered", _("There is no unanswered question #{id}."))
"""FAQ entries and unanswered questions named by id: the caller's community's only."""

FAQ = CommandSpec(
    "faq",
    _("Ask the FAQ in your own words"),
    params=(Param("question", _("your question"), required=False, rest=True),),
    needs_community=True,
    elsewhere=_("The FAQ belongs to a community; ask in one of its channels."),
    subcommands=(
        CommandSpec(
            "add",
            _("Add an FAQ entry"),
            Role.MANAGER,
            params=(Param("question"), Param("answer", rest=True)),
        ),
        CommandSpec(
            "edit",
            _("Change an FAQ answer"),
            Role.MANAGER,
            params=(Param("id", ref=FAQ_ID), Param("answer", rest=True)),
            options=(
                Option("question", _("replace the question too"), takes_value=True, metavar="Q"),
            ),
        ),
        CommandSpec(
            "remove", _("Remove an FAQ entry"), Role.MANAGER, params=(Param("id", ref=FAQ_ID),)
        ),
        CommandSpec(
            "list",
            _("FAQ entries with hits and helpfulness"),
            Role.MANAGER,
            params=(Param("page", required=False),),
        ),
        CommandSpec("unanswered", _("Most asked questions without an answer"), Role.MANAGER),
        CommandSpec(
            "dismiss",
            _("Drop an unanswered question"),
            Role.MANAGER,
            params=(Param("id", ref=UNANSWERED_ID),),
        ),
        CommandSpec(
            "auto",
            _("Answer questions in the chat automatically"),
            Role.MANAGER,
            params=(Param("state", "on|off"),),
        ),
        CommandSpec("helpful", _("Say an FAQ answer helped"), params=(Param("id", ref=FAQ_ID),)),
        CommandSpec(
            "nothelpful",
            _("Say an FAQ answer did not help"),
            params=(Param("id", ref=FAQ_ID),),
        ),
    ),
)


def unquote(text: str | None) -> str:
    """The text without one pair of surrounding quotes (straight or typographic)."""
    if text is None:
        return ""
    text = text.strip()
    try:
        parts = split_arguments(text)
    except CommandSyntaxError:
        return text
    return parts[0].strip() if len(parts) == 1 else text
