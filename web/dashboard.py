"""The managers' dashboard on the web app: its routes and static files.

Pages (server-rendered with Jinja2, htmx for live parts, no build step):

* ``/login/<token>``, ``/logout``, ``/sessions``, ``/language`` (:mod:`web.auth`);
* ``/inbox``, ``/inbox/items``, ``/cases/<id>`` (:mod:`web.inbox`), ``/tickets/<id>``
  (:mod:`web.tickets`); ``/settings``, ``/settings/<platform>/<id>``
  (:mod:`web.community_settings`); ``/faq``, ``/faq/<platform>/<id>`` (:mod:`web.faq`);
  ``/polls``, ``/polls/<id>`` (:mod:`web.polls`); ``/members`` (:mod:`web.members`);
  ``/feedback``, ``/feedback/<id>`` (:mod:`web.feedback`); ``/events``, ``/events/<id>``
  (:mod:`web.events`); ``/analytics``, ``/analytics/<platform>/<id>`` (:mod:`web.analytics`,
  charts drawn by :mod:`web.charts`).

Every page reads the viewer's session and grants again (:func:`web.auth.viewer`);
every action goes through the pipeline as the manager's own command
(:mod:`web.actions`).
"""

from __future__ import annotations

from aiohttp import web

from townsquare.web import (
    analytics,
    auth,
    community_settings,
    events,
    faq,
    feedback,
    inbox,
    members,
    polls,
    tickets,
)
from townsquare.web.views import STATIC, security_headers

__all__ = ["add_routes", "security_headers"]


def add_routes(app: web.Application) -> None:
    auth.add_routes(app)
    inbox.add_routes(app)
    tickets.add_routes(app)
    community_settings.add_routes(app)
    faq.add_routes(app)
    polls.add_routes(app)
    members.add_routes(app)
    feedback.add_routes(app)
    events.add_routes(app)
    analytics.add_routes(app)
    app.router.add_static("/static/", STATIC, name="static", append_version=False)
