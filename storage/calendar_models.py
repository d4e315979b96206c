"""Tables of the events feature (:mod:`core.calendar`): an event (or one occurrence of a
series) is a row, an answer is a row unique per event and voter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from townsquare.storage.models import Base, Id


class EventSeriesRow(Base):
    """A recurring event's rule and the details each new occurrence copies."""

    __tablename__ = "calendar_series"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    repeat: Mapped[str] = mapped_column(String(16))
    anchor: Mapped[str] = mapped_column(String(19))
    """The first occurrence's wall-clock time in ``tz``, ``YYYY-MM-DDTHH:MM:SS``."""
    tz: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(Text)
    duration_minutes: Mapped[int]
    capacity: Mapped[int | None]
    remind_minutes: Mapped[str] = mapped_column(String(64))
    """Reminder offsets in minutes, comma-separated, largest first ("" for none)."""
    cutoff_minutes: Mapped[int]
    ended_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class EventRow(Base):
    __tablename__ = "calendar_events"
    __table_args__ = (Index("ix_calendar_events_community", "bot", "community_id", "starts_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    bot: Mapped[str] = mapped_column(String(64))
    community_id: Mapped[str | None] = mapped_column(String(128))
    channel_id: Mapped[str] = mapped_column(String(128))
    thread_id: Mapped[str | None] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int]
    tz: Mapped[str] = mapped_column(String(64))
    capacity: Mapped[int | None]
    remind_minutes: Mapped[str] = mapped_column(String(64))
    cutoff_minutes: Mapped[int]
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("calendar_series.id", ondelete="SET NULL")
    )
    slot: Mapped[datetime | None]
    space: Mapped[str | None] = mapped_column(String(64))
    mirror: Mapped[bool]
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    checkin_code: Mapped[str | None] = mapped_column(String(8))
    """The code ``/event checkin`` shows the room (typed where buttons are missing)."""


class EventPostRow(Base):
    """A space event's post in another community of the space; its message is
    ``sent_messages`` under the key ``event:<event id>:<number>``."""

    __tablename__ = "calendar_posts"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("calendar_events.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    bot: Mapped[str] = mapped_column(String(64))
    community_id: Mapped[str] = mapped_column(String(128))
    channel_id: Mapped[str] = mapped_column(String(128))


class EventRsvpRow(Base):
    """One answer: ``voter`` is the account's user id, or ``person:<id>`` for an event
    posted to a space (one answer per person across its platforms)."""

    __tablename__ = "calendar_rsvps"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("calendar_events.id", ondelete="CASCADE"), primary_key=True
    )
    voter: Mapped[str] = mapped_column(String(128), primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    bot: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(256))
    community_id: Mapped[str | None] = mapped_column(String(128))
    channel_id: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    position: Mapped[int]
    """When they last asked to go, as a number increasing per event: the waitlist order."""
    reminders: Mapped[bool]
    answered_at: Mapped[datetime]


class EventAttendanceRow(Base):
    """A check-in (``/event checkin``): at most one per voter and event."""

    __tablename__ = "calendar_attendance"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("calendar_events.id", ondelete="CASCADE"), primary_key=True
    )
    voter: Mapped[str] = mapped_column(String(128), primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(256))
    checked_in_at: Mapped[datetime]


class EventInterestRow(Base):
    """How many marked a post's Discord scheduled event "Interested" (its ``user_count``),
    as the platform last reported it; ``mirror_key`` is the mirror's outbox key."""

    __tablename__ = "calendar_interest"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("calendar_events.id", ondelete="CASCADE"), primary_key=True
    )
    mirror_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    interested: Mapped[int]
    updated_at: Mapped[datetime]


class EventFeedRow(Base):
    """A secret calendar feed (``GET /calendar/<token>.ics`` on ``[web]``): a community's
    events (``owner`` ``community:<bot>:<community id>``), or the events one account
    answered Going or Maybe or waits for, wherever (``person:<platform>:<user id>``).
    Resetting it replaces the token, so the old URL stops working."""

    __tablename__ = "calendar_feeds"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(256), unique=True)
    platform: Mapped[str] = mapped_column(String(32))
    bot: Mapped[str] = mapped_column(String(64))
    community_id: Mapped[str | None] = mapped_column(String(128))
    user_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
