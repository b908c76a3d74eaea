"""HTML pieces for the briefs: title block, figures, tables, judgments, source lists, colophon.

Every string that comes from data is escaped here (``html.escape``) and every link is checked to
be http(s), so a title such as ``<script>…`` shows as text and cannot run in a brief.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from russia_korea_briefs.schemas import check_url


@dataclass(frozen=True)
class Html:
    """A piece of HTML that Jupyter and nbconvert display as ``text/html``."""

    markup: str

    def _repr_html_(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def link(title: object, url: str) -> str:
    """An escaped link; a URL that is not http(s) is shown as plain text, never as a link."""
    try:
        check_url(str(url))
    except ValueError:
        return esc(title)
    return f'<a href="{esc(url)}">{esc(title)}</a>'


def fmt_usd(value: float | None, digits: int = 2) -> str:
    """``9.98e9`` → ``'$9.98 bn'``; missing → ``'n/a'``."""
    if value is None or pd.isna(value):
        return "n/a"
    if abs(value) >= 1e9:
        return f"${value / 1e9:.{digits}f} bn"
    return f"${value / 1e6:.0f} m"


def fmt_num(value: float | None, digits: int = 2) -> str:
    if value is None or pd.isna(value):
        return "n/a"
    return f"{value:,.{digits}f}"


def paragraph(template: str, **values: object) -> Html:
    """A paragraph from a template with ``{name}`` fields; the values are escaped, the template is not."""
    return Html("<p>" + template.format(**{k: esc(v) for k, v in values.items()}) + "</p>")


def title_block(series: str, title: str, subtitle: str, meta: Sequence[str]) -> Html:
    return Html(
        '<header class="title-block">'
        f'<p class="series">{esc(series)}</p>'
        f"<h1>{esc(title)}</h1>"
        f'<p class="subtitle">{esc(subtitle)}</p>'
        + "".join(f'<p class="meta">{esc(m)}</p>' for m in meta)
        + "</header>"
    )


_SVG_HEAD = re.compile(r"^.*?(?=<svg)", re.DOTALL)

#: the licence of every derived table and brief (README, "Sources and licences")
LICENCE = "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"
CSV_URI_PREFIX = "data:text/csv;charset=utf-8;base64,"


def _render_svg(fig, points=()) -> tuple[str, str, list, float]:
    """(inline SVG, its id prefix, hover points in SVG user units, height / width) of a figure.

    The figure is cropped to its tight bounding box computed here (not by ``savefig``), so the
    position of every point in the SVG is known: ``(x_inches - x0) · 72, (y1 - y_inches) · 72``.
    """
    import matplotlib.pyplot as plt

    renderer = fig.canvas.get_renderer()
    bbox = fig.get_tightbbox(renderer).padded(plt.rcParams["savefig.pad_inches"])
    coords = []
    for ax, x, y, label, series in points:
        px, py = ax.transData.transform((x, y))
        coords.append([round((px / fig.dpi - bbox.x0) * 72, 1), round((bbox.y1 - py / fig.dpi) * 72, 1), label, series])
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches=bbox, metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = _SVG_HEAD.sub("", buf.getvalue(), count=1)
    # Several figures share one page: give this figure's ids a prefix of its own (derived from its
    # content, so deterministic), or identical clip-path ids in two figures would collide.
    prefix = "f" + hashlib.sha1(svg.encode("utf-8")).hexdigest()[:8] + "-"
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', svg)
    return svg, prefix, coords, bbox.height / bbox.width


def svg_markup(fig) -> str:
    """Inline SVG of a figure or a :class:`charts.Chart` (text kept as text; no date, fixed ids)."""
    return _render_svg(getattr(fig, "fig", fig))[0]


@dataclass(frozen=True, eq=False)
class FigureHtml(Html):
    """A figure's HTML together with the table drawn in it (``data``) and that table as CSV."""

    data: pd.DataFrame | None = None
    name: str = ""
    csv: str = ""


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


def chart_csv(chart, caption: str, credit: str | None = None) -> str:
    """The table behind a chart as CSV, after comment lines (``# ``) naming it, its source and licence."""
    head = [f"# {_one_line(caption)}", f"# Source: {_one_line(chart.source)}"]
    if chart.note:
        head.append(f"# Note: {_one_line(chart.note)}")
    head.append(f"# Licence: {LICENCE}" + (f"; {_one_line(credit)}" if credit else ""))
    return "\n".join(head) + "\n" + chart.data.to_csv(index=False, lineterminator="\n")


def csv_body(text: str) -> str:
    """A chart's CSV without its leading comment lines (what ``DataFrame.to_csv`` wrote)."""
    lines = text.split("\n")
    while lines and lines[0].startswith("# "):
        lines.pop(0)
    return "\n".join(lines)


def figure(chart, caption: str, *, credit: str | None = None) -> Html:
    """A numbered figure (the number is added when the brief is rendered) with its caption.

    Given a :class:`charts.Chart`, the figure also carries: an accessible name (the caption) and
    a description made from its data (``role="img"``, ``aria-labelledby``/``aria-describedby``),
    the table behind it as a CSV download (a ``data:`` URI: the HTML stays one offline file; the
    PDF attaches the same CSV), and its values for the hover script (``data-points``: x, y in SVG
    units, the text, the series). Every data string is escaped.
    """
    from russia_korea_briefs.charts import Chart

    if not isinstance(chart, Chart):  # a bare matplotlib figure: picture and caption only
        fig = chart
        width, height = fig.get_size_inches()
        kind = "chart tall" if height > width * 0.75 else "chart"
        return Html(f'<figure class="{kind}">{svg_markup(fig)}<figcaption>{esc(caption)}</figcaption></figure>')
    svg, prefix, coords, aspect = _render_svg(chart.fig, chart.points)
    kind = "chart tall" if aspect > 0.7 else "chart"  # tall: may take more of a printed page
    cap_id, desc_id = f"{prefix}caption", f"{prefix}desc"
    svg = svg.replace("<svg ", f'<svg role="img" aria-labelledby="{cap_id}" aria-describedby="{desc_id}" ', 1)
    csv = chart_csv(chart, caption, credit)
    uri = CSV_URI_PREFIX + base64.b64encode(csv.encode("utf-8")).decode("ascii")
    points = json.dumps(coords, ensure_ascii=False, separators=(",", ":"))
    name = f"{chart.name}.csv"
    markup = (
        f'<figure class="{kind}" data-points="{esc(points)}">{svg}'
        f'<figcaption id="{cap_id}">{esc(caption)}</figcaption>'
        f'<p class="visually-hidden" id="{desc_id}">{esc(chart.description)}</p>'
        f'<p class="chart-data"><a class="data-link" href="{uri}" download="{esc(name)}" type="text/csv" '
        f'title="The table behind this chart (CSV, with its source and licence)">Data (CSV)</a>'
        f'<span class="print-only">Data: the table behind this chart is attached to this PDF as '
        f'<span class="data-file">{esc(name)}</span>.</span></p>'
        "</figure>"
    )
    return FigureHtml(markup, data=chart.data, name=chart.name, csv=csv)


def table(
    frame: pd.DataFrame,
    caption: str,
    *,
    source: str | None = None,
    numeric: Iterable[str] = (),
    links: dict[str, str] | None = None,
) -> Html:
    """A numbered table; every cell escaped; ``links`` maps a column to the column holding its URL."""
    numeric = set(numeric)
    links = links or {}
    hidden = set(links.values())
    cols = [c for c in frame.columns if c not in hidden]
    head = "".join(f'<th class="{"num" if c in numeric else ""}">{esc(c)}</th>' for c in cols)
    body = []
    for _, row in frame.iterrows():
        cells = []
        for c in cols:
            value = row[c]
            text = link(value, row[links[c]]) if c in links else esc("" if pd.isna(value) else value)
            cells.append(f'<td class="{"num" if c in numeric else ""}">{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    src = f'<span class="source">Source: {esc(source)}</span>' if source else ""
    return Html(
        f'<figure class="table"><figcaption>{esc(caption)}{src}</figcaption>'
        f'<table class="brief-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></figure>'
    )


CONFIDENCE_WORDS = {"high": "High confidence", "moderate": "Moderate confidence", "low": "Low confidence"}


def judgments(items: Sequence[tuple[str, str, str]]) -> Html:
    """Key judgments: ``(statement, confidence, evidence)``; confidence high/moderate/low."""
    lis = []
    for statement, confidence, evidence in items:
        if confidence not in CONFIDENCE_WORDS:
            raise ValueError(f"confidence {confidence!r}: expected one of {sorted(CONFIDENCE_WORDS)}")
        lis.append(
            f"<li><p><strong>{esc(statement)}</strong> "
            f'<span class="confidence {confidence}">{CONFIDENCE_WORDS[confidence]}</span></p>'
            f'<p class="note">{esc(evidence)}</p></li>'
        )
    return Html(f'<div class="key-judgments"><ol>{"".join(lis)}</ol></div>')


def bullet_list(items: Iterable[str]) -> Html:
    return Html("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")


def event_list(events: pd.DataFrame, limit: int | None = None, *, describe: bool = True) -> Html:
    """Events as a dated list, each with its source link and confidence (and description)."""
    rows = events if limit is None else events.head(limit)
    items = []
    for _, ev in rows.iterrows():
        body = f"{esc(ev['title'])}. {esc(ev['description'])}" if describe else esc(ev["title"])
        items.append(
            f"<li><strong>{esc(ev['date'])}</strong> · {body} "
            f'<span class="note">[{link(ev["source_title"], ev["source_url"])}; {esc(ev["confidence"])} confidence]</span></li>'
        )
    return Html('<ul class="events">' + "".join(items) + "</ul>")


def colophon(params: dict, data_version: str, edition: str, command: str) -> Html:
    shown = ", ".join(f"{k}={v!r}" for k, v in params.items()) or "(defaults)"
    return Html(
        '<div class="colophon">'
        f"<p><strong>Colophon.</strong> Parameters: <code>{esc(shown)}</code>. "
        f"Data version <code>{esc(data_version)}</code> (a hash of the data this brief reads). Built {esc(edition)}. "
        f"Rebuild with <code>{esc(command)}</code>.</p></div>"
    )


#: the kinds of ``[[kind:id]]`` citation beside ``[[event-id]]``, each with the form of its id (one list:
#: the pattern below and the unknown-citation message are made from it)
CITATION_KINDS = {"claim": "<id>", "figure": "<indicator>", "reading": "<id>", "product": "<product>-<year>",
                  "vote": "<date>", "trade": "<year>-<basis>"}
#: a citation in prose: ``[[event-id]]`` or ``[[kind:id]]`` (the one pattern Markdown texts and prose share)
CITATION = re.compile(r"\[\[((?:" + "|".join(f"{kind}:" for kind in CITATION_KINDS) + r")?[a-z0-9-]+)\]\]")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _kinds_listed() -> str:
    forms = [f"{kind}:{form}" for kind, form in CITATION_KINDS.items()]
    return ", ".join(forms[:-1]) + " or " + forms[-1]


class References:
    """Numbered citations, in order of first use, for a brief's endnotes.

    A key is an event id of the chronology, ``claim:<id>`` (a checked claim's source),
    ``figure:<indicator>`` (the first source of a figure in other_figures.csv), ``reading:<id>``
    (a work of the reading list), ``product:<product>-<year>``, ``vote:<date>`` or
    ``trade:<year>-<basis>`` (a published trade figure of trade_published.csv, e.g. a partial year).
    """

    def __init__(self, events: pd.DataFrame, claims: pd.DataFrame | None = None, figures: pd.DataFrame | None = None,
                 reading: pd.DataFrame | None = None, products: pd.DataFrame | None = None,
                 votes: pd.DataFrame | None = None, trade_published: pd.DataFrame | None = None):
        from russia_korea_briefs.manifest import slugify

        entries = {}
        for _, ev in events.iterrows():
            entries[ev["id"]] = (f"{ev['date']}: {ev['title']}", ev["source_title"], ev["source_url"], ev["confidence"])
        for _, c in (claims if claims is not None else pd.DataFrame()).iterrows():
            entries[f"claim:{c['id']}"] = (f"Checked claim: {c['claim']}", c["source_title"], c["source_url"], None)
        for _, f in (figures if figures is not None else pd.DataFrame()).iterrows():
            entry = (f"Figure for {f['year']}: {f['indicator']}", f["source_title"], f["source_url"], None)
            entries.setdefault(f"figure:{f['indicator']}", entry)  # the indicator's first row
            entries.setdefault(f"figure:{f['indicator']}-{f['year']}", entry)  # the row of that year
        for _, w in (reading if reading is not None else pd.DataFrame()).iterrows():
            entries[f"reading:{w['id']}"] = (f"{w['author']}, {w['title']} ({w['publisher']}, {w['year']})",
                                             w["title"], w["source_url"], None)
        for _, r in (products if products is not None else pd.DataFrame()).iterrows():
            entries.setdefault(f"product:{slugify(r['product'])}-{r['year']}",
                               (f"Trade by product, {r['year']}: {r['product']}", r["source_title"], r["source_url"], None))
        for _, v in (votes if votes is not None else pd.DataFrame()).iterrows():
            entries.setdefault(f"vote:{v['date']}", (f"UN General Assembly vote of {v['date']}: {v['title']}",
                                                     v["source_title"], v["source_url"], None))
        for _, t in (trade_published if trade_published is not None else pd.DataFrame()).iterrows():
            entries.setdefault(f"trade:{t['year']}-{t['basis']}",
                               (f"Published trade figure, {t['year']} ({t['basis']})", t["source_title"], t["source_url"], None))
        self._entries = entries
        self.order: list[str] = []

    def number(self, key: str) -> int:
        if key not in self._entries:
            raise KeyError(
                f"unknown citation {key!r} in the brief's text (an event id, {_kinds_listed()})"
            )
        if key not in self.order:
            self.order.append(key)
        return self.order.index(key) + 1

    def marker(self, key: str) -> str:
        n = self.number(key)
        # no data string in the attribute: the note it links to carries the event's title and source
        return f'<sup class="ref"><a href="#ref-{n}" aria-label="note {n}">{n}</a></sup>'

    def prose(self, source: str) -> Html:
        """Paragraphs (blank-line separated) with ``**bold**`` and ``[[event-id]]`` citations."""
        blocks = []
        for block in re.split(r"\n\s*\n", source.strip()):
            escaped = esc(" ".join(line.strip() for line in block.splitlines()))
            escaped = _BOLD.sub(r"<strong>\1</strong>", escaped)
            escaped = CITATION.sub(lambda m: self.marker(m.group(1)), escaped)
            blocks.append(f"<p>{escaped}</p>")
        return Html("".join(blocks))

    def endnotes(self) -> Html:
        items = []
        for n, key in enumerate(self.order, start=1):
            label, title, url, confidence = self._entries[key]
            conf = f' <span class="note">({esc(confidence)} confidence)</span>' if confidence else ""
            items.append(f'<li id="ref-{n}">{esc(label)}. {link(title, url)}{conf}</li>')
        return Html('<ol class="endnotes">' + "".join(items) + "</ol>")


def change(series: pd.Series, first: int, last: int, fmt=None, *, percent: bool = True) -> str:
    """"from $9.98 bn in 2021 to $4.53 bn in 2024 (−55%)": one comparison on one base, formed
    from a table's series so that the prose never pairs figures of different base years. Raises
    if either year has no value (the sentence would have nothing to stand on)."""
    fmt = fmt or fmt_num
    a, b = series.get(first), series.get(last)
    if a is None or b is None or pd.isna(a) or pd.isna(b):
        raise AssertionError(f"no value for {first} or {last}: the comparison cannot be made")
    out = f"from {fmt(a)} in {first} to {fmt(b)} in {last}"
    if percent and a:
        pct = (b / a - 1) * 100
        out += f" ({'+' if pct >= 0 else '−'}{abs(pct):.0f}%)"
    return out
