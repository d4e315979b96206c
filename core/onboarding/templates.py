"""Welcome templates: checked when a manager sets one, rendered with user text as spans.

A template is plain text with variables (``Welcome to {community}, {mention}!``). It is
checked at ``/welcome set`` so mistakes are reported with the reason then, not discovered
when the next newcomer arrives. Rendering goes through :func:`core.text.compose`: the
member's name, the community title and the rules stay separate spans that every adapter
escapes, so no display name can become markup or a mass mention, whatever the template.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from townsquare.core.i18n import Translator, _
from townsquare.core.text import Text, TextLike, as_text, compose, join, mention, plain

VARIABLES = ("name", "mention", "community", "member_count", "rules")
MAX_TEMPLATE = 1500
"""Long enough for a welcome with the rules inlined, short enough for one Discord message."""
SHOWN_NAMES = 2
"""Names spelled out in a combined greeting before "and N others"."""


@dataclass(frozen=True)
class TemplateError(ValueError):
    """Why a template cannot be used: an untranslated sentence and its values."""

    reason: str
    values: Mapping[str, object] = field(default_factory=dict)

    def explain(self, tr: Translator) -> str:
        return tr(self.reason, **self.values)

    def __str__(self) -> str:
        return self.reason.format(**self.values)


def _variables_list() -> str:
    return ", ".join("{" + name + "}" for name in VARIABLES)


def _snippet(template: str, index: int) -> str:
    start = max(0, index - 8)
    return template[start : index + 12].replace("\n", " ")


def validate(template: str) -> None:
    """Raise :class:`TemplateError` unless ``template`` renders with every variable set.

    Literal braces are written twice (``{{`` and ``}}``), as in Python format strings, so
    the check is exactly what :func:`core.text.compose` accepts at render time.
    """
    if not template.strip():
        raise TemplateError(_("The template is empty."))
    if len(template) > MAX_TEMPLATE:
        raise TemplateError(
            _("The template is too long: at most {n} characters."), {"n": MAX_TEMPLATE}
        )
    index, size = 0, len(template)
    while index < size:
        char = template[index]
        if char == "}":
            if template.startswith("}}", index):
                index += 2
                continue
            raise TemplateError(
                _("A “{brace}” has no opening brace (near “{where}”); write it twice to show it."),
                {"brace": "}", "where": _snippet(template, index)},
            )
        if char != "{":
            index += 1
            continue
        if template.startswith("{{", index):
            index += 2
            continue
        close = template.find("}", index + 1)
        nested = template.find("{", index + 1)
        if close < 0 or 0 <= nested < close:
            raise TemplateError(
                _("A “{brace}” is never closed (near “{where}”); write it twice to show it."),
                {"brace": "{", "where": _snippet(template, index)},
            )
        body = template[index + 1 : close]
        name = body.split("!", 1)[0].split(":", 1)[0].strip()
        if name not in VARIABLES:
            raise TemplateError(
                _("Unknown variable {variable}. You can use {variables}."),
                {"variable": "{" + body + "}", "variables": _variables_list()},
            )
        if body != name:
            raise TemplateError(
                _("Write {example} without formatting: {variable} is not supported."),
                {"example": "{" + name + "}", "variable": "{" + body + "}"},
            )
        index = close + 1


def render(template: str, values: Mapping[str, TextLike]) -> Text:
    """Fill ``template``; raises :class:`TemplateError` if it is not valid after all."""
    validate(template)
    try:
        return compose(template, **{name: values.get(name, "") for name in VARIABLES})
    except (KeyError, ValueError) as error:  # validate() and compose() disagree: a bug
        raise TemplateError(_("The template cannot be filled: {error}"), {"error": error}) from None


def name_list(items: Sequence[TextLike], tr: Translator) -> Text:
    """``Alice``, ``Alice and Bob``, ``Alice, Bob and Carol``, ``Alice, Bob and 37 others``.

    Items stay spans (plain names or mentions); only the glue is translated.
    """
    parts = [as_text(item) for item in items]
    if not parts:
        return Text()
    if len(parts) == 1:
        return parts[0]
    if len(parts) <= SHOWN_NAMES + 1:
        return compose(tr(_("{names} and {last}")), names=join(parts[:-1], ", "), last=parts[-1])
    others = len(parts) - SHOWN_NAMES
    glue = tr.plural(
        _("{names} and {n} other"), _("{names} and {n} others"), others, names="{names}"
    )
    return compose(glue, names=join(parts[:SHOWN_NAMES], ", "))


def variables(
    members: Sequence[tuple[str, str]],
    *,
    community: str,
    member_count: int,
    rules: str,
    tr: Translator,
) -> dict[str, TextLike]:
    """Template values for a greeting of ``members`` (``(user_id, display_name)`` pairs).

    Every user-supplied value is its own span: names plain or as mentions, the community
    title and the rules plain; the adapters escape them all.
    """
    return {
        "name": name_list([plain(name) for _user, name in members], tr),
        "mention": name_list([mention(user, name) for user, name in members], tr),
        "community": plain(community),
        "member_count": str(member_count),
        "rules": plain(rules),
    }
