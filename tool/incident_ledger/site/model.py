"""What the site's pages say about one record: a read-only view made for the templates.

Facts about the process (active or ended, post-mortem and action-item deadlines) come
from the process layer, so the site says what `inc list` and `inc show` say.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from functools import cached_property
from typing import Any

from markupsafe import Markup

from .. import process as facts
from .. import stakeholders
from ..metrics import format_minutes, minutes_between
from ..process import Process
from ..records import parse_time
from .render import inline_html, markdown_html, plain, safe_url


def incident_uri(record: dict[str, Any]) -> str:
    """Where an incident's page lives in the site: incidents/<YYYY>/<ID>.md (the id is validated)."""
    return f"incidents/{record['id'][4:8]}/{record['id']}.md"


def slug(text: str) -> str:
    """A path-safe name for free text (service names), unique per text via a short hash."""
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]
    if base and base.encode() == text.lower().encode():
        return base
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]
    return f"{base}-{digest}" if base else f"s-{digest}"


class Incident:
    def __init__(self, data: dict[str, Any], process: Process, now: datetime, audience: str) -> None:
        self.data = data
        self.process = process
        self.now = now
        self.audience = audience
        self.id: str = data["id"]
        self.uri = incident_uri(data)
        self.title = plain(data["title"])
        self.status: str = data["status"]
        self.severity: str | None = data.get("severity")
        self.services: list[str] = list(data.get("services") or [])
        self.exercise: bool = data["exercise"]

    # -- state ------------------------------------------------------------------------

    @property
    def cancelled(self) -> bool:
        return self.status == facts.CANCELLED

    @property
    def duplicate(self) -> bool:
        return self.status == facts.DUPLICATE

    @property
    def ended_early(self) -> bool:
        return self.process.is_side_state(self.status)

    @property
    def active(self) -> bool:
        """Still being worked on: not ended early and normal operation not yet confirmed."""
        return self.process.active(self.status)

    @property
    def ended(self) -> bool:
        return self.process.ended(self.status)

    @property
    def awaiting_closure(self) -> bool:
        """Recovered (normal operation confirmed) but not yet closed with a root cause."""
        return self.process.is_open(self.status) and not self.process.active(self.status)

    @property
    def closed(self) -> bool:
        return self.process.closed(self.status)

    @property
    def reviewed(self) -> bool:
        return self.process.reviewed(self.status)

    @property
    def reopenings(self) -> list[Any]:
        return facts.reopenings(self.data)

    def time(self, field: str) -> datetime | None:
        return parse_time(self.data.get(field))

    @property
    def detected(self) -> datetime:
        moment = self.time("detected_at")
        assert moment is not None  # the schema requires it
        return moment

    @property
    def latest(self) -> dict[str, Any]:
        return self.data["timeline"][-1]  # type: ignore[no-any-return]

    @property
    def milestones(self) -> list[tuple[str, str]]:
        """(label, time) of each milestone after detection the incident has reached."""
        found = []
        for milestone in self.process.milestones[1:]:
            if self.data.get(milestone.field):
                label = milestone.field.removesuffix("_at")
                if milestone.stage == facts.REVIEWED:
                    label = f"post-mortem {label}"
                found.append((label, self.data[milestone.field]))
        return found

    @property
    def impact_start(self) -> str:
        return str(self.data.get("started_at") or self.data["detected_at"])

    @property
    def duration(self) -> str | None:
        """Impact duration from the start (or detection) to resolution; None while ongoing.

        An ongoing incident's length is not printed: the page is read long after it was
        built, so the templates say "ongoing since <start>" instead.
        """
        if self.data.get("resolved_at"):
            return format_minutes(minutes_between(self.impact_start, self.data["resolved_at"]))
        return "–" if self.ended_early else None

    # -- post-mortem deadline (policy: postmortem_due_days after closed_at) --------------

    @property
    def postmortem_policy(self) -> dict[str, Any]:
        return self.process.severity_policy(self.data)

    @property
    def postmortem_due(self) -> date | None:
        return self.process.postmortem_due(self.data)

    @property
    def postmortem_required(self) -> bool:
        return self.process.postmortem_required(self.data)

    @property
    def awaiting_review(self) -> bool:
        return self.process.awaiting_review(self.data)

    @property
    def postmortem_overdue(self) -> bool:
        return self.process.postmortem_overdue(self.data, self.now) is not None

    # -- text for templates ----------------------------------------------------------------

    def md(self, *keys: str) -> Markup:
        value: Any = self.data
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return markdown_html(value)

    def items(self, *keys: str) -> list[Markup]:
        value: Any = self.data
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return [inline_html(v) for v in value] if isinstance(value, list) else []

    def text(self, key: str) -> str:
        return plain(self.data.get(key, ""))

    @property
    def timeline(self) -> list[dict[str, Any]]:
        return [
            {
                "at": e["at"],
                "kind": e["kind"],
                "stage": e.get("stage"),
                # Stakeholder updates speak for themselves; other entries say what they are.
                "label": None if e["kind"] == facts.UPDATE_ENTRY else e["kind"],
                "author": e["author"],  # plain text, escaped by the template
                "text": inline_html(e["text"]),
            }
            for e in stakeholders.entries_for(self.data, self.audience)
        ]

    # -- stakeholder updates (cadence from policy.yaml, via the process layer) -------------

    @cached_property
    def next_update(self) -> stakeholders.NextUpdate | None:
        return stakeholders.next_update(self.process, self.data, self.now)

    @property
    def latest_update(self) -> dict[str, Any] | None:
        entry = stakeholders.latest_update(self.data)
        return {"at": entry["at"], "text": inline_html(entry["text"])} if entry else None

    @property
    def service_status(self) -> str:
        return stakeholders.service_status(self.process, self.data)

    @property
    def links(self) -> list[dict[str, str]]:
        result = []
        for link in self.data.get("links") or []:
            url = safe_url(link.get("url"))
            if url:
                result.append({"title": plain(link["title"]), "url": url})
        return result

    @property
    def action_items(self) -> list[dict[str, Any]]:
        return [
            {
                "id": item["id"],
                "title": inline_html(item["title"]),
                "kind": item["kind"],
                "owner": item["owner"],
                "due": item["due"],
                "status": item["status"],
                "overdue": facts.item_overdue(item, self.now),
                "link": safe_url(item.get("link")),
            }
            for item in self.data.get("action_items") or []
        ]

    def summary_text(self, limit: int = 400) -> str:
        """The summary as plain text (Markdown rendered, then every tag dropped), for the feed."""
        text = plain(markdown_html(self.data.get("summary", "")))
        return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
