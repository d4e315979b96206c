"""``/feedback`` and ``/idea``: their declarations (pure)."""

from __future__ import annotations

from townsquare.core.commands import CommandSpec, Param
from townsquare.core.i18n import _
from townsquare.core.roles import Role
from townsquare.core.scope import IdRef

IDEA_ID = IdRef("idea", _("There is no idea #{id}."))
"""An idea named by id: only the caller's community's (or space's) are found."""
DRAFT_ID = IdRef("feedback-draft", _("There is no held idea #{id}."))
"""An idea held back while similar ones were offered: only its author finds it."""

NOTICE_JOB = "feedback.notice"
SHIPPED_JOB = "feedback.shipped"


def notice_key(recipient: str) -> str:
    """One pending notice job per backer: changes made meanwhile join its one message."""
    return f"feedback-notice:{recipient}"[:128]


def shipped_key(scope: str) -> str:
    return f"feedback-shipped:{scope}"[:128]


_TEXT = Param("text", _("your idea"), required=False, rest=True)
_ID = Param("id", _("an idea's number"), ref=IDEA_ID)

FEEDBACK = CommandSpec(
    "feedback",
    _("Send an idea to the team, or see one (/feedback 12)"),
    params=(_TEXT,),
    subcommands=(
        CommandSpec("vote", _("Vote for an idea"), params=(_ID,)),
        CommandSpec(
            "list",
            _("The open ideas, or those in a status"),
            params=(
                Param(
                    "status",
                    _("new, review, planned, progress, done, declined or duplicate"),
                    required=False,
                ),
            ),
        ),
        CommandSpec(
            "file",
            _("File an idea held back while similar ones were offered"),
            params=(Param("draft", _("its number"), ref=DRAFT_ID),),
        ),
        CommandSpec(
            "status",
            _("Change an idea's status; every backer is told (managers)"),
            Role.MANAGER,
            params=(
                _ID,
                Param("status", _("new, review, planned, progress, done or declined")),
                Param("note", _("a note for the backers"), required=False, rest=True),
            ),
        ),
        CommandSpec(
            "duplicate",
            _("Mark an idea a duplicate of another; its votes move there (managers)"),
            Role.MANAGER,
            params=(_ID, Param("of", _("the original idea's number"), ref=IDEA_ID)),
        ),
        CommandSpec(
            "route",
            _("Send an idea to a team's inbox (managers)"),
            Role.MANAGER,
            params=(_ID, Param("team", _("the team's name"))),
        ),
        CommandSpec(
            "issue",
            _("Open a GitHub issue for an idea (managers)"),
            Role.MANAGER,
            params=(_ID,),
        ),
        CommandSpec(
            "board",
            _("Make this channel the feedback board (managers)"),
            Role.MANAGER,
            params=(Param("where", _("here")),),
            needs_community=True,
        ),
        CommandSpec(
            "team",
            _("Make this chat a team's inbox, or set the words routed to it (managers)"),
            Role.MANAGER,
            params=(
                Param("name", _("the team's name, e.g. product")),
                Param("action", _("here, keywords or link")),
                Param(
                    "words",
                    _("the keywords, comma separated; after here, a code from link"),
                    required=False,
                    rest=True,
                ),
            ),
        ),
        CommandSpec(
            "shipped",
            _('Turn the monthly "you asked, we shipped" post on or off (managers)'),
            Role.MANAGER,
            params=(Param("state", _("on or off")),),
            needs_community=True,
        ),
    ),
)

IDEA = CommandSpec("idea", _("Send an idea to the team (same as /feedback)"), params=(_TEXT,))
