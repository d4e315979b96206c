"""Linked accounts: one person, several platforms (``/link``, ``/unlink``)."""
