"""Copy the outputs of cells tagged ``nbval-check-output`` from a fresh build into notebooks/.

nbval compares those cells on every test run, so after an intended change of data or method:
    make report && make refresh-outputs   (then review the diff of notebooks/)
or, from one run made by hand (papermill ... --cwd notebooks):
    python scripts/refresh_outputs.py --from build/out.ipynb 05_claims_ledger
Every other cell's outputs are stripped, so the committed notebooks stay clean.
"""
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from builder import report  # noqa: E402

TAG = "nbval-check-output"


def refresh(name: str, executed: Path | None = None) -> int:
    src = ROOT / "notebooks" / f"{name}.ipynb"
    if executed is None:
        executed = report.EXECUTED / f"{name}.ipynb"
        states = report.load_state()
        state, shared = states.get(name, {}), report.shared_hash()
        if name == report.OVERVIEW:  # (its run also depends on the findings the others recorded, as the build keys it)
            shared = report._overview_key(shared, states, [p.stem for p in report.notebooks()])
        fresh_hash = report.exec_hash(src, None, shared)
        if state.get("status") != "ok" or state.get("exec_hash") != fresh_hash or not executed.exists():
            print(f"{name}: no fresh successful run in build/ — run `make report` first", file=sys.stderr)
            return 1
    nb = nbformat.read(src, as_version=4)
    done = {c.get("id"): c for c in nbformat.read(executed, as_version=4).cells}
    kept = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if TAG in cell.metadata.get("tags", []) and cell.get("id") in done:
            cell.outputs = done[cell.id].outputs
            cell.execution_count = done[cell.id].execution_count
            kept += 1
        else:
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, src)
    print(f"{name}: {kept} checked cell(s) refreshed")
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--from"]:
        if len(args) != 3:
            sys.exit("usage: refresh_outputs.py --from EXECUTED.ipynb NAME")
        sys.exit(refresh(args[2], Path(args[1])))
    names = args or [p.stem for p in report.notebooks()]
    sys.exit(max([refresh(n) for n in names] or [0]))
