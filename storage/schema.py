"""Every table of townsquare: the core models plus each feature's.

Alembic and the schema test compare migrations against :data:`metadata`. A feature that
adds tables in ``storage/<feature>_models.py`` imports that module here so its tables join
the same ``MetaData``.
"""

from __future__ import annotations

import storage.escalation_models  # registers the escalation tables
import storage.faq_models  # registers the FAQ tables
import storage.gateway_models  # registers the gateway sessions
import storage.intake_models  # registers the rejected updates and bot processes
import storage.onboarding_models  # registers the onboarding tables
import storage.people_models  # registers the linked-accounts tables
import storage.polls_models  # registers the polls tables
import storage.ratelimit_models  # noqa: F401  (registers the send slots)
from storage.models import Base

metadata = Base.metadata
