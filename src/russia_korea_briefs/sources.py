"""The source policy: what a cited row may rest on, stated once and enforced by validation.

Every table that cites a source (events, trade figures, other figures, claims, the reading list)
gives each row a ``source_type``. Some sites are never acceptable, whatever the type claimed:
state disinformation networks, Wikipedia mirrors and scrapers, pirated-book sites and content
farms. Sites that only repost other outlets' stories are aggregators: they must be typed so, must
name the original outlet in ``source_title`` ("<outlet> via <site>: <headline>"), and may be at
most :data:`MAX_AGGREGATOR_SHARE` of all cited rows. The codebook (``data/README.md``) states the
same rules for people; a test keeps the two in step.
"""

from __future__ import annotations

from urllib.parse import urlsplit

SOURCE_TYPES = ("primary", "wire", "press", "scholarship", "reference", "aggregator")

#: Share of all cited rows that may rest on an aggregator's copy.
MAX_AGGREGATOR_SHARE = 0.05

#: Rejected sites (a host matches an entry when it equals it or ends with "." + it), by reason.
REJECTED_HOSTS: dict[str, tuple[str, ...]] = {
    "a state disinformation network or outlet": (
        "news-pravda.com",  # the "Pravda" / Portal Kombat network
        "pravda-en.com",
        "sputniknews.com",
        "sputnikglobe.com",
        "sputniknews.ru",
        "rt.com",
        "pravda.ru",
        "pravdareport.com",
    ),
    "a Wikipedia mirror or scraper": (
        "wikisum.wiki",
        "howlingpixel.com",
        "wikiclassic.com",
        "wikiwand.com",
        "wiki2.org",
        "wikizero.com",
        "wikimili.com",
        "en-academic.com",
        "dbpedia.org",
        "justapedia.org",
        "wikipedia-on-ipfs.org",
        "osmarks.net",
        "nina.az",
        "knowledger.de",
    ),
    "a pirated-book site": (
        "readonlinefree.net",
        "readsbookonline.com",
        "libgen.is",
        "libgen.rs",
        "z-lib.org",
        "vdoc.pub",
        "dokumen.pub",
        "ebin.pub",
        "epdf.pub",
        "pdfcoffee.com",
    ),
    "a content farm": (
        "this-day-in-history.net",
        "famousdaily.com",
        "vinapk.com",
        "briefly.co",
        "armorthemes.com",
        "pledgetimes.com",
    ),
}

#: Sites that repost other outlets' stories: a row citing one must be typed ``aggregator``.
AGGREGATOR_HOSTS = (
    "msn.com",
    "devdiscourse.com",
    "menafn.com",
    "urdupoint.com",
    "oananews.org",
    "newser.com",
    "koreabizwire.com",
    "news.yahoo.com",
    "yahoo.com",
    "newsnow.co.uk",
    "bignewsnetwork.com",
    "russiasnews.com",
    "windowstorussia.com",
)


def host_of(url: str) -> str:
    """The lower-case host of ``url`` without ``www.`` or a port."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return host.removeprefix("www.")


def _matches(host: str, entry: str) -> bool:
    return host == entry or host.endswith("." + entry)


def rejection(url: str) -> str | None:
    """Why ``url`` may not be cited, or ``None`` when it may."""
    host = host_of(url)
    for reason, entries in REJECTED_HOSTS.items():
        for entry in entries:
            if _matches(host, entry):
                return f"{host} is {reason}; the source policy rejects it: cite a primary, wire or press source"
    return None


def is_aggregator_host(url: str) -> bool:
    host = host_of(url)
    return any(_matches(host, entry) for entry in AGGREGATOR_HOSTS)


def check_cited(url: str, source_type: str, source_title: str) -> str | None:
    """The policy's objection to one cited row, or ``None``."""
    reason = rejection(url)
    if reason:
        return reason
    if is_aggregator_host(url) and source_type != "aggregator":
        return f"{host_of(url)} reposts other outlets' stories: type the row 'aggregator' (got {source_type!r})"
    if source_type == "aggregator" and " via " not in source_title:
        return "an aggregator row names the original outlet: source_title '<outlet> via <site>: <headline>'"
    return None
