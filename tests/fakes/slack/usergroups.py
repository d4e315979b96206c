"""User groups in the fake Slack Web API (``usergroups.*``), as Slack answers them.

``usergroups.users.update`` replaces a group's whole list and refuses an empty one
(``no_users_provided``), a bot or a malformed id (``invalid_users``); ``usergroups.disable``
and ``usergroups.enable`` switch a group off and on. A disabled group's list reads as
empty unless ``include_disabled`` is set. Each method needs its scope (``missing_scope``
with ``needed`` and ``provided``, taken from :attr:`UserGroups.scopes`), and a workspace
on the free plan answers every one with ``paid_teams_only`` (:attr:`UserGroups.paid`
false), as Slack does.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

READ = "usergroups:read"
WRITE = "usergroups:write"
ALL_SCOPES = frozenset({"chat:write", "commands", "files:write", "im:write", READ, WRITE})
_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


@dataclass
class Group:
    id: str
    handle: str
    users: list[str] = field(default_factory=list)
    disabled: bool = False
    updates: int = 0

    def payload(self, team: str) -> dict[str, Any]:
        now = int(time.time())
        return {
            "id": self.id,
            "team_id": team,
            "is_usergroup": True,
            "name": self.handle.title(),
            "description": "",
            "handle": self.handle,
            "is_external": False,
            "date_create": now,
            "date_update": now,
            "date_delete": now if self.disabled else 0,
            "auto_type": None,
            "created_by": "U0OWNER",
            "updated_by": "U0BOT",
            "deleted_by": None,
            "prefs": {"channels": [], "groups": []},
            "users": list(self.users),
            "user_count": len(self.users),
        }


@dataclass
class UserGroups:
    """The user group half of :class:`tests.fakes.slack.server.FakeSlack`."""

    groups: dict[str, Group] = field(default_factory=dict)
    paid: bool = True
    """False: a free workspace, where every ``usergroups.*`` call is ``paid_teams_only``."""
    scopes: frozenset[str] = ALL_SCOPES
    """What the bot token was granted."""

    def add_group(self, handle: str, users: tuple[str, ...] = ()) -> Group:
        group = Group(f"S{len(self.groups) + 1:08d}", handle, list(users))
        self.groups[group.id] = group
        return group

    def _refused(self, scope: str) -> dict[str, Any] | str | None:
        if not self.paid:
            return "paid_teams_only"
        if scope not in self.scopes:
            provided = ",".join(sorted(self.scopes))
            return {"ok": False, "error": "missing_scope", "needed": scope, "provided": provided}
        return None

    def _group(self, params: dict[str, Any], scope: str) -> Group | dict[str, Any] | str:
        refused = self._refused(scope)
        if refused is not None:
            return refused
        group = self.groups.get(str(params.get("usergroup") or ""))
        return "no_such_subteam" if group is None else group

    def _usergroups_users_list(self, params: dict[str, Any]) -> dict[str, Any] | str:
        group = self._group(params, READ)
        if not isinstance(group, Group):
            return group
        if group.disabled and str(params.get("include_disabled")).lower() not in ("1", "true"):
            return {"users": []}
        return {"users": list(group.users)}

    def _usergroups_users_update(self, params: dict[str, Any]) -> dict[str, Any] | str:
        group = self._group(params, WRITE)
        if not isinstance(group, Group):
            return group
        raw = params.get("users")
        users = raw if isinstance(raw, list) else str(raw or "").split(",")
        users = [str(user).strip() for user in users if str(user).strip()]
        if not users:
            return "no_users_provided"
        if any(not _USER.match(user) or user == "U0BOT" for user in users):
            return "invalid_users"
        group.users = list(dict.fromkeys(users))
        group.updates += 1
        return {"usergroup": group.payload(str(params.get("team_id") or "T0TOWN"))}

    def _switch(self, params: dict[str, Any], disabled: bool) -> dict[str, Any] | str:
        group = self._group(params, WRITE)
        if not isinstance(group, Group):
            return group
        group.disabled = disabled
        return {"usergroup": group.payload(str(params.get("team_id") or "T0TOWN"))}

    def _usergroups_disable(self, params: dict[str, Any]) -> dict[str, Any] | str:
        return self._switch(params, disabled=True)

    def _usergroups_enable(self, params: dict[str, Any]) -> dict[str, Any] | str:
        return self._switch(params, disabled=False)
