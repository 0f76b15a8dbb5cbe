"""Record text (untrusted Markdown) to safe HTML, and titles to safe plain text.

Records are written by anyone with commit access, in a hurry, and may be pasted from
chat or a hostile ticket. Two layers keep their text from running in a reader's browser:
Markdown is rendered with raw HTML turned off (a `<script>` shows as text), and the result
is cleaned by nh3 (ammonia) with a short allowlist: no event handlers, no style, and links
only to http, https and mailto.
"""

from __future__ import annotations

import html
import re

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "a", "ul", "ol", "li",
        "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "del",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})

# Text without any of these renders to a single escaped paragraph, so most timeline
# entries and list items skip the Markdown parser (it dominates build time otherwise).
_MARKDOWN_SYNTAX = re.compile(r"[\\`*_\[\]<>&!#|~]|^\s*(?:[-+=>]|\d+[.)])|\n|^ {4}|https?://|www\.")


class _Renderer:
    def __init__(self) -> None:
        self.md = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists"], output_format="html")
        # Raw HTML off: the block and inline HTML handlers are what pass tags through.
        self.md.preprocessors.deregister("html_block")
        self.md.inlinePatterns.deregister("html")

    def convert(self, text: str) -> str:
        self.md.reset()
        return self.md.convert(text)


_renderer = _Renderer()


def clean(fragment: str) -> str:
    return nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
    )


def markdown_html(text: object) -> Markup:
    """A block of record Markdown as sanitized HTML, ready to place in a template."""
    if not isinstance(text, str) or not text.strip():
        return Markup("")
    if not _MARKDOWN_SYNTAX.search(text):
        return Markup(f"<p>{html.escape(text.strip(), quote=False)}</p>")
    return Markup(clean(_renderer.convert(text)))


def inline_html(text: object) -> Markup:
    """One line of record Markdown (a list item, a timeline entry) without the <p> wrapper."""
    block = str(markdown_html(text))
    if block.startswith("<p>") and block.endswith("</p>") and block.count("<p>") == 1:
        block = block[3:-4]
    return Markup(block)


def plain(text: object) -> str:
    """Text with all markup removed and no `<` or `>` left, for titles and the feed.

    Material writes `page.title | striptags` unescaped into <title>, and striptags decodes
    entities, so an escaped `&lt;/title&gt;` would become a real tag there. Entities are
    therefore decoded until none is left and the angle brackets replaced by look-alikes.
    """
    value = nh3.clean(str(text), tags=set()) if isinstance(text, str) else ""
    while True:
        decoded = html.unescape(value)
        if decoded == value:
            break
        value = decoded
    return " ".join(value.replace("<", "‹").replace(">", "›").split())


_SAFE_URL = re.compile(r"https?://[^\s<>\"'`]+\Z")


def safe_url(url: object) -> str | None:
    """A link target from a record, when it is a plain http(s) URL (the schema's rule)."""
    return url if isinstance(url, str) and _SAFE_URL.match(url) else None
