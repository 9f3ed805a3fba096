"""Findings recorded once, in the notebook that computes them.

A notebook's visible cells compute its key numbers; its last cell (tagged ``headline``) hands them to
:func:`finding`, which displays the finding and stores it in the cell's output as JSON under
:data:`MIME`. The builder reads that record from the executed notebook: it fills the "Key findings"
cell at the top of the page (tagged ``key-findings``), writes the index card, and the overview
notebook reads the records of the executed notebooks. Nothing recomputes a finding elsewhere.

A record is ``{"headline": str, "key_numbers": [[label, text, [source ids]], ...],
"findings": [str, ...], "numbers": {name: number or text}}``; headline, texts and findings are
Markdown built by the notebook (data text escaped with :func:`helpers.fmt.md`).
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

#: MIME type of a recorded finding in a notebook's outputs.
MIME = "application/vnd.bytedance-compute.finding+json"
#: Shown in the key-findings cell of a notebook that has not run to its end yet.
PLACEHOLDER = "*The key findings are filled in from the **Finding** section at the end once the notebook has run to its end.*"


def _plain(value):
    """JSON-safe: NumPy scalars to Python, tuples to lists, NaN and infinities to None."""
    if hasattr(value, "item") and not isinstance(value, (list, tuple, dict)):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


#: A number Python could not compute, as an f-string writes it ('nan×', 'inf%'), not inside a word
NOT_A_NUMBER = re.compile(r"(?<![A-Za-z])-?(?:nan|inf)(?![A-Za-z])", re.I)
#: A range written 'a–b' (an en dash between two numbers)
RANGE = re.compile(r"(?<![\d.,])(\d[\d,]*(?:\.\d+)?)–(\d[\d,]*(?:\.\d+)?)(?![\d.,])")


def _misstated(text: str) -> list[str]:
    """What a finding's text must never show: a number that is not one, a range from high to low."""
    bad = [f"{m.group(0)!r} (not a number)" for m in NOT_A_NUMBER.finditer(text)]
    return bad + [f"{m.group(0)!r} (a range from high to low)" for m in RANGE.finditer(text)
                  if float(m.group(1).replace(",", "")) > float(m.group(2).replace(",", ""))]


def make(headline: str, key_numbers, findings, numbers: dict | None = None) -> dict:
    """A record: ``key_numbers`` are ``(label, text, source_ids)`` triples (None entries are skipped);
    ``numbers`` are the raw values behind them (for tests and for other pages). A text that shows 'nan' or 'inf' or a
    range from high to low is refused (ValueError quoting it): a page states what its parameters leave undefined in
    words, and a range from low to high."""
    rows = [[str(label), str(text), [str(i) for i in dict.fromkeys(ids or [])]]
            for label, text, ids in (k for k in key_numbers if k is not None)]
    if not headline or not rows or not findings:
        raise ValueError("a finding needs a headline, at least one key number and at least one key finding")
    bad = [f"{where}: {b}" for where, text in [("headline", headline), *((f"key number {r[0]!r}", r[1]) for r in rows),
                                              *((f"finding {i + 1}", f) for i, f in enumerate(findings))]
           for b in _misstated(str(text))]
    if bad:
        raise ValueError("the finding misstates a number: " + "; ".join(bad))
    return {"headline": str(headline), "key_numbers": rows, "findings": [str(f) for f in findings],
            "numbers": _plain(dict(numbers or {}))}


def card(rec: dict) -> str:
    """Markdown of the finding card: the headline, then its key numbers in bold."""
    rows = "\n".join(f"- **{label}**: {text}" for label, text, *_ in rec["key_numbers"])
    return f"{rec['headline']}\n\n{rows}"


def bullets(rec: dict) -> str:
    """Markdown bullets of the key findings."""
    return "\n".join(f"- {f}" for f in rec["findings"])


def check_text(rec: dict) -> str:
    """The recorded numbers, one per line, floats to 4 significant figures (what nbval compares)."""
    return "\n".join(f"{k}: {v:,.4g}" if isinstance(v, float) else f"{k}: {v}" for k, v in rec["numbers"].items())


def finding(headline: str, key_numbers, findings, numbers: dict | None = None) -> dict:
    """Record a notebook's finding and show its card (call it once, in the cell tagged ``headline``)."""
    from IPython.display import display

    rec = make(headline, key_numbers, findings, numbers)
    display({"text/markdown": card(rec), MIME: rec}, raw=True)
    return rec


def placeholder():
    """The key-findings cell at the top of a notebook; the builder replaces its output with the
    bullets of the recorded finding."""
    from IPython.display import Markdown

    return Markdown(PLACEHOLDER)


def read(notebook: dict | str | Path) -> dict | None:
    """The finding recorded in an executed notebook (a dict or a path), or None if it has none."""
    nb = notebook if isinstance(notebook, dict) else json.loads(Path(notebook).read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            rec = out.get("data", {}).get(MIME)
            if rec is not None:
                return json.loads(rec) if isinstance(rec, str) else rec
    return None


def title(nb: dict) -> str:
    """The notebook's title: the first ``# `` line of its first Markdown cell."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            text = "".join(cell.get("source", ""))
            return next((ln[2:].strip() for ln in text.splitlines() if ln.startswith("# ")), "")
    return ""


def read_all(folder: str | Path, stems) -> dict:
    """``{stem: record}`` of the executed notebooks ``folder/STEM.ipynb``, each with the notebook's
    ``title`` added; FileNotFoundError naming the notebooks that have not run (or recorded nothing)
    and the command that runs them."""
    folder = Path(folder)
    out, missing = {}, []
    for stem in stems:
        path = folder / f"{stem}.ipynb"
        nb = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        rec = read(nb)
        if rec is None:
            missing.append(stem)
        else:
            out[stem] = {**rec, "title": title(nb)}
    if missing:
        raise FileNotFoundError(f"no recorded finding for {', '.join(missing)} in {folder}: run `make report` "
                                "first (it executes every notebook before the overview)")
    return out
