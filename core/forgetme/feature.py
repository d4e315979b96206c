"""``/forgetme`` and the daily retention job (:mod:`core.privacy` has the hooks).

``/forgetme`` answers with what will be erased and a confirming button that only the
member who asked may press, within :data:`CONFIRM_MINUTES` (where a platform has no
buttons, the button's fallback ``/forgetme confirm CODE`` does the same). The press
erases the member, with every linked account, in every running feature
(:meth:`core.features.Feature.erase_person`), in one savepoint: if any feature fails, nothing is
erased and the member is told to try again. The spine's own tables (the roster, delivery
rows and facts naming the member) are cleaned by :class:`PrivacyStore`.

The retention job runs every day at 03:00 UTC (a stored job, scheduled by the first
chunk of events this process handles, so it survives restarts and fires once with
several processes): each feature's :meth:`~core.features.Feature.expire_data` forgets what is
older than ``[retention]`` says, each in a savepoint of its own (one failing is logged
and the others still run).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any, ClassVar, Protocol

from townsquare.core.actions import Button, ButtonStyle
from townsquare.core.buttons import MaxLen, Payload
from townsquare.core.commands import CommandSpec, Invocation, Param
from townsquare.core.events import Event, JobDue
from townsquare.core.features import Context, Feature, command, job, pressed, subcommand
from townsquare.core.i18n import _
from townsquare.core.persons import PersonDirectory, account_platform
from townsquare.core.privacy import Account, Retention, Subject

log = logging.getLogger(__name__)

RETENTION_JOB = "privacy.retention"
CONFIRM_MINUTES = 10
"""How long the confirming button of ``/forgetme`` works."""

FORGETME = CommandSpec(
    "forgetme",
    _("Erase your personal data in every feature (asks to confirm)"),
    subcommands=(
        CommandSpec(
            "confirm",
            _("Confirm with the code /forgetme gave you"),
            params=(Param("code", _("the code /forgetme gave you")),),
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class ForgetButton(Payload):
    """``forget:<who>:<minute>``: ``who`` is a digest of the asking account (nobody
    else's press counts), ``minute`` when it was asked (minutes since the epoch)."""

    prefix: ClassVar[str] = "forget"
    who: Annotated[str, MaxLen(12)]
    minute: int


class PrivacyStore(Protocol):
    async def erase_person(self, subject: Subject) -> None: ...

    async def export_person(self, subject: Subject) -> dict[str, Any]: ...

    def atomic(self) -> AbstractAsyncContextManager[None]:
        """A savepoint: what the block wrote is rolled back if it raises."""
        ...


StoreFactory = Callable[[Any], PrivacyStore]


def account_digest(platform: str, user_id: str) -> str:
    return hashlib.sha256(f"{account_platform(platform)}:{user_id}".encode()).hexdigest()[:12]


def next_run(now: datetime) -> datetime:
    """The next 03:00 UTC after ``now``."""
    due = datetime.combine(now.astimezone(UTC).date(), time(3), tzinfo=UTC)
    return due if due > now else due + timedelta(days=1)


async def subject_of(
    persons: PersonDirectory, tx: Any, platform: str, user_id: str, names: Sequence[str] = ()
) -> Subject:
    """The person behind ``(platform, user_id)`` with every linked account."""
    person = await persons.person_of(tx, platform, user_id)
    aliases = await persons.aliases(tx, person)
    found = await persons.accounts(tx, aliases)
    accounts = {Account(account_platform(platform), user_id)}
    accounts |= {Account(p, u) for p, u, _name in found}
    known = {name for _p, _u, name in found if name} | {name for name in names if name}
    return Subject(
        accounts=tuple(sorted(accounts, key=lambda a: (a.platform, a.user_id))),
        person_ids=aliases,
        names=frozenset(known),
    )


async def forget(
    features: Sequence[Feature], store: PrivacyStore, subject: Subject, tx: Any
) -> None:
    """Erase ``subject`` in every feature and the spine, all or nothing."""
    async with store.atomic():
        for feature in features:
            await feature.erase_person(subject, tx)
        await store.erase_person(subject)


async def export(
    features: Sequence[Feature], store: PrivacyStore, subject: Subject, tx: Any
) -> dict[str, Any]:
    """Everything stored about ``subject``, by feature (``core`` for the spine)."""
    found: dict[str, Any] = {}
    for feature in features:
        part = await feature.export_person(subject, tx)
        if part:
            found[feature.name] = part
    core = await store.export_person(subject)
    if core:
        found["core"] = core
    return found


class Privacy(Feature):
    name = "privacy"

    def __init__(
        self, store: StoreFactory, persons: PersonDirectory, retention: Retention | None = None
    ) -> None:
        self.store = store
        self.persons = persons
        self.retention = retention or Retention()
        self.features: list[Feature] = []
        self._scheduled = False
        self._place: tuple[str, str, datetime] | None = None

    def attached(self, features: Sequence[Feature]) -> None:
        self.features = [feature for feature in features if feature is not self]

    # -- /forgetme ------------------------------------------------------------------------

    @command(FORGETME)
    async def forgetme(self, invocation: Invocation, ctx: Context) -> None:
        tr, actor = ctx.tr, ctx.event.actor
        assert actor is not None
        minute = int(ctx.now.timestamp() // 60)
        payload = ForgetButton(account_digest(ctx.event.platform, actor.user_id), minute)
        code = f"{payload.who}-{minute}"
        button = Button(
            tr(_("Erase my data")),
            payload.pack(),
            ButtonStyle.DANGER,
            fallback=f"/forgetme confirm {code}",
        )
        text = tr(
            _(
                "This erases your personal data in every feature, on every platform "
                "your accounts are linked on: your name, XP and levels, RSVPs, giveaway "
                "entries and linked accounts; your votes and feedback keep counting "
                "without your name. Moderation records (cases, warnings, mutes) are kept "
                "under a pseudonym. It cannot be undone. Press the button within {minutes} "
                "minutes to confirm."
            ),
            minutes=CONFIRM_MINUTES,
        )
        ctx.reply(text, ((button,),))

    @subcommand("forgetme", "confirm")
    async def confirm(self, invocation: Invocation, ctx: Context) -> None:
        who, _dash, minute = str(invocation.args["code"]).strip().partition("-")
        ctx.respond(await self._confirmed(who, minute, ctx))

    @pressed(ForgetButton)
    async def pressed_confirm(self, data: ForgetButton, ctx: Context) -> None:
        answer = await self._confirmed(data.who, str(data.minute), ctx)
        ctx.answer(answer, alert=True)

    async def _confirmed(self, who: str, minute: str, ctx: Context) -> str:
        tr, actor = ctx.tr, ctx.event.actor
        assert actor is not None
        if who != account_digest(ctx.event.platform, actor.user_id):
            return tr(_("Only the member who asked can confirm this; /forgetme asks for you."))
        now_minute = int(ctx.now.timestamp() // 60)
        if not minute.isdigit() or not 0 <= now_minute - int(minute) <= CONFIRM_MINUTES:
            return tr(_("That confirmation has expired; /forgetme asks again."))
        subject = await subject_of(
            self.persons, ctx.tx, ctx.event.platform, actor.user_id, [actor.display_name]
        )
        try:
            await forget(self.features, self.store(ctx.tx), subject, ctx.tx)
        except Exception:
            log.exception("could not erase a member's data (%d accounts)", len(subject.accounts))
            return tr(_("Your data could not be erased just now; nothing was. Try again."))
        log.info("erased a member's data: %d accounts", len(subject.accounts))
        return tr(_("Done: your personal data is erased."))

    # -- retention ------------------------------------------------------------------------

    async def prepare(self, events: Sequence[Event], tx: Any) -> None:
        if not self._scheduled and self._place is None and events:
            first = events[0]
            self._place = (first.platform, first.bot, first.occurred_at)

    async def finish(self, tx: Any) -> None:
        if self._scheduled or self._place is None:
            return
        platform, bot, seen = self._place
        # The event's own time (a test's moved clock), but never a night long past: an
        # old or redelivered update must not make the job due at once.
        now = max(seen, datetime.now(UTC) - timedelta(days=1))
        await tx.schedule(
            kind=RETENTION_JOB,
            due_at=next_run(now),
            platform=platform,
            bot=bot,
            payload={},
            key=RETENTION_JOB,
            now=now,
        )
        tx.after_commit(self._remember)

    def _remember(self) -> None:
        self._scheduled = True

    @job(RETENTION_JOB)
    async def expire_all(self, event: JobDue, ctx: Context) -> None:
        """Each feature forgets what is past its retention; then tomorrow's run."""
        store = self.store(ctx.tx)
        for feature in self.features:
            try:
                async with store.atomic():
                    await feature.expire_data(self.retention, ctx.now, ctx.tx)
            except Exception:
                log.exception("feature %s could not forget its old data", feature.name)
        await ctx.tx.schedule(
            kind=RETENTION_JOB,
            due_at=next_run(ctx.now + timedelta(minutes=1)),
            platform=event.platform,
            bot=event.bot,
            payload={},
            key=RETENTION_JOB,
            now=ctx.now,
        )
