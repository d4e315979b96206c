"""A message a manager caused that the platform refuses, or keeps failing to take, reaches
that manager privately, once, with what could not be posted and the platform's reason;
transient errors that pass send nothing, and a notice never brings a notice of its own."""

from __future__ import annotations

from tests.support import CHANNEL, COMMUNITY, MemoryAdapter, enqueue
from townsquare.core.actions import RestrictMember, SendDirect, SendMessage
from townsquare.core.delivery import DeliveryWorker
from townsquare.core.errors import PermanentDeliveryError, TransientDeliveryError
from townsquare.core.refs import ChannelRef
from townsquare.core.text import Style, as_text
from townsquare.storage.store import SqlStore

REFUSED = "send to channel 42: Discord 403 (code 50013) Missing Permissions"


async def deliver(store: SqlStore, adapter: MemoryAdapter, attempts: int = 8) -> DeliveryWorker:
    worker = DeliveryWorker(
        store, {"mem": adapter}, backoff_base=0.001, poll_interval=0.05, max_attempts=attempts
    )
    worker.start()
    assert await worker.drain(timeout=10)
    await worker.stop()
    return worker


def notice(text: str) -> SendDirect:
    return SendDirect(
        bot="mem",
        user_id="m1",
        display_name="Mia",
        text=as_text(text),
        fallback_channel=CHANNEL,
    )


def poll_post() -> SendMessage:
    return SendMessage(
        bot="mem",
        channel=ChannelRef("announcements"),
        text=as_text("📊 #1 Lunch?"),
        key="poll:1",
        on_failure=notice("I could not post your poll #1: refused."),
        on_give_up=notice("I could not post your poll #1: kept failing."),
    )


async def test_a_refused_message_tells_its_manager_privately_once(store: SqlStore) -> None:
    adapter = MemoryAdapter()
    adapter.failures = [PermanentDeliveryError(REFUSED)]
    await enqueue(store, poll_post())
    worker = await deliver(store, adapter)

    (told,) = adapter.performed
    assert isinstance(told, SendDirect) and (told.user_id, told.fallback_channel) == ("m1", CHANNEL)
    assert told.text.plain() == f"I could not post your poll #1: refused.\n{REFUSED}"
    assert told.text.spans[-1].style is Style.CODE, "the platform's words are never markup"
    refused, sent = await store.outbox_status()
    assert (refused["kind"], refused["status"], refused["attempts"]) == (
        "send_message",
        "failed",
        1,
    )
    assert (sent["kind"], sent["status"]) == ("send_direct", "sent")
    assert (
        worker.metrics["delivery.refusal_notices"] == 1 and worker.metrics["delivery.retries"] == 0
    )

    await deliver(store, adapter)  # a restart sends nothing again
    assert len(adapter.performed) == 1


async def test_retries_that_run_out_send_the_give_up_notice(store: SqlStore) -> None:
    adapter = MemoryAdapter()
    adapter.failures = [TransientDeliveryError("Discord 502")] * 3
    await enqueue(store, poll_post())
    worker = await deliver(store, adapter, attempts=3)

    (told,) = adapter.performed
    assert isinstance(told, SendDirect)
    assert told.text.plain() == "I could not post your poll #1: kept failing.\nDiscord 502"
    assert worker.metrics["delivery.give_up_notices"] == 1


async def test_a_transient_error_that_passes_tells_nobody(store: SqlStore) -> None:
    adapter = MemoryAdapter()
    adapter.failures = [TransientDeliveryError("Discord 502")]
    await enqueue(store, poll_post())
    await deliver(store, adapter)

    (posted,) = adapter.performed
    assert isinstance(posted, SendMessage) and posted.key == "poll:1"


async def test_a_refused_notice_is_only_logged(store: SqlStore) -> None:
    adapter = MemoryAdapter()
    adapter.failures = [PermanentDeliveryError(REFUSED), PermanentDeliveryError("blocked")]
    await enqueue(store, poll_post())
    await deliver(store, adapter)

    assert adapter.performed == []
    rows = await store.outbox_status()
    assert [(r["kind"], r["status"]) for r in rows] == [
        ("send_message", "failed"),
        ("send_direct", "failed"),
    ]


async def test_a_notice_that_carries_notices_loses_them(store: SqlStore) -> None:
    """A moderation notice is a channel message, which could carry notices itself; the
    worker strips them, so a refusal can never start a chain of notices."""
    inner = SendMessage(
        bot="mem",
        channel=CHANNEL,
        text=as_text("I could not mute Bob"),
        on_failure=notice("loop"),
        on_give_up=notice("loop"),
    )
    mute = RestrictMember(
        bot="mem", community=COMMUNITY, user_id="u1", channel=CHANNEL, on_failure=inner
    )
    adapter = MemoryAdapter()
    adapter.failures = [PermanentDeliveryError("no rights"), PermanentDeliveryError("no rights")]
    await enqueue(store, mute)
    await deliver(store, adapter)

    assert adapter.performed == []
    rows = await store.outbox_status()
    assert [(r["kind"], r["status"]) for r in rows] == [
        ("restrict_member", "failed"),
        ("send_message", "failed"),
    ]
    stored = rows[1]["payload"]
    assert (stored["on_failure"], stored["on_give_up"]) == (None, None)
