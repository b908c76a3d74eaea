"""Ready-made pieces of a brief (tables and per-phase sections) built from the data.

Notebooks call these; each returns :class:`~.text.Html`. Every data string is escaped by
:mod:`~.text`.
"""

from __future__ import annotations

import pandas as pd

from russia_korea_briefs import indicators, text
from russia_korea_briefs.schemas import coverage
from russia_korea_briefs.text import Html, esc, fmt_num, fmt_usd, link


def _period(phase) -> str:
    end = f"{phase.end:%-d %b %Y}" if phase.end else "present"
    return f"{phase.start:%-d %b %Y} – {end}"


def phases_table(periodization, aggregates: pd.DataFrame) -> Html:
    agg = aggregates.set_index("phase")
    rows = []
    for p in periodization.phases:
        a = agg.loc[p.id]
        rows.append(
            {
                "Phase": p.name,
                "Dates": _period(p),
                "Years": f"{a['years']:.1f}",
                "Events": int(a["events"]),
                "Mean score, Moscow–Seoul": fmt_num(a["rus_rok_mean_score"], 1),
                "Mean score, Moscow–Pyongyang": fmt_num(a["rus_dprk_mean_score"], 1),
            }
        )
    return text.table(
        pd.DataFrame(rows), "The phases of the relationship, with the events recorded in each",
        source="data/reference/phases.yaml and events.csv; scores from −10 (most hostile) to +10 (most cooperative)",
        numeric=("Years", "Events", "Mean score, Moscow–Seoul", "Mean score, Moscow–Pyongyang"),
    )


def key_events(
    events: pd.DataFrame, refs: text.References, n: int = 5, dyads=("RUS-ROK", "RUS-DPRK"), describe: bool = False
) -> Html:
    """The ``n`` events with the largest |score| among ``dyads``, in date order, with citations."""
    sub = events[events["dyad"].isin(dyads)]
    top = sub.reindex(sub["score"].abs().sort_values(ascending=False, kind="stable").index).head(n)
    items = []
    for _, ev in top.sort_values("start").iterrows():
        detail = f" {esc(ev['description'])}" if describe else ""
        items.append(
            f"<li><strong>{esc(ev['date'])}</strong> · {esc(ev['title'])}.{detail} "
            f'<span class="note">(score {ev["score"]:+d})</span>{refs.marker(ev["id"])}</li>'
        )
    return Html("<ul>" + "".join(items) + "</ul>")


def phase_sections(periodization, events: pd.DataFrame, aggregates: pd.DataFrame, refs: text.References) -> Html:
    """One subsection per phase: summary, boundary events, key events and indicators at its ends."""
    phase_ids = indicators.assign_phases(events, periodization)
    agg = aggregates.set_index("phase")
    parts = []
    for p in periodization.phases:
        a = agg.loc[p.id]
        sub = events[phase_ids == p.id]
        boundary = ", ".join(
            f"{esc(events.set_index('id').loc[e, 'title'])}{refs.marker(e)}" for e in p.boundary_events
        )
        counts = ", ".join(f"{n} {c}" for c, n in sub["category"].value_counts().items())
        parts.append(
            f'<h3 id="phase-{esc(p.id)}">{esc(p.name)} <span class="note">({esc(_period(p))})</span></h3>'
            f"<p>{esc(p.summary)}</p>"
            f'<p class="note"><strong>Why the phase starts here:</strong> {boundary}.</p>'
            f"<p><strong>Indicators.</strong> Trade {fmt_usd(a['trade_start_usd'])} in {p.start.year} and "
            f"{fmt_usd(a['trade_end_usd'])} in {(p.end or coverage().information_cutoff).year}; UNGA agreement "
            f"Russia–South Korea {fmt_num(a['unga_rus_kor_start'])} to {fmt_num(a['unga_rus_kor_end'])} "
            f"(n/a: no figure for that year). {len(sub)} events recorded ({esc(counts)}).</p>"
            + str(key_events(sub, refs, n=5))
        )
    return Html("".join(parts))


def claims_table(claims: pd.DataFrame) -> Html:
    frame = claims.rename(
        columns={"claim": "Claim (paraphrased)", "verdict": "Verdict", "finding": "What the sources show", "source_title": "Source"}
    )[["Claim (paraphrased)", "Verdict", "What the sources show", "Source", "source_url"]]
    return text.table(
        frame, "Claims of a popular account checked against sources",
        source="data/reference/claims.csv; the account is a popular web article on South Korea–Russia relations",
        links={"Source": "source_url"},
    )


def changepoint_table(comparison: pd.DataFrame, periodization) -> Html:
    names = {p.id: p.name for p in periodization.phases}
    rows = []
    for _, r in comparison.iterrows():
        if pd.isna(r["break_year"]):
            rows.append({"Series": r["series"], "Break": "none found", "Nearest phase boundary": "", "Distance": "", "Agrees": ""})
            continue
        rows.append(
            {
                "Series": r["series"],
                "Break": int(r["break_year"]),
                "Nearest phase boundary": f"{names[r['nearest_boundary']]} ({int(r['boundary_year'])})",
                "Distance": f"{int(r['distance_years']):+d} yr",
                "Agrees": "yes" if r["agrees"] else "no",
            }
        )
    return text.table(pd.DataFrame(rows), "Breaks detected in the yearly series, beside the narrative phase boundaries",
                      source="changepoints.py (PELT); a break within one year of a boundary counts as agreeing",
                      numeric=("Break", "Distance"))


def figures_table(figures: pd.DataFrame, indicators_shown: dict[str, str], caption: str) -> Html:
    sub = figures[figures["indicator"].isin(indicators_shown)].copy()
    sub["Indicator"] = sub["indicator"].map(indicators_shown)
    sub["Value"] = [
        fmt_usd(v) if u == "usd" else f"{v:.0%}" if u == "share" else f"{v:,.0f}"
        for v, u in zip(sub["value"], sub["unit"], strict=True)
    ]
    sub = sub.sort_values(["Indicator", "year"])
    frame = sub.rename(columns={"year": "Year", "source_title": "Source"})[
        ["Indicator", "Year", "Value", "Source", "source_url"]
    ]
    return text.table(frame, caption, source="data/indicators/other_figures.csv (with a note on each figure: period, basis, conflicts)", numeric=("Year", "Value"),
                      links={"Source": "source_url"})


def baseline_table(rows: list[tuple[str, str, str]], caption: str, whole: str) -> Html:
    frame = pd.DataFrame(rows, columns=["Indicator", "This phase", whole])
    return text.table(frame, caption, source="project data; see the Sources section", numeric=("This phase", whole))


def source_list(events: pd.DataFrame) -> Html:
    items = [
        f"<li>{esc(ev['date'])}: {esc(ev['title'])}. {link(ev['source_title'], ev['source_url'])}</li>"
        for _, ev in events.iterrows()
    ]
    return Html('<ol class="endnotes">' + "".join(items) + "</ol>")


def products_table(products: pd.DataFrame, caption: str) -> Html:
    """What is traded: each product's value and, where published, Russia's share of Korea's imports."""
    frame = products.sort_values(["direction", "year", "value_usd"], ascending=[False, True, False]).copy()
    frame["Flow"] = frame["direction"].map({"rok_imports": "Korea imports", "rok_exports": "Korea exports"})
    frame["Value"] = [fmt_usd(v) if pd.notna(v) else "" for v in frame["value_usd"]]
    frame["Russia's share"] = [f"{v:.0%}" if pd.notna(v) else "" for v in frame["share_of_rok_imports"]]
    frame = frame.rename(columns={"year": "Year", "product": "Product", "source_title": "Source"})
    return text.table(frame[["Flow", "Year", "Product", "Value", "Russia's share", "Source", "source_url"]], caption,
                      source="data/indicators/trade_products.csv (period and basis of each figure in its note)",
                      numeric=("Year", "Value", "Russia's share"), links={"Source": "source_url"})


def votes_table(votes: pd.DataFrame, caption: str) -> Html:
    """The hand-coded emergency-session votes: how Russia, both Koreas and the US voted."""
    shown = {"yes": "yes", "no": "no", "abstain": "abstain", "absent": "absent", "": "not found"}
    frame = votes.copy()
    for c in ("RUS", "KOR", "PRK", "USA"):
        frame[c] = frame[f"vote_{c}"].fillna("").map(lambda v: shown.get(v, v))
    frame["Tally"] = [f"{y}–{n}–{a}" if pd.notna(y) else "" for y, n, a in
                      zip(frame["yes_total"], frame["no_total"], frame["abstain_total"], strict=True)]
    frame = frame.rename(columns={"date": "Date", "title": "Resolution", "source_title": "Source"})
    return text.table(frame[["Date", "Resolution", "RUS", "KOR", "PRK", "USA", "Tally", "Source", "source_url"]], caption,
                      source="data/indicators/unga_es11_votes.csv: a state's vote is coded only where a page read states it",
                      links={"Source": "source_url"})


def agreement_table(added: pd.DataFrame, years, pairs, caption: str) -> Html:
    """UN agreement with and without the hand-coded votes, provisional years marked."""
    from russia_korea_briefs.indicators import PAIR_LABELS

    rows = []
    for year in years:
        for pair in pairs:
            r = added[(added["year"] == year) & (added["pair"] == pair)]
            if r.empty:
                continue
            r = r.iloc[0]
            rows.append({
                "Year": year, "Pair": PAIR_LABELS[pair],
                "Roll calls (Voeten)": int(r["n_votes"]),
                "Agreement (Voeten)": fmt_num(r["agree_half"]) if pd.notna(r["agree_half"]) else "",
                "ES-11 votes added": int(r["n_added"]),
                "Agreement with ES-11": fmt_num(r["agree_half_with_added"]),
                "Provisional": "yes (under 20 roll calls)" if r["provisional"] else "",
            })
    return text.table(pd.DataFrame(rows), caption, source="unga_agreement.csv and unga_es11_votes.csv; agreement = mean of 1 − |v1 − v2| / 2",
                      numeric=("Year", "Roll calls (Voeten)", "Agreement (Voeten)", "ES-11 votes added", "Agreement with ES-11"))


def reading_table(reading: pd.DataFrame) -> Html:
    """The reading list, with what the briefs take from each work."""
    items = []
    for _, w in reading.sort_values(["year", "author"]).iterrows():
        items.append(
            f"<li><strong>{esc(w['author'])}</strong>, {link(w['title'], w['source_url'])} "
            f"({esc(w['publisher'])}, {esc(w['year'])}). <span class=\"note\">{esc(w['used_for'])}</span></li>"
        )
    return Html('<ul class="reading-list">' + "".join(items) + "</ul>")


def key_judgment_note() -> Html:
    return Html(
        '<p class="note">Likelihoods use the standard estimative terms (ICD 203): almost no chance (1–5%), '
        "very unlikely (5–20%), unlikely (20–45%), roughly even chance (45–55%), likely (55–80%), very likely "
        "(80–95%), almost certain (95–99%). Confidence (high, moderate, low) states how good the evidence is, "
        "not how likely the outcome.</p>"
    )


def quarter_table(events: pd.DataFrame, first, last, caption: str) -> Html:
    """Events recorded and their net score per calendar quarter, Moscow–Seoul and Moscow–Pyongyang."""
    quarters = pd.period_range(pd.Timestamp(first), pd.Timestamp(last), freq="Q")
    q = events["start"].dt.to_period("Q")
    rows = []
    for period in quarters:
        row = {"Quarter": f"{period.year} Q{period.quarter}"}
        for dyad, label in (("RUS-ROK", "Moscow–Seoul"), ("RUS-DPRK", "Moscow–Pyongyang")):
            sub = events[(q == period) & (events["dyad"] == dyad)]
            row[f"{label}: events"] = len(sub)
            row[f"{label}: net score"] = int(sub["score"].sum())
        rows.append(row)
    frame = pd.DataFrame(rows)
    return text.table(frame, caption, source="project chronology (events.csv); a partial date counts from its first day",
                      numeric=tuple(c for c in frame.columns if c != "Quarter"))


def chronology(events: pd.DataFrame, periodization, *, show_phase: bool | None = None) -> Html:
    """The chronology as a table that the HTML brief's script filters and searches.

    Each row carries ``data-dyad``, ``data-category`` and ``data-phase``; the controls (track,
    category, phase when there are several, words) come with the table but stay ``hidden`` until
    the script shows them, so that without scripts (and in the PDF) every event is simply listed.
    Every data string is escaped.
    """
    from russia_korea_briefs.charts import DYAD_LABELS, DYAD_ORDER
    from russia_korea_briefs.schemas import CATEGORIES

    events = events.sort_values(["start", "id"]) if "start" in events else events
    phase_ids = indicators.assign_phases(events, periodization) if len(events) else pd.Series(dtype=object)
    names = {p.id: p.short for p in periodization.phases}
    present = [p for p in periodization.ids if p in set(phase_ids)]
    show_phase = len(present) > 1 if show_phase is None else show_phase

    def options(key: str, label: str, values, labels) -> str:
        counts = {"dyad": events["dyad"], "category": events["category"], "phase": phase_ids}[key].value_counts()
        opts = "".join(f'<option value="{esc(v)}">{esc(labels.get(v, v))} ({int(counts.get(v, 0))})</option>'
                       for v in values if counts.get(v, 0))
        return (f'<label>{label} <select data-key="{key}"><option value="">All</option>{opts}</select></label>')

    controls = (
        '<div class="chrono-controls" role="search" aria-label="Filter the chronology" hidden>'
        + options("dyad", "Track", DYAD_ORDER, DYAD_LABELS)
        + options("category", "Category", CATEGORIES, {})
        + (options("phase", "Phase", present, names) if show_phase else "")
        + '<label>Words <input type="search" data-key="q" placeholder="title, source…"></label>'
        '<button type="button" data-reset>Show all</button>'
        '<output class="chrono-count" aria-live="polite"></output></div>'
    )
    head = "<th>Date</th><th>Track</th><th>Category</th>" + ("<th>Phase</th>" if show_phase else "") + "<th>Event</th>"
    rows = []
    for (_, ev), phase in zip(events.iterrows(), phase_ids, strict=True):
        phase_cell = f'<td class="phase">{esc(names.get(phase, ""))}</td>' if show_phase else ""
        rows.append(
            f'<tr data-id="{esc(ev["id"])}" data-dyad="{esc(ev["dyad"])}" data-category="{esc(ev["category"])}" '
            f'data-phase="{esc(phase or "")}">'
            f'<td class="date">{esc(ev["date"])}</td><td class="track">{esc(DYAD_LABELS.get(ev["dyad"], ev["dyad"]))}</td>'
            f'<td class="category">{esc(ev["category"])}</td>{phase_cell}'
            f'<td class="event">{esc(ev["title"])} <span class="note">[{link(ev["source_title"], ev["source_url"])}; '
            f'{esc(ev["confidence"])} confidence]</span></td></tr>'
        )
    return Html(
        f'<div class="chronology" data-chronology>{controls}'
        f'<table class="brief-table chronology-table"><thead><tr>{head}</tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table></div>'
    )
