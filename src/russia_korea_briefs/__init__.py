"""Reproducible analytical briefs on Russia–South Korea relations, 1988–2024.

Curated, sourced data (``data/``) feeds this small library; thin parameterized notebooks
(``notebooks/``) call it; papermill executes them and :mod:`russia_korea_briefs.render`
turns each executed notebook into an HTML and a PDF brief under ``reports/``.
"""

__version__ = "0.1.0"
