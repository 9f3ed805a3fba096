"""Git clean filter for notebooks/*.ipynb: what git stores is the notebook without outputs, except the
cells tagged ``nbval-check-output`` (their stored outputs are what nbval compares a run against).

`make env` registers it (git config filter.notebook-outputs.clean); .gitattributes applies it. So a
notebook run or autosaved in JupyterLab keeps its outputs on disk while `git status` stays clean.
Reads a notebook on stdin, writes the cleaned notebook on stdout (nbformat's canonical layout).
"""
import sys

import nbformat

KEEP = "nbval-check-output"
VOLATILE = ("execution", "scrolled", "collapsed", "trusted", "papermill")


def clean(nb):
    for cell in nb.cells:
        for key in VOLATILE:
            cell.metadata.pop(key, None)
        if not cell.metadata.get("tags", True):
            cell.metadata.pop("tags")
        if cell.cell_type == "code" and KEEP not in cell.metadata.get("tags", []):
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("papermill", None)
    nb.metadata["language_info"] = {"name": "python"}
    return nb


if __name__ == "__main__":
    text = sys.stdin.read()
    try:
        sys.stdout.write(nbformat.writes(clean(nbformat.reads(text, as_version=4))) + "\n")
    except Exception:  # noqa: BLE001 - never block a commit: pass anything unreadable through unchanged
        sys.stdout.write(text)
