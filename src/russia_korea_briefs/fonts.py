"""The fonts the briefs need, checked before a build and before a PDF is published.

WeasyPrint and matplotlib find fonts through fontconfig. Without Noto Sans (Latin, Cyrillic) and
Noto Sans CJK KR (Hangul) a build would still succeed, with Korean text drawn as empty boxes;
without any font WeasyPrint crashes its worker process. So the build asks fontconfig first and
stops with the Debian package to install, and every brief's text is checked against the glyphs
the installed fonts actually have before its PDF is rendered.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from functools import cache

from russia_korea_briefs.errors import ConfigError

#: font family → the Debian package that provides it
REQUIRED_FAMILIES = {
    "Noto Sans": "fonts-noto-core",
    "Noto Sans CJK KR": "fonts-noto-cjk",
}


def _fc_list(*args: str) -> str:
    exe = shutil.which("fc-list")
    if exe is None:
        raise ConfigError("fontconfig's fc-list is not installed: install the Debian package fontconfig")
    result = subprocess.run([exe, *args], capture_output=True, text=True, check=False)
    return result.stdout


@cache
def installed_families() -> frozenset[str]:
    families = set()
    for line in _fc_list(":", "family").splitlines():
        families.update(name.strip() for name in line.split(",") if name.strip())
    return frozenset(families)


def require_fonts() -> None:
    """Raise :class:`ConfigError` naming the packages to install when a required family is missing."""
    missing = {family: pkg for family, pkg in REQUIRED_FAMILIES.items() if family not in installed_families()}
    if missing:
        packages = " ".join(sorted(set(missing.values())))
        raise ConfigError(
            f"fonts missing: {', '.join(missing)}; the PDF would show Korean or Cyrillic text without glyphs. "
            f"Install them with: sudo apt-get install --no-install-recommends {packages}"
        )


@cache
def covered_codepoints() -> frozenset[int]:
    """Every code point some installed font has a glyph for (fontconfig's charsets, merged)."""
    points: set[int] = set()
    for line in _fc_list("--format", "%{charset}\n").splitlines():
        for part in line.split():
            lo, _, hi = part.partition("-")
            try:
                points.update(range(int(lo, 16), int(hi or lo, 16) + 1))
            except ValueError:
                continue
    return frozenset(points)


def missing_glyphs(text: str) -> list[str]:
    """The characters of ``text`` that no installed font can draw (controls and spaces aside)."""
    covered = covered_codepoints()
    out = sorted(
        {c for c in text if ord(c) not in covered and unicodedata.category(c)[0] not in "CZ"}
    )
    return out


def check_glyphs(html: str, what: str) -> None:
    """Raise :class:`ConfigError` if the visible text of ``html`` has characters no font can draw."""
    import re
    from html import unescape

    visible = unescape(re.sub(r"<[^>]*>", " ", html))
    missing = missing_glyphs(visible)
    if missing:
        shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in missing[:8])
        more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
        raise ConfigError(
            f"{what}: no installed font has a glyph for {shown}{more}; its PDF is not published. "
            f"Install the Noto fonts (fonts-noto-core fonts-noto-cjk) or remove the characters"
        )
