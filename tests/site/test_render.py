"""render.py: record Markdown to safe HTML, and titles to plain text."""

from __future__ import annotations

import pytest

from incident_ledger.site.render import inline_html, markdown_html, plain, safe_url


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("**bold** and `code <x>`", "<p><strong>bold</strong> and <code>code &lt;x&gt;</code></p>"),
        ("a <script>alert(1)</script> b", "<p>a &lt;script&gt;alert(1)&lt;/script&gt; b</p>"),
        ('<img src=x onerror="alert(1)">', '<p>&lt;img src=x onerror="alert(1)"&gt;</p>'),
        # Text that looks like HTML is shown, never dropped with the words around it.
        ("parser expected <EOF>; List<String> broke", "<p>parser expected &lt;EOF&gt;; List&lt;String&gt; broke</p>"),
        ("<div>\nthe whole paragraph\n\nnext", "<p>&lt;div&gt;\nthe whole paragraph</p>\n<p>next</p>"),
        ("[x](javascript:alert(1)) <b>", '<p><a rel="noopener noreferrer nofollow">x</a> &lt;b&gt;</p>'),
        ("[x](javascript:alert(1))", '<p><a rel="noopener noreferrer nofollow">x</a></p>'),
        (
            "[x](https://example.com/a)",
            '<p><a href="https://example.com/a" rel="noopener noreferrer nofollow">x</a></p>',
        ),
        (
            "| a |\n|---|\n| 1 |",
            "<table>\n<thead>\n<tr>\n<th>a</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>1</td>\n</tr>\n</tbody>\n</table>",
        ),
        ("", ""),
    ],
)
def test_markdown_is_rendered_and_sanitized(source: str, html: str) -> None:
    assert str(markdown_html(source)) == html


def test_markdown_shows_bidi_and_control_characters_escaped() -> None:
    assert str(markdown_html("a \u202eb\u2066c\x07")) == "<p>a \\u202eb\\u2066c\\x07</p>"


def test_inline_html_drops_the_paragraph() -> None:
    assert str(inline_html("Rolled back `v2`.")) == "Rolled back <code>v2</code>."


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Checkout down", "Checkout down"),
        ("a < b & c", "a ‹ b & c"),
        ("x </title><script>alert(1)</script> y", "x y"),
        ("&lt;/title&gt;&amp;lt;script&amp;gt;", "‹/title›‹script›"),
        ("<b>bold</b>  spaced\nout", "bold spaced out"),
        # Trojan Source: an override would reorder the title on screen; shown as an escape.
        ("pay \u202edellac\u202c now \x1b[2J", "pay \\u202edellac\\u202c now \\x1b[2J"),
    ],
)
def test_plain_leaves_no_markup_and_no_angle_bracket(title: str, text: str) -> None:
    assert plain(title) == text


def test_safe_url_accepts_plain_http_links_only() -> None:
    assert safe_url("https://example.com/x?a=1") == "https://example.com/x?a=1"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url('https://example.com/"onmouseover=x') is None
    assert safe_url(None) is None
