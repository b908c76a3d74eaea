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
    rows = []
    order = [e["id"] for e in manifest.entries]
    def sort_key(item):
        bid = item[0]
        head = next((i for i, e in enumerate(order) if e.split("{")[0] and bid.startswith(e.split("{")[0])), 99)
        return head
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


def write_index(reports_dir: Path, published: dict, manifest) -> None:
    from russia_korea_briefs.build import atomic_write

    atomic_write(reports_dir / "index.html", render_index(published, manifest).encode("utf-8"))
