"""What a reader sees on a built page, measured in a real browser (Playwright driving Debian's Chromium).

:func:`measure` loads a page at a width and returns what the rendered-page test asserts and what
``scripts/page_report.py`` prints: table cells a reader should never see (codes, booleans, NaN,
scientific notation, years with separators), horizontal overflow of the page, chart text smaller
than 9 px on screen, and the characters of visible code against those of prose.
"""
from __future__ import annotations

import re

WIDTHS = (1400, 390)
CHARTS_DONE = """() => [...document.querySelectorAll('div[id^="vega-chart-"]')]
                         .every(d => d.dataset.rendered === 'true' || d.dataset.error !== undefined)"""

#: One pass over the DOM in the page (what a reader sees: hidden elements and chart specs excluded).
MEASURE_JS = r"""() => {
  const visible = el => el.offsetParent !== null || el.getClientRects().length > 0;
  const cells = [];
  for (const table of document.querySelectorAll('table.data-table')) {
    const heads = [...table.querySelectorAll('thead th')].map(th => th.innerText.trim());
    for (const tr of table.querySelectorAll('tbody tr')) {
      [...tr.children].forEach((td, i) => {
        const clone = td.cloneNode(true);
        clone.querySelectorAll('a[href^="sources.html"], a[href^="sources-"]').forEach(a => a.remove());  // citation keys
        cells.push([heads[i] || '', clone.innerText.trim()]);
      });
    }
  }
  const small = [];
  for (const svg of document.querySelectorAll('.vega-chart svg')) {
    const scale = svg.getBoundingClientRect().width / (svg.width.baseVal.value || 1);
    for (const t of svg.querySelectorAll('text')) {
      if (!t.textContent.trim()) continue;
      const px = parseFloat(getComputedStyle(t).fontSize) * scale;
      if (px < 9) small.push([t.textContent.trim().slice(0, 40), Math.round(px * 10) / 10]);
    }
  }
  let code = 0;
  for (const el of document.querySelectorAll('.jp-CodeCell .jp-InputArea')) if (visible(el)) code += el.innerText.trim().length;
  let prose = 0;
  for (const el of document.querySelectorAll('.jp-RenderedMarkdown, .jp-RenderedHTMLCommon.jp-MarkdownOutput, details.assumptions'))
    if (visible(el) && !el.closest('table')) prose += el.innerText.trim().length;
  return {cells, small, code, prose, scrollWidth: document.documentElement.scrollWidth,
          innerWidth: window.innerWidth, height: document.documentElement.scrollHeight};
}"""

SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
BAD_TEXT = re.compile(r"(?<![\w.])(?:nan|NaN|None|True|False)(?![\w.])|\d[eE][+-]\d")
YEAR_HEAD = re.compile(r"year|\bFY\b|fiscal", re.I)
SEPARATED_YEAR = re.compile(r"\b[12],\d{3}\b")


def bad_cells(cells) -> list[str]:
    """Table cells a reader should never see: a snake_case code, nan/None/True/False, scientific
    notation, or a year with a thousands separator (in a column whose title names a year)."""
    out = []
    for head, text in cells:
        text = re.sub(r"https?://\S+", "", text)  # a URL is an address, not a code
        if SNAKE.search(text) or BAD_TEXT.search(text):
            out.append(f"{head}: {text[:80]}")
        elif YEAR_HEAD.search(head) and SEPARATED_YEAR.search(text):
            out.append(f"{head}: {text[:80]}")
    return out


def evaluate(tab) -> dict:
    """Measure the page open in ``tab`` (a Playwright page) at its current width."""
    out = tab.evaluate(MEASURE_JS)
    out["bad_cells"] = bad_cells(out.pop("cells"))
    out["overflow"] = out["scrollWidth"] > out["innerWidth"] + 1
    return out


def _open(browser, page_uri: str, width: int):
    """A tab with ``page_uri`` loaded at ``width`` px and every chart drawn or failed (30 s at most)."""
    tab = browser.new_page(viewport={"width": width, "height": 900})
    tab.goto(page_uri, wait_until="load")
    tab.wait_for_function(CHARTS_DONE, timeout=30_000)
    return tab


def measure(browser, page_uri: str, width: int) -> dict:
    """What a reader sees on ``page_uri`` at ``width`` px (:func:`evaluate`)."""
    tab = _open(browser, page_uri, width)
    try:
        return evaluate(tab)
    finally:
        tab.close()


def screenshot(browser, page_uri: str, width: int, path: str) -> None:
    """A full-page PNG of ``page_uri`` at ``width`` px."""
    tab = _open(browser, page_uri, width)
    try:
        tab.screenshot(path=path, full_page=True)
    finally:
        tab.close()
