"""The rules as text for people: the list `inc rules` prints, and one rule's whole page.

A rule's page is its doc and its two examples, as `ruff rule` shows a rule: what the
rule asks, why, a record it refuses and one it lets through.
"""

from __future__ import annotations

import textwrap

from ..errors import UsageError
from .base import Example, Kind, Rule
from .registry import BY_ID, RULES, close_matches

WIDTH = 88
_INDENT = "    "


def find(rule_id: str) -> Rule:
    """The rule with this id, or a usage error naming the ids that look like it."""
    found = BY_ID.get(rule_id.strip().lower())
    if found is not None:
        return found
    close = close_matches(rule_id.strip().lower())
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UsageError(f"no rule {rule_id!r}{hint} (`inc rules` lists them all)")


def listing(rules: tuple[Rule, ...] = RULES) -> str:
    """One line per rule: id, kind, summary, in the order a record meets them."""
    id_width = max(len(rule.id) for rule in rules)
    kind_width = max(len(str(rule.kind)) for rule in rules)
    return "\n".join(f"{rule.id:<{id_width}}  {rule.kind!s:<{kind_width}}  {rule.summary}" for rule in rules)


def page(rule: Rule) -> str:
    """The rule's whole documentation with its failing and passing example."""
    kind = f"{rule.kind} rule, a warning: shown, never failing" if rule.warning else f"{rule.kind} rule"
    parts = [f"{rule.id} ({kind})", rule.summary]
    if rule.details:
        parts.append(textwrap.fill(rule.details, WIDTH, break_on_hyphens=False))
    if rule.kind is Kind.READER:
        parts += [
            "A file like this is refused:",
            _example(rule.failing, rule.kind),
            "and this one is read:",
            _example(rule.passing, rule.kind),
        ]
    else:
        parts += [
            f"{'Warned about' if rule.warning else 'Refused'} (only the fields that matter are shown; the rest of the"
            " record is valid):",
            _example(rule.failing, rule.kind),
            "Passes:",
            _example(rule.passing, rule.kind),
        ]
    return "\n\n".join(parts)


def _example(example: Example, kind: Kind) -> str:
    sections: list[tuple[str | None, str]] = []  # (label, YAML)
    if example.before is not None:
        sections.append((f"Before{_at(example.before_path)}:", example.before))
        after = "After: the file is deleted." if example.text is None else f"After{_at(example.path)}:"
        sections.append((after, example.text or ""))
    elif kind is Kind.HISTORY:
        sections.append((f"A new record{_at(example.path)}:", example.text or ""))
    elif example.path:
        sections.append((f"File {example.path}:", example.text or ""))
    else:
        sections.append(("This record:" if example.others else None, example.text or ""))
    sections += [("Another record of the repository:", other) for other in example.others]
    if example.added:
        sections.append((f"The change was committed on {example.added}.", ""))
    if example.taken:
        sections.append((f"Meanwhile the target branch got another record at {example.taken}.", ""))
    lines = []
    for label, text in sections:
        if label:
            lines.append(_INDENT + label)
        if text.strip():
            lines.append(textwrap.indent(text.rstrip("\n"), _INDENT * (2 if label else 1)))
    return "\n".join(lines)


def _at(path: str | None) -> str:
    return f" ({path})" if path else ""
