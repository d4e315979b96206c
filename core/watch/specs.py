"""The ``/watch`` command and the ids it names (the watch feature's declarations)."""

from __future__ import annotations

from townsquare.core.commands import CommandSpec, Param
from townsquare.core.i18n import _
from townsquare.core.roles import Role
from townsquare.core.scope import IdRef

WATCH_ID = IdRef("watch", _("There is no watched phrase #{id}."))

WATCH = CommandSpec(
    "watch",
    _("Watch words: their mentions reach the managers' inbox (managers)"),
    role=Role.MANAGER,
    needs_community=True,
    elsewhere=_("Watch words belong to a community; use /watch in one of its channels."),
    subcommands=(
        CommandSpec(
            "add",
            _("Watch a word or phrase"),
            Role.MANAGER,
            params=(Param("phrase", _("a word or phrase"), rest=True),),
        ),
        CommandSpec("list", _("The watched words and phrases"), Role.MANAGER),
        CommandSpec(
            "remove",
            _("Stop watching a word or phrase"),
            Role.MANAGER,
            params=(Param("target", _("its number or the phrase"), rest=True),),
        ),
    ),
)
