"""An Atom feed of closures and post-mortems, for stakeholders who subscribe.

Written with the standard library's ElementTree, which escapes every text and attribute;
record text goes in as plain text (markup stripped), never as HTML.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime

from ..process import CLOSED
from ..records import format_time
from .model import Incident

ATOM = "http://www.w3.org/2005/Atom"
LIMIT = 50


def entries(incidents: list[Incident]) -> list[tuple[datetime, str, Incident]]:
    """(when, what, incident): one entry per closure and per reviewed post-mortem, newest first."""
    found = []
    for incident in incidents:
        if incident.exercise:
            continue
        closed, reviewed = incident.time("closed_at"), incident.time("reviewed_at")
        if incident.closed and closed:
            found.append((closed, CLOSED, incident))
        if incident.reviewed and reviewed:
            found.append((reviewed, "post-mortem", incident))
    found.sort(key=lambda e: (e[0], e[2].id, e[1]), reverse=True)
    return found[:LIMIT]


def atom(incidents: list[Incident], site_name: str, site_url: str, link: Callable[[str], str]) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    items = entries(incidents)
    _text(feed, "title", f"{site_name}: closures and post-mortems")
    _text(feed, "id", site_url or "urn:incident-ledger:feed")
    _text(feed, "updated", _stamp(items[0][0]) if items else "1970-01-01T00:00:00Z")
    # rel="self": where the feed itself lives, so readers can tell copies apart (RFC 4287 4.2.7.2).
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", type="application/atom+xml", href=link("feed.xml"))
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=link("index.md"))
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", site_name)
    for when, what, incident in items:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        label = "Post-mortem" if what == "post-mortem" else "Closed"
        _text(entry, "title", f"{label}: {incident.id}: {incident.title}")
        _text(entry, "id", f"urn:incident-ledger:{incident.id}:{what}")
        _text(entry, "updated", _stamp(when))
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=link(incident.uri))
        _text(entry, "summary", incident.summary_text())  # plain text: type="text" is Atom's default
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


def _text(parent: ET.Element, name: str, value: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}{name}").text = value


def _stamp(moment: datetime) -> str:
    return format_time(moment)
