"""Every table of townsquare: the core models plus each feature's.

Alembic and the schema test compare migrations against :data:`metadata`. A feature that
adds tables in ``storage/<feature>_models.py`` imports that module here so its tables join
the same ``MetaData``.
"""

from __future__ import annotations

# Imported for their side effect: each module registers its tables on Base.metadata.
from townsquare.storage import (  # noqa: F401
    analytics_models,
    announcements_models,
    calendar_models,
    escalation_models,
    faq_models,
    feedback_models,
    gateway_models,
    github_models,
    giveaways_models,
    intake_models,
    onboarding_models,
    people_models,
    polls_models,
    ratelimit_models,
    rewards_models,
    tickets_models,
    watch_models,
    web_models,
)
from townsquare.storage.models import Base

metadata = Base.metadata
