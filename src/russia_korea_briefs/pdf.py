"""HTML brief → A4 PDF with WeasyPrint.

A module of its own, importing nothing but WeasyPrint and the paths, so that the worker processes
that render PDFs beside the kernels start in well under a second.
"""

from __future__ import annotations

import threading

from russia_korea_briefs import paths

_LOCK = threading.Lock()  # WeasyPrint (pango, fontconfig) is not documented as thread-safe


def html_to_pdf(html: str) -> bytes:
    """Render the HTML brief to an A4 PDF (no network: the HTML has no external references)."""
    from weasyprint import HTML

    with _LOCK:
        return HTML(string=html, base_url=str(paths.REPORTS_DIR)).write_pdf(pdf_tags=True, uncompressed_pdf=False)
