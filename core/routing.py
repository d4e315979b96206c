"""Declared routing: ``@subcommand`` (each subcommand of a command handled by its own
method) and ``@pressed`` (a button's typed payload, :mod:`core.buttons`).

``/poll close 12`` runs the method marked ``@subcommand("poll", "close")``; the command's
own form (``/poll "Question?" ...``) runs the ``@command(POLL)`` method. Which handler
runs is decided here, from the invocation's path, so no handler branches on it. A spec
that has subcommand handlers must give each of its subcommands one (a subcommand's own
subcommands may share their parent's), checked when the bot starts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from townsquare.core.buttons import Payload
from townsquare.core.commands import CommandSpec, Invocation, subcommand_paths

F = TypeVar("F", bound=Callable[..., Awaitable[None]])
Handler = Callable[[Any, Any], Awaitable[None]]


def subcommand(*path: str) -> Callable[[F], F]:
    """Handle the subcommand at ``path`` (``"poll", "close"``) of a command the same
    feature declares with ``@command``; may be given several times on one method."""

    def mark(method: F) -> F:
        method.__dict__.setdefault("_ts_subcommands", []).append(tuple(path))
        return method

    return mark


def pressed(payload: type[Payload]) -> Callable[[F], F]:
    """Handle presses of buttons whose data is a ``payload`` (:mod:`core.buttons`):
    ``(payload, ctx)``, with ``ctx.event`` the :class:`ButtonPressed`. Data that does not
    parse reaches no handler."""

    def mark(method: F) -> F:
        method.__dict__["_ts_pressed"] = payload
        return method

    return mark


def router(owner: str, spec: CommandSpec, root: Handler, methods: Iterable[Any]) -> Handler:
    """One handler for ``spec`` that runs the :func:`subcommand` handler of the
    invocation's path (the nearest declared ancestor), else ``root``; raises ValueError
    for a path that is no form of ``spec``, or a subcommand left without a handler."""
    forms = subcommand_paths(spec)
    routes: dict[tuple[str, ...], Handler] = {}
    for method in methods:
        for path in getattr(method, "_ts_subcommands", ()):
            if path[0] != spec.name:
                continue
            if path not in forms:
                raise ValueError(f"{owner}: /{' '.join(path)} is no form of /{spec.name}")
            if path in routes:
                raise ValueError(f"{owner}: /{' '.join(path)} has two handlers")
            routes[path] = method
    if not routes:
        return root  # the old way: the command's handler reads invocation.path
    for path in forms:
        if len(path) > 1 and not any(path[:n] in routes for n in range(2, len(path) + 1)):
            raise ValueError(f"{owner}: /{' '.join(path)} has no @subcommand handler")

    async def route(invocation: Invocation, ctx: Any) -> None:
        path = invocation.path
        while len(path) > 1 and path not in routes:
            path = path[:-1]
        await routes.get(path, root)(invocation, ctx)

    route.__name__ = getattr(root, "__name__", "command")
    return route
