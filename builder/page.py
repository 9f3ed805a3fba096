"""What turns an executed notebook into an article page (the notebook itself is left as it is).

Before rendering (:func:`prepare`): the ``key-findings`` cell shows the recorded finding's bullets; the
``parameters`` cell becomes an "Assumptions" table (name in words, value, default, range, meaning),
folded; papermill's injected-parameters cell and the ``nbval-check-output`` cells are dropped.
After rendering (:func:`finish`): the stylesheets nbconvert inlines go to one shared file, a table of
contents follows the question, and navigation and a link to the notebook close the page.
"""
from __future__ import annotations

import ast
import hashlib
import itertools
import html
import re

from helpers import params, record

DROP_TAGS = {"nbval-check-output", "injected-parameters", "remove-cell"}
CSS_FILE = "assets/notebook.css"
HEAD_STYLE_RE = re.compile(r"<style[^>]*>.*?</style>", re.S)
H2_RE = re.compile(r'<h2 id="([^"]+)">(.*?)<a class="anchor-link"', re.S)


def _words(name: str) -> str:
    """'rental_price_usd_per_gpu_hour' -> 'Rental price USD per GPU hour'."""
    upper = {"usd", "gpu", "gpus", "rmb", "kv", "mfu", "mbu", "pue", "fy", "kw", "kwh", "h20", "h100", "h200", "mau", "dau"}
    words = [w.upper() if w in upper else w for w in name.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _shown(value) -> str:
    if value is None:
        return "from data/"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.10g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


def _injected(nb) -> dict:
    """Values papermill injected (its cell tagged ``injected-parameters``)."""
    out = {}
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                    try:
                        out[node.targets[0].id] = ast.literal_eval(node.value)
                    except ValueError:
                        pass
    return out


def assumptions(source: str, run: dict) -> str:
    """HTML of the folded Assumptions table of a parameters cell (texts escaped)."""
    rows, n_changed = [], 0
    for line in source.splitlines():
        m = params._LINE.match(line.strip())
        if not m:
            continue
        name, default = m["name"], params._literal(m["value"])
        rule, _, meaning = m["comment"].partition(":")
        value = run.get(name, default)
        changed = name in run and run[name] != default
        n_changed += changed
        cls = ' class="changed"' if changed else ""
        rows.append(f"<tr{cls}><td>{html.escape(_words(name))}<br><code>{html.escape(name)}</code></td>"
                    f"<td>{html.escape(_shown(value))}</td><td>{html.escape(_shown(default))}</td>"
                    f"<td>{html.escape(rule.strip())}</td><td>{html.escape(meaning.strip())}</td></tr>")
    note = (f"; {n_changed} changed in this run" if n_changed else "")
    return ('<details class="assumptions"><summary>Assumptions: the '
            f"{len(rows)} values a reader may change{note}</summary>\n"
            "<p>Re-run with other values: <code>make notebook NB=… PARAMS=\"-p name value\"</code> (see the README).</p>\n"
            "<table><thead><tr><th>Assumption</th><th>Value</th><th>Default</th><th>Allowed</th><th>Meaning</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></details>")


def prepare(nb):
    """A copy of the executed notebook ``nb`` as the page shows it (see the module's docstring)."""
    import copy

    import nbformat

    nb = copy.deepcopy(nb)
    run = _injected(nb)
    rec = record.read(nb)
    cells = []
    for cell in nb.cells:
        tags = set(cell.metadata.get("tags", []))
        if tags & DROP_TAGS:
            continue
        if "parameters" in tags:
            cell = nbformat.v4.new_markdown_cell(assumptions(cell.source, run), id=cell.get("id"))
        elif "key-findings" in tags and rec:
            cell.outputs = [key_findings_output(rec)]
        cells.append(cell)
    nb.cells = cells
    return nb


def key_findings_output(rec: dict):
    """The output the ``key-findings`` cell gets: the recorded bullets as Markdown."""
    import nbformat

    return nbformat.v4.new_output("display_data", data={"text/markdown": record.bullets(rec)})


def fill_key_findings(nb) -> bool:
    """Put the recorded bullets into the executed notebook's ``key-findings`` cell (so JupyterLab shows
    them at the top too); False when the notebook recorded no finding."""
    rec = record.read(nb)
    if not rec:
        return False
    for cell in nb.cells:
        if "key-findings" in cell.metadata.get("tags", []):
            cell.outputs = [key_findings_output(rec)]
    return True


#: the opening tag of a cell (its attributes in either order)
CELL_RE = re.compile(r'<div\b[^>]*\bclass="jp-Cell[ "]')


def _toc(body: str) -> str:
    items = [(anchor, re.sub(r"<[^>]+>", "", text).strip()) for anchor, text in H2_RE.findall(body)]
    if len(items) < 3:
        return ""
    links = "".join(f'<li><a href="#{a}">{t}</a></li>' for a, t in items)  # heading text is already escaped HTML
    return f'<nav class="toc" aria-label="Contents"><strong>Contents</strong><ol>{links}</ol></nav>'


def finish(body: str, nav: dict) -> tuple[str, str]:
    """(page, stylesheet): the head's inline styles moved to :data:`CSS_FILE` (linked), a table of
    contents after the first cell (the title and question), navigation at the bottom."""
    head_end = body.find("</head>")
    head = body[:head_end]
    css = "\n".join(re.sub(r"^<style[^>]*>|</style>$", "", s) for s in HEAD_STYLE_RE.findall(head))
    version = hashlib.sha1(css.encode()).hexdigest()[:8]
    head = HEAD_STYLE_RE.sub("", head).replace("</title>", f'</title>\n<link rel="stylesheet" href="{CSS_FILE}?v={version}">', 1)
    rest = body[head_end:]
    toc = _toc(rest)
    if toc:  # after the first cell: the title and the question
        cells = [m.start() for m in itertools.islice(CELL_RE.finditer(rest), 2)]
        if len(cells) == 2:
            rest = rest[:cells[1]] + toc + rest[cells[1]:]
    links = []
    if nav.get("prev"):
        links.append(f'<a href="{html.escape(nav["prev"])}">&larr; Previous</a>')
    if nav.get("index"):
        links.append(f'<a href="{html.escape(nav["index"])}">&#8962; Index</a>')
    if nav.get("next"):
        links.append(f'<a href="{html.escape(nav["next"])}">Next &rarr;</a>')
    if nav.get("notebook"):
        links.append(f'<a href="{html.escape(nav["notebook"])}" download>The notebook, with all its code (.ipynb)</a>')
    footer = f'<nav class="report-nav bottom">{"".join(links)}</nav>'
    rest = rest.replace("</main>", f"{footer}</main>", 1) if "</main>" in rest else rest.replace("</body>", f"{footer}</body>", 1)
    return head + rest, css
