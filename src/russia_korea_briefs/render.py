"""Executed notebook → self-contained HTML brief → PDF brief (WeasyPrint, from that same HTML).

The HTML comes from nbconvert's ``HTMLExporter`` with the package's ``brief`` template (inherits
``lab``; no code, prompts, parameters cells, stderr or scripts). A post-processing pass gives
headings ASCII ids (nbconvert percent-encodes non-ASCII ones, which breaks PDF links), builds
the table of contents and numbers figures and tables.
"""

from __future__ import annotations

import re
from collections import Counter

import nbformat
from bs4 import BeautifulSoup
from traitlets.config import Config

from russia_korea_briefs import paths
from russia_korea_briefs.manifest import slugify
from russia_korea_briefs.pdf import html_to_pdf  # noqa: F401 - re-exported; the PDF half lives in pdf.py

REMOVE_TAGS = ("parameters", "injected-parameters", "remove_cell", "remove-cell")


def _exporter():
    from nbconvert import HTMLExporter

    c = Config()
    c.HTMLExporter.template_name = "brief"
    c.HTMLExporter.extra_template_basedirs = [str(paths.TEMPLATES_DIR)]
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.HTMLExporter.embed_images = True
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_TAGS)
    c.TagRemovePreprocessor.remove_all_outputs_tags = {"remove_output"}
    return HTMLExporter(config=c)


def notebook_to_html(nb: nbformat.NotebookNode, title: str) -> str:
    """The brief's HTML, deterministic for a given executed notebook."""
    nb = nbformat.from_dict(nb)
    nb.metadata["title"] = title
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    body, _ = _exporter().from_notebook_node(nb, resources={"metadata": {"name": title}})
    return postprocess(body)


def postprocess(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for anchor in soup.select("a.anchor-link"):
        anchor.decompose()
    # Unwrap lab's cell and output wrappers: headings, paragraphs, figures and tables become
    # siblings, so that "keep a heading with what follows" works across cells in print.
    for div in soup.find_all("div"):
        if any(c.startswith("jp-") for c in div.get("class") or []):
            div.unwrap()
    used: Counter = Counter()
    renamed: dict[str, str] = {}
    for heading in soup.find_all(["h1", "h2", "h3", "h4"]):
        base = slugify(heading.get_text(" ", strip=True)) or "section"
        used[base] += 1
        new_id = base if used[base] == 1 else f"{base}-{used[base]}"
        if heading.get("id"):
            renamed[heading["id"]] = new_id
        heading["id"] = new_id
    for link in soup.find_all("a", href=True):
        href = link["href"]
        if href.startswith("#") and href[1:] in renamed:
            link["href"] = "#" + renamed[href[1:]]
    _number(soup, "figure.chart", "Figure")
    _number(soup, "figure.table", "Table")
    _name_data(soup)
    _insert_toc(soup)
    return add_interactive(str(soup))


#: the HTML brief's own script and its CSS (``templates/brief/static``), inlined when a page has a
#: chart with values or a chronology: nothing from a CDN, nothing that runs in the PDF
INTERACTIVE_JS = paths.TEMPLATES_DIR / "brief" / "static" / "interactive.js"
INTERACTIVE_CSS = paths.TEMPLATES_DIR / "brief" / "static" / "interactive.css"
SCRIPT_TAG = '<script data-brief-script="interactive">'
STYLE_TAG = '<style data-brief-style="interactive">'


def interactive_blocks() -> tuple[str, str]:
    """The exact ``<style>`` and ``<script>`` blocks the brief adds (the only script it ever carries)."""
    css, js = (_compact(f.read_text(encoding="utf-8")) for f in (INTERACTIVE_CSS, INTERACTIVE_JS))
    if "</script" in js.lower() or "</style" in css.lower():
        raise ValueError("the interactive script or style would end its own block")
    return f"{STYLE_TAG}\n{css}</style>", f"{SCRIPT_TAG}\n{js}</script>"


def _compact(source: str) -> str:
    """The file as inlined: without its leading comment block and indentation (line breaks kept)."""
    source = re.sub(r"\A\s*/\*.*?\*/\s*", "", source, count=1, flags=re.DOTALL)
    return "".join(line.strip() + "\n" for line in source.splitlines() if line.strip())


def add_interactive(html: str) -> str:
    """Inline the brief's script and CSS before ``</head>`` and ``</body>`` (pages with charts or a chronology)."""
    if "data-points=" not in html and "data-chronology" not in html:
        return html
    style, script = interactive_blocks()
    head, body = html.rfind("</head>"), html.rfind("</body>")
    if head < 0 or body < 0:
        return html
    return html[:head] + style + "\n" + html[head:body] + script + "\n" + html[body:]


def _name_data(soup: BeautifulSoup) -> None:
    """Each chart's CSV is named after its figure number: ``figure-3-trade.csv`` (link, PDF attachment)."""
    for n, figure in enumerate(soup.select("figure.chart"), start=1):
        link = figure.select_one("a.data-link")
        if link is None:
            continue
        name = f"figure-{n}-{link.get('download', 'data.csv')}"
        link["download"] = name
        link["title"] = f"Data behind Figure {n}: the table drawn in the chart, with its source and licence (CSV)"
        shown = figure.select_one(".data-file")
        if shown is not None:
            shown.string = name


def _number(soup: BeautifulSoup, selector: str, word: str) -> None:
    for n, figure in enumerate(soup.select(selector), start=1):
        figure["id"] = figure.get("id") or f"{word.lower()}-{n}"
        caption = figure.find("figcaption")
        if caption is None:
            continue
        label = soup.new_tag("span", attrs={"class": "label"})
        label.string = f"{word} {n}. "
        caption.insert(0, label)


def _insert_toc(soup: BeautifulSoup) -> None:
    headings = [h for h in soup.find_all("h2") if "no-toc" not in (h.get("class") or [])]
    if len(headings) < 2:
        return
    nav = soup.new_tag("nav", attrs={"class": "toc"})
    title = soup.new_tag("h2", attrs={"class": "no-toc", "id": "contents"})
    title.string = "Contents"
    nav.append(title)
    ol = soup.new_tag("ol")
    for heading in headings:
        li = soup.new_tag("li")
        a = soup.new_tag("a", href="#" + heading["id"])
        a.string = heading.get_text(" ", strip=True)
        li.append(a)
        ol.append(li)
    nav.append(ol)
    block = soup.select_one(".title-block")
    if block is not None:
        block.insert_after(nav)
    else:
        main = soup.find("main") or soup.body
        main.insert(0, nav)
