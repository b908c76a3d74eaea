"""HTML helpers: formatting, escaping, citations."""

from __future__ import annotations

import pandas as pd
import pytest

from russia_korea_briefs import text

EVENTS = pd.DataFrame(
    [
        {"id": "1990-a", "date": "1990-09-30", "title": "Ties <established>", "source_title": "Src & co",
         "source_url": "https://example.org/a?x=1&y=2", "confidence": "high", "description": "d"},
        {"id": "1991-b", "date": "1991", "title": "B", "source_title": "S", "source_url": "javascript:alert(1)",
         "confidence": "low", "description": "d"},
    ]
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(9.98e9, "$9.98 bn"), (27.34e9, "$27.34 bn"), (890e6, "$890 m"), (None, "n/a"), (float("nan"), "n/a")],
)
def test_fmt_usd(value, expected):
    assert text.fmt_usd(value) == expected


def test_fmt_num():
    assert text.fmt_num(0.53412) == "0.53" and text.fmt_num(None) == "n/a" and text.fmt_num(1234.5, 1) == "1,234.5"


def test_link_escapes_and_refuses_non_http():
    assert text.link("A & B", "https://x.org/?a=1&b=2") == '<a href="https://x.org/?a=1&amp;b=2">A &amp; B</a>'
    assert text.link("<b>x</b>", "javascript:alert(1)") == "&lt;b&gt;x&lt;/b&gt;"


def test_references_number_in_order_of_first_use():
    refs = text.References(EVENTS)
    html = refs.prose("First [[1991-b]] then **bold** [[1990-a]] and again [[1991-b]].\n\nSecond <p>.").markup
    assert html.count("<p>") == 2
    assert '<a href="#ref-1"' in html and '<a href="#ref-2"' in html
    assert html.index("ref-1") < html.index("ref-2")
    assert "<strong>bold</strong>" in html and "&lt;p&gt;" in html
    notes = refs.endnotes().markup
    assert notes.index("1991: B") < notes.index("1990-09-30: Ties &lt;established&gt;")
    assert "javascript:" not in notes, "a non-http source is shown as text, never as a link"
    assert 'href="https://example.org/a?x=1&amp;y=2"' in notes


def test_unknown_citation_fails_loudly():
    with pytest.raises(KeyError, match="unknown citation 'no-such-event'"):
        text.References(EVENTS).prose("see [[no-such-event]]")


def test_a_published_trade_row_is_cited_by_year_and_basis():
    published = pd.DataFrame([
        {"year": 2024, "basis": "korean-partial", "source_title": "Jan-Jul trade <report>",
         "source_url": "https://example.org/t"},
        {"year": 2024, "basis": "korean-annual", "source_title": "Annual", "source_url": "https://example.org/u"},
    ])
    refs = text.References(EVENTS, trade_published=published)
    html = refs.prose("Part of a year [[trade:2024-korean-partial]].").markup
    assert '<a href="#ref-1"' in html
    notes = refs.endnotes().markup
    assert "Published trade figure, 2024 (korean-partial)" in notes and "Jan-Jul trade &lt;report&gt;" in notes
    assert "Annual" not in notes, "only the row cited is listed"
    with pytest.raises(KeyError, match=r"unknown citation 'trade:2023-korean-partial'.*trade:<year>-<basis>"):
        refs.prose("[[trade:2023-korean-partial]]")


def test_judgments_require_a_known_confidence():
    html = text.judgments([("Claim <x>", "high", "Because")]).markup
    assert "High confidence" in html and "Claim &lt;x&gt;" in html
    with pytest.raises(ValueError, match="confidence 'certain'"):
        text.judgments([("Claim", "certain", "e")])


def test_table_escapes_cells_and_links_a_column():
    frame = pd.DataFrame({"Name": ["<i>x</i>"], "Source": ["S"], "url": ["https://s.org"], "N": [3]})
    html = text.table(frame, "Cap", links={"Source": "url"}, numeric=("N",)).markup
    assert "&lt;i&gt;x&lt;/i&gt;" in html and '<a href="https://s.org">S</a>' in html
    assert '<td class="num">3</td>' in html and ">url<" not in html
