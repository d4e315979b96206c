"""The escalation feature's commands, as members and managers type them (and ``/help``
shows them), and the one kind of id they name."""

from __future__ import annotations

from townsquare.core.commands import CommandSpec, Param
from townsquare.core.i18n import _
from townsquare.core.roles import Role
from townsquare.core.scope import IdRef

CASE_ID = IdRef("case", _("There is no case #{id}."))
"""A case named by id: found from its community, its managers' inbox, or by the managers
it was sent to privately (:meth:`Escalation.reaches`); from anywhere else it is unknown."""

REPORT_SPEC = CommandSpec(
    "report",
    _("Report a message to the managers (reply to it)"),
    params=(Param("reason", required=False, rest=True),),
    needs_reply=True,
)
MANAGERS_SPEC = CommandSpec(
    "managers",
    _("Show where managers receive reports"),
    role=Role.MANAGER,
    subcommands=(
        CommandSpec(
            "here",
            _("Make this chat the managers' inbox (with a code from /managers link)"),
            role=Role.MANAGER,
            params=(Param("code", required=False),),
        ),
        CommandSpec(
            "link",
            _("Get a one-time code to make another chat the managers' inbox"),
            role=Role.MANAGER,
        ),
    ),
)
CASES_SPEC = CommandSpec(
    "cases",
    _("List open cases (add 'all' for closed ones too)"),
    role=Role.MANAGER,
    params=(Param("which", required=False),),
)
CASE_SPEC = CommandSpec(
    "case",
    _("Show a case or claim | resolve <note> | reopen | warn | mute | dismiss it"),
    role=Role.MANAGER,
    params=(
        Param("id", ref=CASE_ID),
        Param("action", required=False),
        Param("note", required=False, rest=True),
    ),
)
WARN_SPEC = CommandSpec(
    "warn",
    _("Warn the author of a message (reply to it)"),
    role=Role.MANAGER,
    params=(Param("reason", required=False, rest=True),),
    needs_reply=True,
)
MUTE_SPEC = CommandSpec(
    "mute",
    _("Mute the author of a message, e.g. /mute 2h spam (reply to it)"),
    role=Role.MANAGER,
    params=(Param("duration"), Param("reason", required=False, rest=True)),
    needs_reply=True,
)
UNMUTE_SPEC = CommandSpec(
    "unmute",
    _("Let a muted member write again (reply to their message)"),
    role=Role.MANAGER,
    needs_reply=True,
)
WARNINGS_SPEC = CommandSpec(
    "warnings",
    _("Show a member's active warnings (reply to their message)"),
    role=Role.MANAGER,
    needs_reply=True,
)
ESCALATION_SPEC = CommandSpec(
    "escalation",
    _("Show the report, warning and case rules of this community"),
    role=Role.MANAGER,
    needs_community=True,
    elsewhere=_("Use this in a community chat."),
    subcommands=(
        CommandSpec(
            "set",
            _(
                "Change a rule: report_limit, report_window, reannounce, warning_expiry, "
                "mute, thresholds"
            ),
            role=Role.MANAGER,
            params=(Param("key"), Param("value", rest=True)),
        ),
    ),
)
