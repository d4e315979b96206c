"""Announcements: ``/announce`` now or at a time, recurring, pinned, across a space."""
