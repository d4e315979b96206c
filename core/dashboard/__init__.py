"""``/dashboard``: a manager's private one-time login link to the web dashboard."""
