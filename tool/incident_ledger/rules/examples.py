"""Building blocks of the rules' examples: timeline entries and action items as YAML.

The examples tell one incident (card payments failing at checkout on 3 November 2026),
so `inc rules` reads as one story; stages and entry kinds come from the process layer.
"""

from __future__ import annotations

from ..process import CLASSIFIED, INVESTIGATING, RESOLVED, STATUS_ENTRY

COMMANDER = "Priya Natarajan"


def timeline_entry(time: str, kind: str, text: str, stage: str | None = None, author: str = COMMANDER) -> str:
    """A timeline entry at `time` (HH:MM) on 3 November 2026, as a YAML list item."""
    lines = [f'  - at: "2026-11-03T{time}:00Z"', f"    kind: {kind}"]
    lines += [f"    stage: {stage}"] if stage else []
    return "\n".join([*lines, f"    author: {author}", f"    text: {text}", ""])


def action_item(item_id: str, state: str, due: str = "2026-11-20", title: str = "Alert on pool saturation") -> str:
    """An action item, as a YAML list item."""
    return (
        f"  - id: {item_id}\n    title: {title}\n    kind: detect\n"
        f'    owner: Tom Becker\n    due: "{due}"\n    status: {state}\n'
    )


CLASSIFIED_ENTRY = timeline_entry("10:18", STATUS_ENTRY, "SEV2, a third of card payments failing.", CLASSIFIED)
INVESTIGATING_ENTRY = timeline_entry("10:21", STATUS_ENTRY, "Priya is commander.", INVESTIGATING)
RESOLVED_ENTRY = timeline_entry("10:55", STATUS_ENTRY, "Error rate back under 1%.", RESOLVED)
