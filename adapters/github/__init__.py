"""GitHub for the feedback feature: the REST client that opens issues, the worker that
opens them from their durable requests, and the webhook's signature check.

Not a chat platform: no :class:`~core.ports.Adapter`. Like the chat adapters it holds no
business rules; it speaks GitHub's protocol and hands what GitHub says to the core as
events (:mod:`core.events`).
"""
