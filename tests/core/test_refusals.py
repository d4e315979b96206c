"""A mute, unmute or removal the platform refuses at delivery is never silent: the
delivery worker gives up on it at once and sends the notice it carries, once, through the
outbox; transient errors are retried with no notice."""

from __future__ import annotations

from tests.conformance.scenarios import HOSTILE_NAME
from tests.support import CHANNEL, COMMUNITY, MemoryAdapter, enqueue
from townsquare.core.actions import (
    RemoveMember,
    RestrictMember,
    SendMessage,
    UnrestrictMember,
    action_from_payload,
    action_to_payload,
)
from townsquare.core.delivery import DeliveryWorker
from townsquare.core.errors import PermanentDeliveryError, TransientDeliveryError
from townsquare.core.i18n import translator
from townsquare.core.inbox import Inbox
from townsquare.core.refs import ChannelRef
from townsquare.core.refusals import refusal_notice, with_refusal_notice
from townsquare.core.text import Style, as_text
from townsquare.storage.store import SqlStore

EN = translator("en")
MODS = ChannelRef("mods")
REFUSED = "Bad Request: not enough rights to restrict/unrestrict chat member"


async def deliver(store: SqlStore, adapters: dict[str, MemoryAdapter]) -> DeliveryWorker:
    worker = DeliveryWorker(store, adapters, backoff_base=0.001, poll_interval=0.05)
    worker.start()
    assert await worker.drain(timeout=10)
    await worker.stop()
    return worker


def mute(name: str = "Bob", inbox: Inbox | None = None) -> RestrictMember:
    action = RestrictMember(bot="mem", community=COMMUNITY, user_id="u1", channel=CHANNEL)
    return with_refusal_notice(action, name, EN, inbox)


async def test_a_refused_mute_sends_its_notice_once_and_is_not_retried(store: SqlStore) -> None:
    adapter = MemoryAdapter()
    adapter.failures = [PermanentDeliveryError(REFUSED)]
    await enqueue(store, mute())
    worker = await deliver(store, {"mem": adapter})

    (notice,) = adapter.performed
    assert isinstance(notice, SendMessage) and notice.channel == CHANNEL
    assert notice.text.plain() == (
        "I could not mute Bob: the platform refused. Give me the permission to restrict "
        "members, with a role above theirs (owners and administrators cannot be muted), "
        "or mute them by hand."
    )
    refused, sent = await store.outbox_status()
    assert (refused["kind"], refused["status"], refused["attempts"]) == (
        "restrict_member",
        "failed",
        1,
    )
    assert refused["last_error"] == REFUSED
    assert (sent["kind"], sent["status"]) == ("send_message", "sent")
    assert worker.metrics["delivery.refusal_notices"] == 1
    assert worker.metrics["delivery.retries"] == 0

    await deliver(store, {"mem": adapter})  # a later run (a restart) sends nothing again
    assert len(adapter.performed) == 1


async def test_a_transient_error_is_retried_without_a_notice(store: SqlStore) -> None:
    adapter = MemoryAdapter()
    adapter.failures = [ConnectionError("reset"), TransientDeliveryError("Telegram 502")]
    await enqueue(store, mute())
    worker = await deliver(store, {"mem": adapter})

    (performed,) = adapter.performed
    assert isinstance(performed, RestrictMember) and performed.user_id == "u1"
    (row,) = await store.outbox_status()
    assert (row["status"], row["attempts"]) == ("sent", 3)
    assert worker.metrics["delivery.retries"] == 2
    assert worker.metrics["delivery.refusal_notices"] == 0


async def test_the_notice_goes_to_the_inbox_of_another_bot(store: SqlStore) -> None:
    """The managers' inbox may be on another platform: the notice is that bot's message."""
    origin, inbox = MemoryAdapter(), MemoryAdapter("inbox")
    origin.failures = [PermanentDeliveryError("Discord 403 (code 50013) Missing Permissions")]
    removal = RemoveMember(bot="mem", community=COMMUNITY, user_id="u1", channel=CHANNEL)
    await enqueue(store, with_refusal_notice(removal, "Bob", EN, Inbox("inbox", MODS)))
    await deliver(store, {"mem": origin, "inbox": inbox})

    assert origin.performed == []
    (notice,) = inbox.performed
    assert isinstance(notice, SendMessage) and (notice.bot, notice.channel) == ("inbox", MODS)
    assert notice.text.plain().startswith("I could not remove Bob: the platform refused.")


async def test_other_refused_actions_fail_without_a_notice(store: SqlStore) -> None:
    adapter = MemoryAdapter()
    adapter.failures = [PermanentDeliveryError("chat not found")] * 2
    bare = UnrestrictMember(bot="mem", community=COMMUNITY, user_id="u1", channel=CHANNEL)
    await enqueue(store, bare, SendMessage(bot="mem", channel=CHANNEL, text=as_text("hello")))
    worker = await deliver(store, {"mem": adapter})
    assert adapter.performed == []
    assert [row["status"] for row in await store.outbox_status()] == ["failed", "failed"]
    assert worker.metrics["delivery.refusal_notices"] == 0


def test_the_notice_survives_the_outbox() -> None:
    action = mute(inbox=Inbox("inbox", ChannelRef("mods", thread_id="t1")))
    assert action_from_payload(action_to_payload(action)) == action


def test_the_notice_names_the_member_as_plain_text_in_the_community_language() -> None:
    unmute = UnrestrictMember(bot="mem", community=COMMUNITY, user_id="u1", channel=CHANNEL)
    notice = refusal_notice(unmute, HOSTILE_NAME, translator("it"))
    assert notice is not None
    assert notice.text.plain() == (
        f"Non sono riuscito a togliere il silenzio a {HOSTILE_NAME}: la piattaforma ha "
        "rifiutato. Dammi il permesso di limitare i membri, con un ruolo superiore al suo, "
        "oppure togli il silenzio a mano."
    )
    assert all(span.style is Style.PLAIN for span in notice.text.spans)
    assert HOSTILE_NAME in [span.text for span in notice.text.spans], "a span of its own"

    removal = RemoveMember(bot="mem", community=COMMUNITY, user_id="u1", channel=CHANNEL)
    russian = refusal_notice(removal, "Bob", translator("ru"))
    assert russian is not None and russian.text.plain().startswith(
        "Не удалось удалить участника Bob: платформа отказала."
    )


def test_without_an_inbox_or_a_channel_there_is_nowhere_to_tell() -> None:
    nowhere = RestrictMember(bot="mem", community=COMMUNITY, user_id="u1")
    assert refusal_notice(nowhere, "Bob", EN) is None
    inbox = refusal_notice(nowhere, "Bob", EN, Inbox("mem", MODS))
    assert inbox is not None and inbox.channel == MODS


async def test_a_mute_that_keeps_failing_tells_the_managers_when_retries_run_out(
    store: SqlStore,
) -> None:
    adapter = MemoryAdapter()
    adapter.failures = [TransientDeliveryError("Telegram 502")] * 3
    await enqueue(store, mute(inbox=Inbox("mem", MODS)))
    worker = DeliveryWorker(
        store, {"mem": adapter}, backoff_base=0.001, poll_interval=0.05, max_attempts=3
    )
    worker.start()
    assert await worker.drain(timeout=10)
    await worker.stop()

    (notice,) = adapter.performed
    assert isinstance(notice, SendMessage) and notice.channel == MODS
    assert notice.text.plain() == (
        "I could not mute Bob: the platform kept failing, so I stopped trying. Mute them by "
        "hand, or try again later."
    )
    failed, sent = await store.outbox_status()
    assert (failed["kind"], failed["status"], failed["attempts"]) == (
        "restrict_member",
        "failed",
        3,
    )
    assert (sent["kind"], sent["status"]) == ("send_message", "sent")
    assert worker.metrics["delivery.give_up_notices"] == 1
    assert worker.metrics["delivery.refusal_notices"] == 0


def test_the_give_up_notice_is_in_the_community_language_for_every_moderation() -> None:
    it = translator("it")
    member = {"bot": "mem", "community": COMMUNITY, "user_id": "u1"}
    for action, start in (
        (RestrictMember(**member), "Non sono riuscito a silenziare"),
        (UnrestrictMember(**member), "Non sono riuscito a togliere"),
        (RemoveMember(**member), "Non sono riuscito a rimuovere"),
    ):
        notice = with_refusal_notice(action, HOSTILE_NAME, it, Inbox("inbox", MODS)).on_give_up
        assert notice is not None and notice.text.plain().startswith(start)
        assert HOSTILE_NAME in notice.text.plain()
        assert {span.style for span in notice.text.spans} == {Style.PLAIN}
