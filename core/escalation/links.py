"""Links to a reported message: :func:`core.permalinks.message_link`, shared with other
features (features never import each other)."""

from __future__ import annotations

from townsquare.core.permalinks import SLACK_TS as SLACK_TS
from townsquare.core.permalinks import message_link as message_link
