"""The HTML briefs in a real browser: headless Chromium (the Debian package) driven by Playwright.

Two real briefs are built into a temporary folder (a phase brief, which has the chronology, and
the overview, which has every kind of chart), plus a page holding the whole chronology rendered by
the same template (every phase, so the phase filter is exercised). Each page is opened from a
``file://`` URL with the network off (an offline context, and every non-file request aborted and
recorded). The checks:

- the page's scripts run without a console error or an uncaught exception, and fetch nothing;
- filtering the chronology by track, category and phase, and searching it, shows exactly the rows
  the data say it should (compared with the events table, by event id);
- the filter is in the URL, reloading the page (or opening the URL in a new page) restores it;
- the controls work from the keyboard;
- every "Data (CSV)" link downloads, in the browser, the exact table behind its chart (compared
  with the data frame the figure function returned) with its source and licence lines;
- hovering a chart, or focusing it and pressing the arrow keys, shows the drawn value;
- with scripts off the page is complete: every row shown, the controls hidden, the links there.

Chromium is never downloaded (``playwright install`` is impossible here): the Debian ``chromium``
package, installed by ``tools/install-system-deps.sh --test`` (which ``make test`` and CI run).
"""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from russia_korea_briefs import brief, render, sections, text
from russia_korea_briefs.build import build
from russia_korea_briefs.data import load_events, load_periodization
from russia_korea_briefs.manifest import find_briefs

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
PHASE_ID = "rupture"
PHASE = f"phase-{PHASE_ID}"


@pytest.fixture(scope="module")
def browser():
    executable = Path(CHROMIUM)
    if not executable.is_file() or not shutil.which(CHROMIUM):
        pytest.fail(
            f"the browser test needs Chromium at {CHROMIUM} (Debian package 'chromium'): install it with "
            "`sudo tools/install-system-deps.sh --test` (make test does this when run as root)",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    reports = tmp_path_factory.mktemp("reports")
    work = tmp_path_factory.mktemp("build")
    outcomes = build(find_briefs([PHASE, "overview"]), reports_dir=reports, build_dir=work, progress=False,
                     log=lambda m: None, jobs=2)
    assert [o.status for o in outcomes] == ["built", "built"], [o.message for o in outcomes]
    # the whole chronology (every phase) through the same template, post-processing and script
    nb = new_notebook()
    cell = new_code_cell("")
    cell.outputs = [new_output("display_data", data={"text/html": str(sections.chronology(
        load_events(), load_periodization()))})]
    nb.cells = [cell]
    (reports / "chronology.html").write_text(render.notebook_to_html(nb, "Whole chronology"), encoding="utf-8")
    return {"phase": reports / f"{PHASE}.html", "overview": reports / "overview.html",
            "chronology": reports / "chronology.html"}


class Page:
    """A page in an offline context, with its console errors and attempted requests recorded."""

    def __init__(self, browser, path: Path, fragment: str = "", *, scripts: bool = True):
        self.context = browser.new_context(offline=True, accept_downloads=True, java_script_enabled=scripts,
                                           viewport={"width": 1100, "height": 900})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.goto(path.as_uri() + fragment)
        self.page.wait_for_load_state("load")

    def _route(self, route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()

    def visible_ids(self) -> list[str]:
        return self.page.eval_on_selector_all("[data-chronology] tbody tr", "rows => rows.filter(r => !r.hidden)"
                                              ".map(r => r.getAttribute('data-id'))")

    def close(self):
        assert not self.errors, self.errors
        assert not self.requests, f"the page tried to reach the network: {self.requests}"
        self.context.close()


@pytest.fixture
def open_page(browser):
    opened: list[Page] = []

    def opener(path: Path, fragment: str = "", **kw) -> Page:
        page = Page(browser, path, fragment, **kw)
        opened.append(page)
        return page

    yield opener
    for page in opened:
        page.close()


def _phase_events() -> pd.DataFrame:
    ctx = brief.open_brief("phase", phase_id=PHASE_ID, periodization="")
    return brief.PhaseView(ctx, PHASE_ID).events


def _row_text(ev) -> str:
    from russia_korea_briefs.charts import DYAD_LABELS

    return " ".join([ev["date"], DYAD_LABELS[ev["dyad"]], ev["category"], ev["title"], ev["source_title"],
                     ev["confidence"]]).lower()


def test_scripts_run_without_errors_and_fetch_nothing(open_page, pages):
    for name, path in pages.items():
        page = open_page(path)
        assert page.page.locator("script[data-brief-script]").count() == 1, name
        assert page.page.locator("figure.interactive").count() == page.page.locator("figure[data-points]").count()
    # (close() checks the console and the requests)


def test_filters_show_exactly_the_matching_rows(open_page, pages):
    events = _phase_events()
    page = open_page(pages["phase"])
    assert set(page.visible_ids()) == set(events["id"]), "unfiltered: every event of the phase"
    assert page.page.locator(".chrono-count").text_content() == f"{len(events)} events"
    page.page.select_option("select[data-key=dyad]", "RUS-ROK")
    expected = events[events["dyad"] == "RUS-ROK"]
    assert page.visible_ids() == list(expected.sort_values(["start", "id"])["id"])
    page.page.select_option("select[data-key=category]", "sanctions")
    expected = expected[expected["category"] == "sanctions"]
    assert set(page.visible_ids()) == set(expected["id"]) and len(expected)
    assert page.page.locator(".chrono-count").text_content() == f"{len(expected)} of {len(events)} events"
    page.page.click("button[data-reset]")
    assert set(page.visible_ids()) == set(events["id"])
    page.page.fill("input[data-key=q]", "UKRAINE")  # case does not matter
    expected = events[[("ukraine" in _row_text(ev)) for _, ev in events.iterrows()]]
    assert set(page.visible_ids()) == set(expected["id"]) and len(expected)


def test_phase_filter_on_the_whole_chronology(open_page, pages):
    from russia_korea_briefs.indicators import assign_phases

    events = load_events()
    phases = assign_phases(events, load_periodization())
    page = open_page(pages["chronology"])
    assert len(page.visible_ids()) == len(events)
    for phase_id in ("nordpolitik", "alliance-era"):
        page.page.select_option("select[data-key=phase]", phase_id)
        assert set(page.visible_ids()) == set(events.loc[phases == phase_id, "id"]), phase_id
    page.page.select_option("select[data-key=dyad]", "RUS-DPRK")
    assert set(page.visible_ids()) == set(events.loc[(phases == "alliance-era") & (events["dyad"] == "RUS-DPRK"), "id"])


def test_the_url_carries_the_filter_and_restores_it(open_page, pages):
    events = _phase_events()
    page = open_page(pages["phase"])
    page.page.select_option("select[data-key=dyad]", "RUS-DPRK")
    page.page.select_option("select[data-key=category]", "security")
    page.page.fill("input[data-key=q]", "north")
    url = page.page.evaluate("location.href")
    assert url.endswith("#chronology?dyad=RUS-DPRK&category=security&q=north"), url
    shown = page.visible_ids()
    expected = events[(events["dyad"] == "RUS-DPRK") & (events["category"] == "security")
                      & pd.Series([("north" in _row_text(ev)) for _, ev in events.iterrows()], index=events.index)]
    assert set(shown) == set(expected["id"]) and shown
    page.page.reload()
    page.page.wait_for_load_state("load")
    assert page.visible_ids() == shown, "reloading restores the view"
    assert page.page.input_value("select[data-key=dyad]") == "RUS-DPRK"
    assert page.page.input_value("select[data-key=category]") == "security"
    assert page.page.input_value("input[data-key=q]") == "north"
    shared = open_page(pages["phase"], "#chronology?dyad=RUS-DPRK&category=security&q=north")
    assert shared.visible_ids() == shown, "a shared link opens the same view"
    page.page.click("button[data-reset]")
    assert "#chronology?" not in page.page.evaluate("location.href") and len(page.visible_ids()) == len(events)


def test_the_chronology_controls_work_from_the_keyboard(open_page, pages):
    events = _phase_events()
    page = open_page(pages["phase"])
    page.page.focus("select[data-key=dyad]")
    page.page.keyboard.press("ArrowDown")  # the first track offered
    first = page.page.input_value("select[data-key=dyad]")
    assert first and set(page.visible_ids()) == set(events.loc[events["dyad"] == first, "id"])
    page.page.keyboard.press("Tab")
    assert page.page.evaluate("document.activeElement.getAttribute('data-key')") == "category"
    page.page.focus("input[data-key=q]")
    page.page.keyboard.type("zzzz-no-such-word")
    assert page.visible_ids() == []
    page.page.focus("button[data-reset]")
    page.page.keyboard.press("Enter")
    assert len(page.visible_ids()) == len(events)


def _expected_frames(which: str) -> dict[str, text.FigureHtml]:
    """The figures of the brief as its notebook makes them, by chart name."""
    if which == "phase":
        ctx = brief.open_brief("phase", phase_id=PHASE_ID, periodization="")
        view = brief.PhaseView(ctx, PHASE_ID)
        figures = brief.Figures(ctx, view.window_start, view.window_end, highlight=PHASE_ID, compact=True)
        made = [figures.timeline(), figures.trade(), figures.unga(), figures.scores()]
    else:
        ctx = brief.open_brief("overview", start="1988-01-01", end=brief.cutoff().isoformat(), periodization="")
        figures = brief.Figures(ctx, ctx.params["start"], ctx.params["end"])
        made = [getattr(figures, m)() for m in ("timeline", "seesaw", "trade", "unga", "scores", "categories")]
        made.append(brief.changepoint_analysis(ctx)[0])
    return {f.name: f for f in made}


@pytest.mark.parametrize("which", ["phase", "overview"])
def test_every_data_link_yields_the_table_behind_its_chart(open_page, pages, which):
    expected = _expected_frames(which)
    page = open_page(pages[which])
    links = page.page.locator("figure.chart a.data-link")
    assert links.count() == page.page.locator("figure.chart").count() == len(expected)
    for i in range(links.count()):
        link = links.nth(i)
        name = link.get_attribute("download")
        assert name.startswith(f"figure-{i + 1}-") and name.endswith(".csv"), name
        chart = expected[name[len(f"figure-{i + 1}-"):-len(".csv")]]
        href = link.get_attribute("href")
        assert href.startswith(text.CSV_URI_PREFIX)
        with page.page.expect_download() as info:
            link.click()
        downloaded = Path(info.value.path()).read_text(encoding="utf-8")
        assert info.value.suggested_filename == name
        assert downloaded == base64.b64decode(href[len(text.CSV_URI_PREFIX):]).decode("utf-8")
        assert text.csv_body(downloaded) == chart.data.to_csv(index=False, lineterminator="\n"), name
        assert "\n# Source: " in downloaded and "# Licence: CC BY 4.0" in downloaded


def _point_on_screen(page, figure_index: int, point_index: int) -> tuple[float, float, str]:
    return page.evaluate(
        """([f, i]) => {
            const fig = document.querySelectorAll('figure[data-points]')[f];
            const p = JSON.parse(fig.getAttribute('data-points'))[i];
            const svg = fig.querySelector('svg');
            svg.scrollIntoView({block: 'center'});
            const m = svg.getScreenCTM();
            return [m.a * p[0] + m.c * p[1] + m.e, m.b * p[0] + m.d * p[1] + m.f, p[2]];
        }""",
        [figure_index, point_index],
    )


@pytest.mark.parametrize("which", ["phase", "overview"])
def test_hover_and_focus_show_the_value(open_page, pages, which):
    page = open_page(pages[which]).page
    figures = page.locator("figure[data-points]")
    for f in range(figures.count()):
        figure = figures.nth(f)
        points = page.evaluate("f => JSON.parse(document.querySelectorAll('figure[data-points]')[f]"
                               ".getAttribute('data-points'))", f)
        # points with no other within 3 SVG units (the mouse lands on a whole pixel)
        alone = [i for i, p in enumerate(points)
                 if all(abs(p[0] - q[0]) + abs(p[1] - q[1]) > 3 for j, q in enumerate(points) if j != i)]
        assert alone, (which, f)
        for i in sorted({alone[0], alone[len(alone) // 2], alone[-1]}):
            x, y, label = _point_on_screen(page, f, i)
            page.mouse.move(x, y)
            tip = figure.locator(".chart-tip")
            assert tip.is_visible() and label in tip.text_content().split("\n"), (which, f, i)
        page.mouse.move(1, 1)
        assert not figure.locator(".chart-tip").is_visible()
        svg = figure.locator("svg")
        svg.focus()
        first = _point_on_screen(page, f, 0)[2]
        assert figure.locator(".chart-tip").text_content() == first
        page.keyboard.press("ArrowRight")
        assert figure.locator(".chart-tip").text_content() == _point_on_screen(page, f, 1)[2]
        page.keyboard.press("Escape")
        assert not figure.locator(".chart-tip").is_visible()
    # a value a reader can check against the data: the phase brief's trade chart, 2021
    if which == "phase":
        figure = page.locator("figure[data-points]").nth(1)
        assert "2021 · Total trade: US$27.34 bn" in figure.get_attribute("data-points")


def test_accessible_names_and_descriptions(open_page, pages):
    page = open_page(pages["overview"]).page
    for f in range(page.locator("figure.chart").count()):
        svg = page.locator("figure.chart svg").nth(f)
        assert svg.get_attribute("role") == "img"
        name = page.locator(f"#{svg.get_attribute('aria-labelledby')}").text_content()
        description = page.locator(f"#{svg.get_attribute('aria-describedby')}").text_content()
        assert name.startswith(f"Figure {f + 1}. ")
        assert "latest" in description.lower() or "Latest" in description, description
        assert svg.get_attribute("tabindex") == "0", "focusable for the values"


def test_with_scripts_off_everything_is_there(open_page, pages):
    events = _phase_events()
    page = open_page(pages["phase"], "#chronology?dyad=RUS-DPRK", scripts=False)
    assert len(page.visible_ids()) == len(events), "every event listed"
    assert not page.page.locator(".chrono-controls").is_visible(), "no control that cannot work"
    assert page.page.locator("figure.chart a.data-link").count() == 4
    assert page.page.locator("figure.chart svg").count() == 4
    assert page.page.locator(".chart-tip").count() == 0
