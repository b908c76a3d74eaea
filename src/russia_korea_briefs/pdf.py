"""HTML brief → A4 PDF with WeasyPrint.

A module of its own, importing nothing but WeasyPrint and the paths, so that the worker processes
that render PDFs beside the kernels start in well under a second.
"""

from __future__ import annotations

import base64
import html as html_lib
import os
import re
import threading
from datetime import UTC, datetime

from russia_korea_briefs import paths

_LOCK = threading.Lock()  # WeasyPrint (pango, fontconfig) is not documented as thread-safe
CSV_URI_PREFIX = "data:text/csv;charset=utf-8;base64,"  # as text.CSV_URI_PREFIX (not imported: keep this light)
_DATA_LINK = re.compile(r'<a\b[^>]*\bclass="data-link"[^>]*>')
_ATTR = re.compile(r'\b(href|download|title)="([^"]*)"')


def data_attachments(html: str) -> list[tuple[str, str, str]]:
    """(file name, description, CSV text) of every chart's "Data (CSV)" link, in page order."""
    found = []
    for tag in _DATA_LINK.findall(html):
        attrs = {k: html_lib.unescape(v) for k, v in _ATTR.findall(tag)}
        href = attrs.get("href", "")
        if not href.startswith(CSV_URI_PREFIX):
            continue
        csv = base64.b64decode(href[len(CSV_URI_PREFIX):]).decode("utf-8")
        found.append((attrs.get("download") or "data.csv", attrs.get("title") or "", csv))
    return found


def _build_time() -> datetime:
    """The attachments' dates: ``SOURCE_DATE_EPOCH`` (set by the build), so that PDFs are byte-identical."""
    return datetime.fromtimestamp(int(os.environ.get("SOURCE_DATE_EPOCH", "0")), tz=UTC)


def html_to_pdf(html: str) -> bytes:
    """Render the HTML brief to an A4 PDF (no network: the HTML has no external references).

    The table behind each chart (its "Data (CSV)" link in the HTML) is attached to the PDF as a
    file of the same name, so the PDF twin carries the data too.
    """
    from weasyprint import HTML, Attachment

    when = _build_time()
    attachments = [
        Attachment(string=csv, name=name, description=title, created=when, modified=when, relationship="Data")
        for name, title, csv in data_attachments(html)
    ]
    with _LOCK:
        return HTML(string=html, base_url=str(paths.REPORTS_DIR)).write_pdf(
            pdf_tags=True, uncompressed_pdf=False, attachments=attachments)
