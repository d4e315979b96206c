"""Feedback: members' ideas on one board per community or space, votes, statuses with a
loop back to every backer, teams, and "you asked, we shipped".

* Submitting: ``/feedback <text>`` (``/idea``), a reply ``/feedback`` on Telegram, the
  "Send as feedback" message menu (Discord) and message shortcut (Slack). Before filing,
  similar ideas of the scope are found with the FAQ's multilingual matcher
  (:mod:`core.matching`, :mod:`core.feedback.similar`) and offered privately ("vote for
  #12 instead?"); the text waits as a draft until the member files it anyway.
* The board: ``/feedback board here``; each idea is one message per board of its scope
  (``space:<name>`` or ``community:<platform>:<id>``) with a vote button, edited in place
  (the delivery worker coalesces edits). One vote per person across a space
  (:mod:`core.persons`).
* Statuses: new → review → planned → progress → done, or declined, or duplicate of #N
  (votes merged into the original). Audited, with an optional note, and every backer is
  told privately on their own platform, batched per person (:mod:`core.feedback.status`).
* Teams: ``/feedback team <name> here|keywords ...``, ``/feedback route <id> <team>``; a
  team inbox message carries status buttons (managers only).
* "You asked, we shipped": a monthly job per scope posts the ideas done last month on the
  boards (on by default; ``/feedback shipped off``).

**Changing a status from other code** (e.g. a GitHub issue closed): call
:func:`core.feedback.status.apply_status` ``(ctx, store, idea_id, status, note=...,
by=..., duplicate_of=None)`` inside a handler's context, with the feature's store
(``Feedback.store(ctx.tx)``), or the feature's own :meth:`Feedback.apply_status`, which
supplies the store and the notice delay. It returns :class:`~core.feedback.status.Changed`
or :class:`~core.feedback.status.Unchanged` (``unknown``, ``same``, ``raced``). It does not
check roles nor scopes: the caller decides who may (a manager; a verified webhook).
"""
