"""The built-in features on typed buttons and settings: buttons already posted in chats
(written by the hand-made encoders these classes replace) still parse to what they meant,
settings stored before models existed read as they did, and every built-in feature's
payloads and settings pass the checks made at start."""

from __future__ import annotations

from typing import Any

import pytest

from townsquare.bots.runtime import default_features
from townsquare.core.buttons import MAX_BYTES, Payload, check
from townsquare.core.dispatcher import Dispatcher
from townsquare.core.escalation.lifecycle import CaseAction, CaseButton
from townsquare.core.escalation.policy import EscalationSettings
from townsquare.core.faq.feature import FaqSettings
from townsquare.core.faq.rules import Choice, FaqButton
from townsquare.core.inbox import Inbox, InboxSettings
from townsquare.core.onboarding.gate import AcceptButton
from townsquare.core.onboarding.settings import DirectMode, Gate, OnboardingSettings, Then
from townsquare.core.polls.rules import RETRACT, VoteButton
from townsquare.core.refs import ChannelRef
from townsquare.core.settings import Language, model, read

POSTED: list[tuple[str, Payload]] = [
    ("poll:12:0", VoteButton(12, 0)),
    ("poll:12:9", VoteButton(12, 9)),
    ("poll:12:r", VoteButton(12, RETRACT)),
    ("faq:4:y", FaqButton(4, Choice.HELPFUL)),
    ("faq:4:n", FaqButton(4, Choice.NOT_HELPFUL)),
    ("faq:4:s", FaqButton(4, Choice.SHOW)),
    ("onb:acc", AcceptButton()),
    ("onb:acc:bob", AcceptButton("bob")),
    ("onb:acc:123456789@-1001234567890", AcceptButton("123456789", "-1001234567890")),
    ("case:7:claim", CaseButton(7, CaseAction.CLAIM)),
    ("case:7:resolve", CaseButton(7, CaseAction.RESOLVE)),
    ("case:7:dismiss", CaseButton(7, CaseAction.DISMISS)),
]


@pytest.mark.parametrize(("data", "meant"), POSTED)
def test_buttons_already_posted_keep_working(data: str, meant: Payload) -> None:
    assert type(meant).parse(data) == meant
    assert meant.pack() == data, "new buttons carry the same data"
    others = {VoteButton, FaqButton, AcceptButton, CaseButton} - {type(meant)}
    assert all(other.parse(data) is None for other in others)


def test_every_built_in_payload_fits_and_the_features_register() -> None:
    for cls in (VoteButton, FaqButton, AcceptButton, CaseButton):
        assert check(cls) <= MAX_BYTES
    Dispatcher(default_features(), bots={})  # no clashing prefix, namespace or key


STORED_BY_THE_OLD_CODE: dict[str, Any] = {
    "locale": "ru",
    "faq_auto": False,
    "welcome": False,
    "welcome_template": "Hi {mention}",
    "welcome_dm": "only",
    "welcome_clean": True,
    "welcome_channel": {"id": "C1", "thread": None},
    "rules": "Be kind.",
    "verify": "tracked",
    "verify_timeout": 0,
    "verify_then": "stay",
    "verify_role": "555",
    "escalation": {"report_limit": "3"},
    "managers_inbox": {"bot": "tg", "channel": "-100", "thread": "9"},
}


def test_settings_stored_before_models_read_unchanged() -> None:
    stored = STORED_BY_THE_OLD_CODE
    assert read(Language, stored).locale == "ru"
    assert read(FaqSettings, stored) == FaqSettings(auto=False)
    assert read(OnboardingSettings, stored) == OnboardingSettings(
        welcome=False,
        template="Hi {mention}",
        dm=DirectMode.ONLY,
        clean=True,
        channel=ChannelRef("C1"),
        rules="Be kind.",
        gate=Gate.TRACKED,
        timeout=0,
        then=Then.STAY,
        role="555",
    )
    assert read(EscalationSettings, stored).rules == {"report_limit": "3"}
    assert read(InboxSettings, stored).inbox == Inbox("tg", ChannelRef("-100", thread_id="9"))


def test_what_the_old_code_would_not_have_used_reads_as_the_default() -> None:
    broken = {
        "welcome_template": "",
        "rules": "   ",
        "welcome_dm": "sometimes",
        "verify_timeout": -5,
        "verify_role": "",
        "welcome_channel": {"thread": "1"},
        "faq_auto": "no",
        "managers_inbox": {"channel": "x"},
    }
    assert read(OnboardingSettings, broken) == OnboardingSettings()
    assert read(FaqSettings, broken) == FaqSettings()
    assert read(InboxSettings, broken) == InboxSettings()


def test_writing_stores_what_the_old_code_stored() -> None:
    onboarding = model(OnboardingSettings)
    assert onboarding.dump({"dm": DirectMode.ALSO, "channel": ChannelRef("C2", "t")}) == {
        "welcome_dm": "also",
        "welcome_channel": {"id": "C2", "thread": "t"},
    }
    assert onboarding.dump({"template": None, "gate": Gate.OFF}) == {
        "welcome_template": None,
        "verify": "off",
    }
    assert model(InboxSettings).dump({"inbox": Inbox("tg", ChannelRef("-1"))}) == {
        "managers_inbox": {"bot": "tg", "channel": "-1", "thread": None}
    }
