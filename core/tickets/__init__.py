"""Tickets: private member <-> team conversations (:mod:`.feature`)."""
