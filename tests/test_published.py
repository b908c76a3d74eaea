"""The briefs committed under reports/ are current: built from exactly today's inputs."""

from __future__ import annotations

import pytest

from russia_korea_briefs import paths
from russia_korea_briefs.build import input_hash, read_published, sha256_file
from russia_korea_briefs.manifest import standard_briefs

PUBLISHED = read_published(paths.REPORTS_DIR)["briefs"]
BRIEFS = standard_briefs()


@pytest.mark.parametrize("brief", BRIEFS, ids=lambda b: b.id)
def test_committed_brief_is_current(brief):
    entry = PUBLISHED.get(brief.id)
    assert entry, f"reports/ has no {brief.id}: run `make report` and commit reports/"
    assert entry["inputs"] == input_hash(brief), (
        f"{brief.id} is stale: its notebook, the package, the data, its parameters or the pins changed "
        "since it was built. Run `make report` and commit reports/."
    )
    for kind in ("html", "pdf"):
        path = paths.REPORTS_DIR / entry[kind]
        assert path.is_file(), f"missing {path}"
        assert sha256_file(path) == entry[f"{kind}_sha256"], f"{path.name} differs from the build manifest"


def test_no_orphans_in_manifest():
    assert set(PUBLISHED) == {b.id for b in BRIEFS}


def test_index_lists_every_brief():
    index = (paths.REPORTS_DIR / "index.html").read_text(encoding="utf-8")
    for brief in BRIEFS:
        assert f'href="{brief.id}.html"' in index and f'href="{brief.id}.pdf"' in index


def test_index_lists_briefs_in_manifest_order():
    index = (paths.REPORTS_DIR / "index.html").read_text(encoding="utf-8")
    positions = [index.index(f'href="{brief.id}.html"') for brief in BRIEFS]
    assert positions == sorted(positions), "overview first, then the phases in time order"
