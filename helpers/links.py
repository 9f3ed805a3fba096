"""Links written into pages: the one URL rule, and the sources page's name.

Without pandas (unlike :mod:`helpers.fmt`, which uses both): the builder writes the sources pages with them and need
not load pandas for it (a fifth of a second, at the end of a build)."""
from __future__ import annotations

import re

#: Page of the built site that lists every source (one anchor per source id).
SOURCES_PAGE = "sources.html"

_URL_BAD = re.compile(r"[\s\x00-\x1f\"'<>`\\]")  # whitespace, control characters, quotes, angle brackets, backslash


def safe_url(url) -> str:
    """``url`` if it is an absolute http(s) URL with a host (checked by parsing, not by pattern), else ''.
    The one rule for every URL written into a page as a link: sources, archived copies, data text."""
    from urllib.parse import urlsplit

    text = str(url or "").strip()
    if not text or _URL_BAD.search(text):
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    return text if parts.scheme in ("http", "https") and parts.hostname else ""
