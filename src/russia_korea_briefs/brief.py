"""What a brief notebook needs, in one call: validated parameters, the data, the house style.

A notebook does ``ctx = brief.open_brief("overview", start=start, end=end, ...)`` and then only
calls functions; the same parameter checks run here as in the build, so a notebook opened in
JupyterLab with a bad value fails with the same clear message.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from russia_korea_briefs import charts, indicators, text
from russia_korea_briefs.data import (
    Periodization,
    event_text_scope,
    load_events,
    load_periodization,
    load_table,
    mask_event_text,
)
from russia_korea_briefs.manifest import load_manifest, standard_briefs


@dataclass
class BriefContext:
    notebook_id: str
    params: dict
    periodization: Periodization

    @cached_property
    def events(self) -> pd.DataFrame:
        """The chronology within the brief's period (the whole chronology for a phase brief)."""
        events = self.all_events
        if "start" in self.params and "end" in self.params:
            events = indicators.in_window(events, self.params["start"], self.params["end"])
        return events.reset_index(drop=True)

    @cached_property
    def all_events(self) -> pd.DataFrame:
        """The whole chronology; the words of events this brief does not show are blanked
        (see :func:`data.event_text_scope`: what the brief reads is what its build hashes)."""
        return mask_event_text(load_events(), event_text_scope(self.notebook_id, self.params))

    @cached_property
    def refs(self) -> text.References:
        return text.References(self.all_events, self.table("claims"), self.table("other_figures"),
                               self.table("reading_list"))

    def table(self, name: str) -> pd.DataFrame:
        return load_table(name).copy()

    @cached_property
    def trade(self) -> pd.DataFrame:
        return self.table("trade")

    @cached_property
    def agreement(self) -> pd.DataFrame:
        return self.table("unga_agreement")

    @cached_property
    def ideal_points(self) -> pd.DataFrame:
        return self.table("unga_ideal_points")

    @cached_property
    def aggregates(self) -> pd.DataFrame:
        return indicators.phase_aggregates(self.all_events, self.trade, self.agreement, self.periodization_in_period,
                                           last_day=cutoff().isoformat())

    @cached_property
    def periodization_in_period(self) -> Periodization:
        """The phases that overlap the brief's period (all of them without start/end)."""
        from dataclasses import replace
        from datetime import date

        if "start" not in self.params:
            return self.periodization
        start, end = date.fromisoformat(self.params["start"]), date.fromisoformat(self.params["end"])
        kept = tuple(p for p in self.periodization.phases if p.start <= end and (p.end is None or p.end >= start))
        return replace(self.periodization, phases=kept)

    @property
    def period_title(self) -> str:
        return f"{self.params['start'][:4]}–{self.params['end'][:4]}"

    @cached_property
    def changepoints(self) -> tuple[dict[str, pd.Series], list]:
        """The yearly series tested for breaks and the breaks found (computed once per brief)."""
        from russia_korea_briefs import changepoints

        series = changepoint_series(self)
        return series, [changepoints.detect(s, name) for name, s in series.items()]

    def prose(self, source: str) -> text.Html:
        """Paragraphs with ``[[event-id]]`` citations, numbered in the order they appear."""
        return self.refs.prose(source)

    def text(self, name: str, facts: dict | None = None) -> text.Html:
        """The Markdown text ``notebooks/text/<name>.md`` with ``facts`` filled in and its
        citations numbered (see :mod:`russia_korea_briefs.prose`)."""
        from russia_korea_briefs import prose

        return text.Html(prose.render(name, facts or {}, self.refs.marker))

    @property
    def edition(self) -> str:
        return load_manifest().edition.isoformat()

    @property
    def series(self) -> str:
        return load_manifest().series

    def brief_id_and_command(self) -> tuple[str, str]:
        for b in standard_briefs():
            if b.notebook.id == self.notebook_id and b.params == self.params:
                return b.id, f"python -m russia_korea_briefs build {b.id}"
        base = next(b for b in standard_briefs() if b.notebook.id == self.notebook_id)
        given = {k: v for k, v in self.params.items() if base.params.get(k) != v}
        args = " ".join(shlex.quote(f"--param={k}={v}") for k, v in given.items())
        return "custom", f"python -m russia_korea_briefs build {base.id} {args}"

    def colophon(self) -> text.Html:
        from russia_korea_briefs.data import data_version

        _, command = self.brief_id_and_command()
        return text.colophon(self.params, data_version(self.notebook_id, self.params), self.edition, command)


def open_brief(notebook_id: str, **given) -> BriefContext:
    """Validate ``given`` against the notebook's declared parameters; load data; set the house style."""
    from russia_korea_briefs.params import resolve

    spec = load_manifest().notebooks[notebook_id]
    params = resolve(spec.parameters, given)
    periodization = load_periodization(params.get("periodization") or None)
    charts.apply_house_style()
    return BriefContext(notebook_id, params, periodization)


def cutoff():
    """The information cut-off of this edition (``data/reference/coverage.yaml``)."""
    from russia_korea_briefs.schemas import coverage

    return coverage().information_cutoff


def last_full_year() -> int:
    """The last calendar year wholly before the cut-off: the last year of yearly series."""
    from russia_korea_briefs.ingest import last_full_year as last

    return last()


EVENTS_SOURCE = "project chronology (data/reference/events.csv): each event's own source is listed in the Sources section"


class Figures:
    """The standard figures of the briefs, each with its caption and source line.

    Every method returns a :class:`text.FigureHtml`: the figure's HTML (what the notebook shows)
    together with the table drawn in it (``.data``, also its CSV download and PDF attachment).
    Yearly charts end with the last full year before the information cut-off.
    """

    def __init__(self, ctx: BriefContext, start: str, end: str, highlight: str | None = None, compact: bool = False):
        self.ctx, self.start, self.end, self.highlight = ctx, start, end, highlight
        self.compact = compact  # shorter charts, for the few-page phase briefs

    @property
    def yearly_end(self) -> str:
        """The last day a yearly chart shows: the brief's end, at most the last full year."""
        return min(self.end, f"{last_full_year()}-12-31")

    @property
    def years(self) -> range:
        return range(int(self.start[:4]), int(self.yearly_end[:4]) + 1)

    def _size(self):
        import matplotlib.pyplot as plt

        return plt.rc_context({"figure.figsize": (7.0, 2.4)} if self.compact else {})

    def _show(self, make, caption: str) -> text.FigureHtml:
        """The one way a figure is made: draw it (house style, brief size), then render it with its data."""
        with self._size():
            chart = make()
        return text.figure(chart, caption, credit=f"{self.ctx.series}, edition {self.ctx.edition}")

    def timeline(self) -> text.FigureHtml:
        return self._show(lambda: charts.phase_timeline(
            self.ctx.all_events, self.ctx.periodization, self.start, self.end, source=EVENTS_SOURCE,
            highlight=self.highlight, height=2.3 if self.compact else 2.9,
        ), "Every event of the chronology on its track, with the phases")

    def trade(self) -> text.FigureHtml:
        from russia_korea_briefs import provenance

        src = ("published Korean figures (KITA, KOTRA, finance ministry, embassy; one source per year in "
               "data/indicators/trade.csv) and " + provenance.source_line("rok_exports_kosis.csv"))
        return self._show(lambda: charts.trade_chart(
            self.ctx.trade, self.ctx.periodization, self.start, self.yearly_end, source=src, highlight=self.highlight,
        ), "South Korea's trade with the USSR/Russia, current US$ billion")

    def unga(self) -> text.FigureHtml:
        from russia_korea_briefs import provenance

        agreement = indicators.agreement_with_votes(self.ctx.agreement, self.ctx.table("unga_es11_votes"))
        return self._show(lambda: charts.unga_chart(
            agreement, self.ctx.periodization, self.start, self.yearly_end,
            source=provenance.source_line("unga_agreement.csv") + "; ES-11 votes: data/indicators/unga_es11_votes.csv "
            "(hand-coded from published voting records)",
            highlight=self.highlight, measure_label="half credit for abstentions",
            note="1 = always vote alike. The Koreas vote from 1991.",
        ), "Voting agreement in the UN General Assembly")

    def distances(self) -> text.FigureHtml:
        from russia_korea_briefs import provenance

        return self._show(lambda: charts.ideal_distance_chart(
            indicators.ideal_point_distances(self.ctx.ideal_points), self.ctx.periodization, self.start,
            self.yearly_end, source=provenance.source_line("unga_ideal_points.csv"), highlight=self.highlight,
            note="distance between the states' ideal points estimated from final-passage votes (Bailey, Strezhnev and Voeten).",
        ), "How far apart states stand in the UN General Assembly (ideal-point distance)")

    def scores(self) -> text.FigureHtml:
        frame = pd.DataFrame({d: indicators.net_score_by_year(self.ctx.all_events, d, self.years)
                              for d in ("RUS-ROK", "RUS-DPRK")})
        return self._show(lambda: charts.score_chart(
            frame, self.ctx.periodization, self.start, self.yearly_end, source=EVENTS_SOURCE, highlight=self.highlight,
            note="the sum of the scores (−10 … +10) of a year's events; see the codebook.",
        ), "Net cooperation–conflict score by year: Moscow–Seoul and Moscow–Pyongyang")

    def categories(self) -> text.FigureHtml:
        from russia_korea_briefs.schemas import CATEGORIES

        counts = indicators.category_counts_by_phase(self.ctx.all_events, self.ctx.periodization, CATEGORIES)
        return self._show(lambda: charts.category_phase_chart(
            counts, source=EVENTS_SOURCE, note="all four tracks (Moscow–Seoul, Moscow–Pyongyang, inter-Korean, multilateral).",
        ), "Events by category in each phase")

    def seesaw(self) -> text.FigureHtml:
        from russia_korea_briefs import provenance

        frame = indicators.seesaw(self.ctx.agreement, self.ctx.all_events, self.years)
        added = indicators.agreement_with_votes(self.ctx.agreement, self.ctx.table("unga_es11_votes"))
        rk = added[added["pair"] == "RUS-KOR"].set_index("year")
        with_votes = rk["agree_half_with_added"].where(rk["n_added"].gt(0) & rk["n_votes"].gt(0))
        frame["unga_rus_kor_with_added"] = with_votes.reindex(frame.index)
        provisional = added[added["pair"].isin(["RUS-KOR", "RUS-PRK"]) & added["agree_half"].notna()]
        frame["unga_provisional"] = provisional.groupby("year")["provisional"].any().reindex(frame.index, fill_value=False)
        return self._show(lambda: charts.seesaw_chart(
            frame, self.ctx.periodization, self.start, self.yearly_end,
            source=provenance.source_line("unga_agreement.csv") + "; " + EVENTS_SOURCE,
        ), "The North Korea seesaw: Moscow's ties with Seoul and with Pyongyang on the same axes")


def changepoint_series(ctx: BriefContext, first: int = 1988, last: int | None = None) -> dict[str, pd.Series]:
    """The yearly series tested for breaks (to the last full year before the cut-off)."""
    years = range(first, (last or last_full_year()) + 1)
    trade = ctx.trade.set_index("year")
    wide = indicators.agreement_wide(ctx.agreement)
    dist = indicators.ideal_point_distances(ctx.ideal_points)
    return {
        "Total trade (US$)": trade["total_usd"].reindex(years),
        "South Korean exports to Russia (KOSIS)": trade["rok_exports_usd"].reindex(years),
        "UNGA agreement Russia–South Korea": wide["RUS-KOR"].reindex(years),
        "Ideal-point distance Russia–South Korea": dist["RUS-KOR"].reindex(years),
        "Net event score Moscow–Seoul": indicators.net_score_by_year(ctx.all_events, "RUS-ROK", years).astype(float),
    }


#: how the change-point chart shows each series: panel title with its unit, and a factor
CHANGEPOINT_DISPLAY = {
    "Total trade (US$)": ("Total trade, US$ billion", 1e-9),
    "South Korean exports to Russia (KOSIS)": ("South Korean exports to Russia (KOSIS), US$ billion", 1e-9),
    "UNGA agreement Russia–South Korea": ("UNGA agreement Russia–South Korea, 0–1 (half credit for abstentions)", 1.0),
    "Ideal-point distance Russia–South Korea": ("Ideal-point distance Russia–South Korea, scale units", 1.0),
    "Net event score Moscow–Seoul": ("Net event score Moscow–Seoul, sum of the year's event scores", 1.0),
}


def changepoint_analysis(ctx: BriefContext) -> tuple[text.FigureHtml, text.Html, list]:
    """(figure, table, results) of the change-point comparison with the periodization."""
    from russia_korea_briefs import changepoints, sections

    series, results = ctx.changepoints
    trade = ctx.trade.set_index("year")
    rus_kor = ctx.agreement[ctx.agreement["pair"] == "RUS-KOR"].set_index("year")
    flags = {
        "Total trade (US$)": trade["imports_basis"].eq("cow") & trade["total_basis"].eq("exports-plus-imports"),
        "UNGA agreement Russia–South Korea": rus_kor["n_votes"] < indicators.PROVISIONAL_VOTES,
    }
    chart = charts.changepoint_chart(
        series, {r.series: r.years for r in results}, ctx.periodization, "1988-01-01", f"{last_full_year()}-12-31",
        source="project tables (trade.csv, unga_agreement.csv, unga_ideal_points.csv, events.csv); breaks by PELT (ruptures)",
        note=f"vermillion lines: first year of a new segment. {changepoints.METHOD}; penalty "
             f"{changepoints.PENALTY_FACTOR:g} × ln(n). Hollow markers: totals built from Correlates of War imports "
             f"(no Korean figure) and UN years with fewer than {indicators.PROVISIONAL_VOTES} roll calls. "
             "Gaps are years without a figure.",
        display=CHANGEPOINT_DISPLAY, flags=flags,
    )
    table = sections.changepoint_table(changepoints.compare(results, ctx.periodization), ctx.periodization)
    figure = text.figure(chart, "Breaks detected in five yearly series, against the phases",
                         credit=f"{ctx.series}, edition {ctx.edition}")
    return figure, table, results


def overview_facts(ctx: BriefContext) -> dict:
    """The numbers the overview's prose quotes, computed from the data (never typed by hand)."""
    from russia_korea_briefs import changepoints, provenance

    wide = indicators.agreement_wide(ctx.agreement)
    dist = indicators.ideal_point_distances(ctx.ideal_points)
    trade = indicators.yearly_trade(ctx.trade)
    peak_year, peak_value = indicators.trade_peak(ctx.trade)
    rk, rp = wide["RUS-KOR"], wide["RUS-PRK"]
    prk_above = indicators.years_above(rp, rk)
    full_years = rk.loc[1991:2023]
    if full_years.idxmin() != 2023:
        raise AssertionError("the overview says 2023 is the lowest full year of RUS–KOR agreement; the data disagree")
    scores = indicators.net_score_by_year(ctx.all_events, "RUS-ROK", range(2022, 2025))
    if not (scores < 0).all():
        raise AssertionError("the overview says the Moscow–Seoul score is negative every year since 2022")
    _, results = ctx.changepoints
    break_years = sorted({y for r in results for y in r.years})
    unmatched = changepoints.unmatched_boundaries(results, ctx.periodization)
    closer_to_usa = [int(y) for y in dist.index if dist.loc[y, "KOR-USA"] < dist.loc[y, "RUS-KOR"]]
    claims = ctx.table("claims")["verdict"].value_counts()
    spread = provenance.source_spread(ctx.all_events)
    trade_breaks = [y for r in results if "trade" in r.series.lower() or "exports" in r.series.lower() for y in r.years]
    gaps = [int(y) for y in trade.index if pd.isna(trade.loc[y, "total_usd"]) and 1988 <= y <= last_full_year()]
    return {
        "n_phases": len(ctx.periodization.phases),
        "n_events": len(ctx.events),
        "n_all_events": len(ctx.all_events),
        "unga_rus_kor_2021": rk.get(2021), "unga_rus_kor_2023": rk.get(2023), "unga_rus_prk_2023": rp.get(2023),
        "unga_rus_kor_min_pre2022": rk.loc[1992:2021].min(), "unga_rus_kor_max_pre2022": rk.loc[1992:2021].max(),
        "unga_rus_kor_mean": rk.loc[1991:2023].mean(), "unga_kor_usa_mean": wide["KOR-USA"].loc[1991:2023].mean(),
        "dist_2020": dist.loc[2020, "RUS-KOR"], "dist_2022": dist.loc[2022, "RUS-KOR"],
        "kor_closer_to_usa_years": closer_to_usa,
        "n_series_2022": sum(2022 in r.years for r in results), "n_series": len(results),
        "prk_above_since": indicators.last_run_start(prk_above, 2024),  # the vote file ends in 2024
        "trade_peak_year": peak_year, "trade_peak_value": peak_value,
        "peak_share": trade.loc[peak_year, "russia_share"],
        "trade_1990": trade.loc[1990, "total_usd"], "trade_2014": trade.loc[2014, "total_usd"],
        "trade_2015": trade.loc[2015, "total_usd"],
        "exports_2021": trade.loc[2021, "rok_exports_usd"], "exports_2024": trade.loc[2024, "rok_exports_usd"],
        "break_years": break_years, "trade_breaks": "–".join(map(str, sorted(set(trade_breaks)))) or "none",
        "unmatched_names": ", ".join(f"{ctx.periodization.get(p).name} ({ctx.periodization.get(p).start.year})" for p in unmatched),
        "n_unmatched": len(unmatched), "n_boundaries": len(ctx.periodization.phases) - 1,
        "n_claims": int(claims.sum()), "claims_true": int(claims.get("true", 0)),
        "claims_partly": int(claims.get("partly true", 0)), "claims_false": int(claims.get("false", 0)),
        "claims_unverified": int(claims.get("unverified", 0)),
        "share_high": (ctx.all_events["confidence"] == "high").mean(),
        "n_domains": len(spread), "top_domain_share": spread.iloc[0] / spread.sum(),
        "trade_gaps": ", ".join(map(str, gaps)) or "none",
    }


class PhaseView:
    """What a phase brief shows about one phase."""

    def __init__(self, ctx: BriefContext, phase_id: str, context_years: int = 3):
        from datetime import date

        self.ctx = ctx
        self.phase = ctx.periodization.get(phase_id)
        self.number = ctx.periodization.ids.index(phase_id) + 1
        later = ctx.periodization.phases[self.number:]
        self.next_phase = later[0] if later else None
        last = self.phase.end or cutoff()
        self.last_day = last
        self.window_start = f"{max(self.phase.start.year - context_years, 1979)}-01-01"
        self.window_end = min(date(last.year + context_years, 12, 31), cutoff()).isoformat()
        self.events = indicators.in_window(ctx.all_events, self.phase.start, last)

    @property
    def period_label(self) -> str:
        end = f"{self.phase.end:%-d %B %Y}" if self.phase.end else f"the information cut-off ({cutoff():%-d %B %Y})"
        return f"{self.phase.start:%-d %B %Y} to {end}"

    def summary(self) -> text.Html:
        counts = self.events["dyad"].value_counts()
        parts = ", ".join(f"{counts.get(d, 0)} {charts.DYAD_LABELS[d]}" for d in charts.DYAD_ORDER)
        return text.Html(
            str(text.paragraph("{s}", s=self.phase.summary))
            + str(text.paragraph(
                "The chronology records {n} events in this phase ({parts}).", n=len(self.events), parts=parts
            ))
        )

    def _boundary(self, phase) -> text.Html:
        items = []
        ev = self.ctx.all_events.set_index("id")
        for eid in phase.boundary_events:
            row = ev.loc[eid]
            items.append(
                f"<li><strong>{text.esc(row['date'])}</strong> · {text.esc(row['title'])}. "
                f"{text.esc(row['description'])}{self.ctx.refs.marker(eid)}</li>"
            )
        return text.Html("<ul>" + "".join(items) + "</ul>")

    def beginning(self) -> text.Html:
        return self._boundary(self.phase)

    def ending(self) -> text.Html:
        if self.next_phase is None:
            return text.Html(
                f"<p>The phase is still open at the information cut-off ({cutoff():%-d %B %Y}). What would end it is "
                "discussed under “What to watch next” in the overview brief.</p>"
            )
        lead = text.paragraph("The phase ended when the next one, {name}, began on {d}:",
                              name=self.next_phase.name, d=f"{self.next_phase.start:%-d %B %Y}")
        return text.Html(str(lead) + str(self._boundary(self.next_phase)))

    def key_events(self) -> text.Html:
        from russia_korea_briefs import sections

        return sections.key_events(
            self.events, self.ctx.refs, n=8, dyads=("RUS-ROK", "RUS-DPRK", "ROK-DPRK", "MULTI"), describe=True
        )

    def baseline(self) -> text.Html:
        from russia_korea_briefs import sections

        rows = []
        for r in indicators.phase_vs_baseline(self.phase, self.ctx.all_events, self.ctx.trade, self.ctx.agreement,
                                              baseline=(1988, last_full_year())):
            fmt = {"usd": text.fmt_usd, "share": text.fmt_num, "score": lambda v: text.fmt_num(v, 1),
                   "rate": lambda v: text.fmt_num(v, 1)}[r["kind"]]
            rows.append((r["indicator"], fmt(r["phase"]), fmt(r["baseline"])))
        return sections.baseline_table(rows, f"{self.phase.name}: indicators against 1988–{last_full_year()}",
                                       f"Whole period 1988–{last_full_year()}")

    def chronology(self) -> text.Html:
        """Every event of the phase, as a table the HTML brief can filter (track, category, phase, words)."""
        from russia_korea_briefs import sections

        return sections.chronology(self.events, self.ctx.periodization)
