"""Record text (untrusted Markdown) to safe HTML, and titles to safe plain text.

Records are written by anyone with commit access, in a hurry, and may be pasted from
chat or a hostile ticket. Every record value reaches a page through this module, in one
of three ways: Markdown fields through `markdown_html`/`inline_html`, titles (and
anything MkDocs or the theme writes unescaped: page titles, nav, table of contents,
search index titles, the feed) through `plain`, and every other value through
`text`, which the templates' environment applies to each value it prints before
escaping it. Two layers keep Markdown from running in a reader's browser: it is
rendered in cmark-gfm's safe mode (javascript: links dropped; a field with raw HTML is
rendered by markdown-it instead, which shows the HTML as text), and the result is
cleaned by nh3 (ammonia) with a short allowlist: no event handlers, no style, and links
only to http, https and mailto. All three show control and bidirectional-override
characters as visible escapes (`safetext`), so text cannot be reordered on screen.
"""

from __future__ import annotations

import functools
import html
import re

import cmarkgfm
import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

from ..safetext import escape_unsafe

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "a", "ul", "ol", "li",
        "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "del",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


# What cmark's safe mode leaves where it dropped raw HTML, and the text inside it.
_OMITTED = "<!-- raw HTML omitted -->"


def _convert(text: str, block: bool) -> str:
    # cmark-gfm (the C library behind GitHub's rendering, as PyPI's readme_renderer uses)
    # in its default safe mode: raw HTML becomes a comment and javascript: links lose
    # their target. It is ~20x faster than Python-Markdown, which matters at 5,000 records.
    # One-line items (timeline entries, list items) need no tables: plain CommonMark is
    # twice as fast again.
    rendered = str(cmarkgfm.github_flavored_markdown_to_html(text) if block else cmarkgfm.markdown_to_html(text))
    if _OMITTED in rendered:
        # Safe mode drops `expected <EOF>`, `List<String>` and a whole paragraph after a
        # `<div>` line, silently. Only those few fields go through markdown-it, which shows
        # raw HTML as the text it is (4x slower than cmark, so not for every field).
        return str(_escaping_renderer(block).render(text))
    return rendered


@functools.cache
def _escaping_renderer(block: bool) -> MarkdownIt:
    renderer = MarkdownIt("commonmark", {"html": False})
    # Every link stays a link and the cleaner decides on its target, so an unsafe link
    # looks the same (no target) whichever renderer a field went through.
    renderer.validateLink = lambda url: True  # type: ignore[method-assign]
    return renderer.enable(["table", "strikethrough"]) if block else renderer


# Built once: nh3.clean() builds its allowlists on every call, which costs more than
# the cleaning of a short field.
_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(URL_SCHEMES),
    link_rel="noopener noreferrer nofollow",
)
_stripper = nh3.Cleaner(tags=set())


def clean(fragment: str) -> str:
    # cmark blanks an unsafe link's target (href=""), which would reload the page: drop it.
    return escape_unsafe(_cleaner.clean(fragment).replace('<a href="" ', "<a "))


def markdown_html(text: object, block: bool = True) -> Markup:
    """A block of record Markdown as sanitized HTML, ready to place in a template."""
    if not isinstance(text, str) or not text.strip():
        return Markup("")
    return Markup(clean(_convert(text, block)).strip())


def inline_html(text: object) -> Markup:
    """One line of record Markdown (a list item, a timeline entry) without the <p> wrapper."""
    block = str(markdown_html(text, block=False))
    if block.startswith("<p>") and block.endswith("</p>") and block.count("<p>") == 1:
        block = block[3:-4]
    return Markup(block)


def plain(text: object) -> str:
    """Text with all markup removed and no `<` or `>` left, for titles and the feed.

    Material writes `page.title | striptags` unescaped into <title>, and striptags decodes
    entities, so an escaped `&lt;/title&gt;` would become a real tag there. Entities are
    therefore decoded until none is left and the angle brackets replaced by look-alikes.
    """
    value = _stripper.clean(text) if isinstance(text, str) else ""
    while True:
        decoded = html.unescape(value)
        if decoded == value:
            break
        value = decoded
    return escape_unsafe(" ".join(value.replace("<", "‹").replace(">", "›").split()))


def text(value: object) -> object:
    """A record value printed by a template (a name, a service, a time): its unsafe
    characters shown as escapes. Jinja escapes the result; Markup (sanitized HTML made
    by this module) and numbers pass as they are."""
    return escape_unsafe(value) if isinstance(value, str) and not isinstance(value, Markup) else value


_SAFE_URL = re.compile(r"https?://[^\s<>\"'`]+\Z")


def safe_url(url: object) -> str | None:
    """A link target from a record, when it is a plain http(s) URL (the schema's rule)."""
    return url if isinstance(url, str) and _SAFE_URL.match(url) else None
