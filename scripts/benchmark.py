"""Build benchmark: prints figures (not a test). Run with `make benchmark`.

- cold build: `make report` from an empty build/ (an existing build/ is moved aside and put back afterwards), five
  times, each between two floor runs (below), so that each ratio compares figures taken together
- no-op rebuild: `make report` again with nothing changed
- floor: one papermill run of a notebook that only imports helpers, pandas and altair,
  x notebooks / cores — what executing the collection costs at the very least
- each HTML page's size
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


#: rounds of floor, cold build, floor
ROUNDS = 5


def timed(cmd, **kw) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    return time.perf_counter() - start


FLOOR_NB = {"cells": [{"cell_type": "code", "execution_count": None, "id": "a", "metadata": {}, "outputs": [],
                      "source": "import helpers\nimport pandas\nimport altair"}],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def floors(tmp: Path, runs: int = 3, warm: bool = False) -> list[float]:
    """Seconds per papermill run of a notebook that only imports helpers, pandas and altair, run the
    way the build runs notebooks (builder.report.execute, in one warm process: no interpreter start), each in a
    fresh kernel; ``warm``: each kernel a fork of the build's fork server (builder.kernels), as a build with more
    than one notebook to run starts them."""
    src = tmp / "floor.ipynb"
    src.write_text(json.dumps(FLOOR_NB))
    runs_code = (f"[report.execute({str(src)!r}, {str(tmp / 'out.ipynb')!r}, {{}})['seconds'] "
                 f"for _ in range({runs + warm})][{int(warm)}:]")  # (warm: the first run waits for the server's imports)
    code = ("import contextlib, json; from builder import kernels, report\n"
            f"with kernels.ForkServer() if {warm} else contextlib.nullcontext():\n"
            f"    print(json.dumps({runs_code}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def monte_carlo_ms(runs: int = 5) -> list[float]:
    """Milliseconds for the Doubao demand Monte Carlo: 100,000 draws of every assumption, one chip."""
    sys.path.insert(0, str(ROOT))
    from helpers import demand

    fn = demand.chip_model("h20", "fp8")
    ranges = demand.ranges()
    out = []
    for seed in range(runs):
        start = time.perf_counter()
        demand.monte_carlo(100_000, seed, ranges, fn)
        out.append(1000 * (time.perf_counter() - start))
    return out


def main() -> None:
    """Measure a cold build in an empty build/; the build/ you had is moved aside and put back. Refuses to
    start while a build holds build/.lock (moving build/ away would break it)."""
    sys.path.insert(0, str(ROOT))
    from builder import report

    try:
        report._lock().close()
    except report.BuildLocked as exc:
        sys.exit(f"Benchmark not started: {exc}.")
    kept = ROOT / "build.before-benchmark"
    had_build = (ROOT / "build").exists()
    if had_build:
        shutil.rmtree(kept, ignore_errors=True)
        (ROOT / "build").rename(kept)
        print(f"(your build/ is kept in {kept.name}/ during the benchmark and put back after it)")
    try:
        measure()
    finally:
        if had_build:
            shutil.rmtree(ROOT / "build", ignore_errors=True)
            kept.rename(ROOT / "build")


def measure() -> None:
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    cores = os.cpu_count() or 1
    # the floor and the cold build measured in turn, five times, each cold build between two floor runs: the
    # machine's speed drifts (by a third within minutes here), and a ratio of two figures taken minutes apart
    # measures the drift as much as the build
    befores, afters, colds = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(ROUNDS):
            shutil.rmtree(ROOT / "build", ignore_errors=True)
            befores += floors(Path(tmp), runs=1)
            colds.append(timed(["make", "report"]))
            afters += floors(Path(tmp), runs=1)
        warm_runs = floors(Path(tmp), warm=True)
    runs = [(b + a) / 2 for b, a in zip(befores, afters)]
    floor_one, cold = statistics.median(runs), statistics.median(colds)
    floor = floor_one * len(notebooks) / cores
    ratios = [c / (f * len(notebooks) / cores) for f, c in zip(runs, colds)]
    noop = statistics.median(timed(["make", "report"]) for _ in range(3))
    print(f"notebooks: {len(notebooks)}, cores: {cores}")
    mc = monte_carlo_ms()
    print(f"Monte Carlo, 100,000 draws (H20 demand model):  {statistics.median(mc):.0f} ms median of {len(mc)}")
    print(f"floor, one papermill run (import helpers, pandas, altair): {floor_one:.2f} s "
          f"(each the mean of the runs before and after a cold build: {', '.join(f'{f:.2f}' for f in runs)})")
    print(f"floor x notebooks / cores:                     {floor:.2f} s")
    print(f"(the same run in a forked warm kernel, as the build starts them: {statistics.median(warm_runs):.2f} s)")
    print(f"cold build (make report, empty build/):        {cold:.2f} s (runs: {', '.join(f'{c:.2f}' for c in colds)})")
    print(f"cold build / floor, each run against the floor measured around it: median "
          f"{statistics.median(ratios):.2f} (runs: {', '.join(f'{r:.2f}' for r in ratios)})")
    print(f"no-op rebuild (make report, median of 3):      {noop:.2f} s")
    state = json.loads((ROOT / "build" / "state.json").read_text())
    work = sum(state.get(p.stem, {}).get("seconds", 0.0) for p in notebooks) / cores
    print(f"notebooks' own run time / cores:               {work:.2f} s")
    print(f"cold build / that (pipeline overhead):         {cold / work:.2f}")
    print("\nnotebook                        run s   page KB")
    for p in notebooks:
        page = ROOT / "build" / "site" / f"{p.stem}.html"
        kb = page.stat().st_size / 1024 if page.exists() else float("nan")
        print(f"{p.stem:<31} {state.get(p.stem, {}).get('seconds', float('nan')):>5}   {kb:7.0f}")
    bundle = ROOT / "build" / "site" / "assets" / "vega-bundle.js"
    if bundle.exists():
        print(f"{'assets/vega-bundle.js (shared)':<31}         {bundle.stat().st_size / 1024:7.0f}")


def scale(n: int) -> None:
    """``--scale N``: a copy of data/ with N more sources and N more rental quotes (copies of existing rows under new
    ids, each quote citing one of the new sources), then the steps whose cost grows with the rows, timed in this
    process: validation, every route of notebook 02 priced (costs.routes), the index and the sources pages written
    (their sizes: the largest page and all of them). Notebooks are not executed; build/ is not touched."""
    import csv
    import io

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(ROOT / "data", data)
        rows = {}
        for name in ("sources", "rental_prices"):
            text = (data / f"{name}.csv").read_text(encoding="utf-8")
            rows[name] = list(csv.DictReader(io.StringIO(text)))
        src, rent = rows["sources"], rows["rental_prices"]
        new_src = [{**src[i % len(src)], "id": f"scale_{i}"} for i in range(n)]
        new_rent = [{**rent[i % len(rent)], "price_id": f"scale_{i}", "source_id": f"scale_{i}"} for i in range(n)]
        for name, extra in (("sources", new_src), ("rental_prices", new_rent)):
            out = io.StringIO()
            w = csv.DictWriter(out, fieldnames=list(rows[name][0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows[name] + extra)
            (data / f"{name}.csv").write_text(out.getvalue(), encoding="utf-8")
        code = f"""
import json, os, sys, time
from pathlib import Path
sys.path.insert(0, {str(ROOT)!r})
from builder import report
from helpers import costs, data, params
report.DATA_DIR = Path({str(data)!r})
data.STAMP_DIR = Path({str(tmp)!r}) / "stamps"  # validated from scratch, not found valid by an earlier run
t = {{}}
s = time.perf_counter(); problems = data.validate(report.DATA_DIR); t["validate"] = time.perf_counter() - s
assert not problems, problems[:3]
s = time.perf_counter(); costs.routes(**params.defaults("02_cloud_economics")); t["02 routes"] = time.perf_counter() - s
site = Path({str(tmp)!r}) / "site"; site.mkdir()
s = time.perf_counter(); tables = report._sources_by_file(); pages = report.source_pages()
report.write_index(site, {{}}, [], tables, pages); report.write_sources(site, tables); t["index + sources pages"] = time.perf_counter() - s
files = sorted(site.glob("sources*.html"), key=lambda p: p.stat().st_size)
t["index KB"] = (site / "index.html").stat().st_size / 1024; t["sources pages"] = len(files)
t["largest sources page KB"] = files[-1].stat().st_size / 1024; t["all sources pages KB"] = sum(p.stat().st_size for p in files) / 1024
print(json.dumps(t))
"""
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                             env={**os.environ, "PROJECT_DATA_DIR": str(data)})
        total = time.perf_counter() - start
    if out.returncode:
        sys.exit(f"--scale {n} failed:\n{out.stderr[-4000:]}")
    print(f"{n:,} more sources and {n:,} more rental quotes:")
    for key, value in json.loads(out.stdout.strip().splitlines()[-1]).items():
        print(f"  {key:<28} {value:10.1f}" + ("" if "KB" in key or key == "sources pages" else " s"))
    print(f"  {'all (with imports)':<28} {total:10.1f} s")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--scale":
        scale(int(sys.argv[2]))
    else:
        main()
