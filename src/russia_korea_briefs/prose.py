"""Prose written as Markdown, with computed values and citations filled in at build time.

Analysts write the briefs' text in Markdown files under ``notebooks/text/`` (one file a section);
a notebook shows one with ``ctx.text("overview/bottom-line")``. In the text:

- ``{{ name }}`` or ``{{ name | format }}`` is a value computed from the data by the library (the
  brief's *facts*); formats: ``usd`` ($9.98 bn), ``num`` / ``num1`` / ``num0`` (decimals), ``pct``
  (37%), ``pct1`` (5.5%), ``int`` (1,402), ``year``, ``text``, ``date`` (4 December 2024). A name that is not a fact
  stops the build, naming the file and line. The text never types a number the data can supply.
- ``[[event-id]]``, ``[[claim:id]]``, ``[[figure:indicator]]``, ``[[reading:id]]`` cite an event, a
  checked claim, a sourced figure or a work of the reading list: numbered endnotes.
- An optional front matter states what the text asserts, as boolean facts that must hold::

      ---
      asserts: [rus_kor_2023_lowest_full_year, net_score_negative_since_2022]
      ---

  When the data change so that one no longer holds, the build fails instead of publishing a
  sentence that has become false (MyST-NB's ``glue`` and Quarto's inline expressions are the
  models; this keeps the nbconvert route and adds the assertions).

Markdown is rendered by mistune with raw HTML escaped, so a text can format (headings, emphasis,
lists, tables) but never inject markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import yaml

from russia_korea_briefs import paths
from russia_korea_briefs.errors import BriefsError
from russia_korea_briefs.text import CITATION

TEXT_DIR = paths.NOTEBOOKS_DIR / "text"

_VALUE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\|\s*([a-z0-9]+)\s*)?\}\}")
_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)


class ProseError(BriefsError):
    """A text that names an unknown value or citation, or asserts what the data no longer support."""


def _fmt_pct(v) -> str:
    return f"{v:.0%}"


def format_value(value, kind: str | None) -> str:
    from russia_korea_briefs.text import fmt_num, fmt_usd

    if kind is None:
        if isinstance(value, bool):
            raise ValueError("a boolean fact is asserted in the front matter, not printed")
        if isinstance(value, int):
            return f"{value:,}" if abs(value) >= 10000 else str(value)
        if isinstance(value, float):
            return fmt_num(value)
        if isinstance(value, date):
            return f"{value:%-d %B %Y}"
        return str(value)
    formats = {
        "usd": fmt_usd,
        "num": fmt_num,
        "num1": lambda v: fmt_num(v, 1),
        "num0": lambda v: fmt_num(v, 0),
        "pct": _fmt_pct,
        "pct1": lambda v: f"{v:.1%}",
        "int": lambda v: f"{round(v):,}",
        "year": lambda v: str(int(v)),
        "text": str,
        "date": lambda v: f"{v:%-d %B %Y}" if isinstance(v, date) else str(v),
    }
    if kind not in formats:
        raise ValueError(f"unknown format {kind!r}; expected one of {', '.join(formats)}")
    return formats[kind](value)


@dataclass(frozen=True)
class Text:
    """One Markdown file: its front matter and body, with the line where the body starts."""

    path: Path
    asserts: tuple[str, ...]
    body: str
    first_line: int

    @property
    def shown(self) -> str:
        from russia_korea_briefs.tables import display_path

        return display_path(self.path)


@cache
def _read(path: Path) -> Text:
    if not path.is_file():
        raise ProseError(f"{path}: text not found (prose lives in {TEXT_DIR})")
    raw = path.read_text(encoding="utf-8")
    asserts: tuple[str, ...] = ()
    first_line = 1
    front = _FRONT.match(raw)
    if front:
        try:
            meta = yaml.safe_load(front.group(1)) or {}
        except yaml.YAMLError as exc:
            raise ProseError(f"{path}: malformed front matter: {exc}") from None
        if not isinstance(meta, dict) or set(meta) - {"asserts"}:
            raise ProseError(f"{path}: front matter may only hold 'asserts: [fact, ...]'")
        asserts = tuple(meta.get("asserts") or ())
        first_line = front.group(0).count("\n") + 1
        raw = raw[front.end():]
    return Text(path, asserts, raw, first_line)


def text_path(name: str) -> Path:
    """``"overview/bottom-line"`` → ``notebooks/text/overview/bottom-line.md``."""
    if not re.fullmatch(r"[a-z0-9-]+(/[a-z0-9-]+)*", name):
        raise ProseError(f"text name {name!r}: expected lowercase words and slashes, e.g. overview/bottom-line")
    return TEXT_DIR / f"{name}.md"


def fill(text: Text, facts: dict, cite) -> tuple[str, list[str]]:
    """The text's Markdown with values filled in and citations replaced by ``cite(key)`` markers."""
    for name in text.asserts:
        if name not in facts:
            raise ProseError(f"{text.shown}: asserts {name!r}, which is not a fact the library computes")
        if facts[name] is not True:
            raise ProseError(
                f"{text.shown}: the text asserts {name!r}, which the data no longer support: "
                "rewrite the passage (and its front matter) to what the data show"
            )
    markers: list[str] = []
    out_lines = []
    for offset, line in enumerate(text.body.split("\n")):
        where = f"{text.shown}:{text.first_line + offset}"

        def value(m: re.Match, where: str = where) -> str:
            name, kind = m.group(1), m.group(2)
            if name not in facts:
                raise ProseError(f"{where}: unknown value {{{{ {name} }}}}; the library computes: "
                                 + ", ".join(sorted(k for k in facts if not isinstance(facts[k], bool))))
            try:
                return _escape_markdown(format_value(facts[name], kind))
            except (ValueError, TypeError) as exc:
                raise ProseError(f"{where}: {{{{ {name} | {kind} }}}}: {exc}") from None

        def citation(m: re.Match, where: str = where) -> str:
            try:
                markers.append(cite(m.group(1)))
            except KeyError as exc:
                raise ProseError(f"{where}: {exc.args[0]}") from None
            return f"CITEMARK{len(markers) - 1}X"

        out_lines.append(CITATION.sub(citation, _VALUE.sub(value, line)))
    filled = "\n".join(out_lines)
    if "{{" in filled or "[[" in filled:
        bad = next(i for i, ln in enumerate(out_lines) if "{{" in ln or "[[" in ln)
        raise ProseError(f"{text.shown}:{text.first_line + bad}: malformed {{{{ value }}}} or [[citation]]")
    return filled, markers


def _escape_markdown(value: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", value)


@cache
def _markdown():
    import mistune

    return mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])


def render(name: str, facts: dict, cite) -> str:
    """HTML of the text ``name`` (see the module docstring)."""
    return render_text(_read(text_path(name)), facts, cite)


def clear_cache() -> None:
    _read.cache_clear()
    _read_yaml.cache_clear()


# --- judgments and scenarios: structured YAML with Markdown fields ------------------------------

#: ICD 203's estimative terms, with the probability band each stands for
LIKELIHOOD = {
    "almost no chance": "1–5%",
    "very unlikely": "5–20%",
    "unlikely": "20–45%",
    "roughly even chance": "45–55%",
    "likely": "55–80%",
    "very likely": "80–95%",
    "almost certain": "95–99%",
}
CONFIDENCE = ("high", "moderate", "low")


def _inline(text: str, facts: dict, cite, where: str) -> str:
    """One Markdown field, values and citations filled, rendered inline (no <p>)."""
    html = render_text(Text(Path(where), (), text, 1), facts, cite)
    html = html.strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html


def render_text(text: Text, facts: dict, cite) -> str:
    filled, markers = fill(text, facts, cite)
    html = _markdown()(filled)
    return re.sub(r"CITEMARK(\d+)X", lambda m: markers[int(m.group(1))], html)


@cache
def _read_yaml(path: Path) -> list:
    if not path.is_file():
        raise ProseError(f"{path}: not found (structured texts live in {TEXT_DIR})")
    try:
        items = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ProseError(f"{path}: malformed YAML: {exc}") from None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ProseError(f"{path}: expected a list of entries")
    return items


def _check_asserts(entry: dict, facts: dict, where: str) -> None:
    for name in entry.get("asserts") or ():
        if name not in facts:
            raise ProseError(f"{where}: asserts {name!r}, which is not a fact the library computes")
        if facts[name] is not True:
            raise ProseError(f"{where}: asserts {name!r}, which the data no longer support: rewrite it")


def _entries(name: str, kind: str, required: tuple[str, ...], facts: dict):
    """(where, entry, likelihood) for each entry of ``notebooks/text/<name>.yaml``: required fields
    present, the likelihood an ICD 203 term, the asserted facts true."""
    path = TEXT_DIR / f"{name}.yaml"
    shown = path.relative_to(paths.PROJECT_ROOT) if path.is_relative_to(paths.PROJECT_ROOT) else path
    for n, entry in enumerate(_read_yaml(path), start=1):
        where = f"{shown}: {kind} {n}"
        missing = [k for k in required if not entry.get(k)]
        if missing:
            raise ProseError(f"{where}: missing {', '.join(missing)}")
        likelihood = str(entry["likelihood"])
        if likelihood not in LIKELIHOOD:
            raise ProseError(f"{where}: likelihood {likelihood!r}; use an ICD 203 term: {', '.join(LIKELIHOOD)}")
        _check_asserts(entry, facts, where)
        yield where, entry, likelihood


def _estimate(likelihood: str) -> str:
    from russia_korea_briefs.text import esc

    return f'<span class="likelihood">{esc(likelihood.capitalize())} ({LIKELIHOOD[likelihood]})</span>'


def judgments(name: str, facts: dict, cite) -> str:
    """Key judgments from ``notebooks/text/<name>.yaml``: each ``statement`` (an assessment),
    ``likelihood`` (ICD 203 term), ``confidence`` (high/moderate/low), ``because``, ``unless``."""
    from russia_korea_briefs.text import esc

    items = []
    required = ("statement", "likelihood", "confidence", "because", "unless")
    for where, entry, likelihood in _entries(name, "judgment", required, facts):
        confidence = str(entry["confidence"])
        if confidence not in CONFIDENCE:
            raise ProseError(f"{where}: confidence {confidence!r}; expected high, moderate or low")
        parts = {k: _inline(str(entry[k]), facts, cite, f"{where}, {k}") for k in ("statement", "because", "unless")}
        items.append(
            f'<li><p class="judgment"><strong>{parts["statement"]}</strong></p>'
            f'<p class="estimate">{_estimate(likelihood)} · <span class="confidence {esc(confidence)}">'
            f'{esc(confidence.capitalize())} confidence</span></p>'
            f'<p class="because"><em>Because</em> {parts["because"]}</p>'
            f'<p class="unless"><em>Unless</em> {parts["unless"]}</p></li>'
        )
    return f'<div class="key-judgments"><ol>{"".join(items)}</ol></div>'


def scenarios(name: str, facts: dict, cite) -> str:
    """Scenarios from ``notebooks/text/<name>.yaml``: ``name``, ``likelihood`` (ICD 203 term),
    ``summary``, ``drivers``, and ``indicators`` (each ``watch`` with a ``threshold``)."""
    from russia_korea_briefs.text import esc

    blocks = []
    required = ("name", "likelihood", "summary", "drivers", "indicators")
    for where, entry, likelihood in _entries(name, "scenario", required, facts):
        rows = []
        for i, ind in enumerate(entry["indicators"], start=1):
            if not isinstance(ind, dict) or not ind.get("watch") or not ind.get("threshold"):
                raise ProseError(f"{where}, indicator {i}: give 'watch' and 'threshold'")
            rows.append(f"<tr><td>{_inline(str(ind['watch']), facts, cite, where)}</td>"
                        f"<td>{_inline(str(ind['threshold']), facts, cite, where)}</td></tr>")
        blocks.append(
            f'<section class="scenario"><h3>{esc(entry["name"])}</h3>'
            f'<p class="estimate">{_estimate(likelihood)}</p>'
            f'<p>{_inline(str(entry["summary"]), facts, cite, where)}</p>'
            f'<p><em>Drivers.</em> {_inline(str(entry["drivers"]), facts, cite, where)}</p>'
            f'<table class="brief-table indicators"><thead><tr><th>Indicator to watch</th>'
            f'<th>Threshold that would signal it</th></tr></thead><tbody>{"".join(rows)}</tbody></table></section>'
        )
    return "".join(blocks)
