"""``reports/index.html``: every published brief with its title, period, parameters and links."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from russia_korea_briefs import paths


def describe_period(params: dict) -> str:
    from russia_korea_briefs.data import load_periodization

    if params.get("start") and params.get("end"):
        return f"{params['start']} to {params['end']}"
    if params.get("phase_id"):
        try:
            phase = load_periodization(params.get("periodization") or None).get(params["phase_id"])
        except Exception:  # noqa: BLE001 - the index must still list a brief whose phase was renamed
            return ""
        return f"{phase.start} to {phase.end or 'present'}"
    return ""


def render_index(published: dict, manifest) -> str:
    env = Environment(
        loader=FileSystemLoader(paths.TEMPLATES_DIR / "brief"),
        autoescape=select_autoescape(default=True),
        keep_trailing_newline=True,
    )
    css = (paths.TEMPLATES_DIR / "brief" / "static" / "brief.css").read_text(encoding="utf-8")
    from russia_korea_briefs.manifest import standard_briefs

    rows = []
    order = {b.id: i for i, b in enumerate(standard_briefs(manifest))}  # overview, then phases in time order

    def sort_key(item):
        return (order.get(item[0], len(order)), item[0])

    for brief_id, entry in sorted(published["briefs"].items(), key=sort_key):
        rows.append(
            {
                "id": brief_id,
                "title": entry["title"],
                "period": describe_period(entry["params"]),
                "params": ", ".join(f"{k}={v}" for k, v in entry["params"].items() if v != ""),
                "html": entry["html"],
                "pdf": entry["pdf"],
                "pdf_kb": round(entry.get("pdf_bytes", 0) / 1024),
            }
        )
    return env.get_template("index.html.jinja").render(
        css=css, rows=rows, edition=manifest.edition.isoformat(), series=manifest.series
    )


def with_briefs_on_disk(reports_dir: Path, published: dict, manifest) -> dict:
    """``published`` plus every standard brief whose HTML and PDF are in ``reports_dir`` but which
    the build manifest does not list (it was deleted or lost): the index lists what is there."""
    from russia_korea_briefs.manifest import standard_briefs

    briefs = dict(published["briefs"])
    for brief in standard_briefs(manifest):
        html, pdf = reports_dir / f"{brief.id}.html", reports_dir / f"{brief.id}.pdf"
        if brief.id not in briefs and html.is_file() and pdf.is_file():
            briefs[brief.id] = {"title": brief.title, "params": brief.params, "html": html.name,
                                "pdf": pdf.name, "pdf_bytes": pdf.stat().st_size}
    return {**published, "briefs": briefs}


def write_index(reports_dir: Path, published: dict, manifest) -> None:
    from russia_korea_briefs.build import atomic_write

    listed = with_briefs_on_disk(reports_dir, published, manifest)
    atomic_write(reports_dir / "index.html", render_index(listed, manifest).encode("utf-8"))
