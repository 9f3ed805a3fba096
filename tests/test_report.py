"""The site builder: a bad CSV stops the build and keeps the last good site; helpers of the builder."""
import json
import re
import shutil
from pathlib import Path

import pytest

from builder import report
from conftest import copy_small_package


@pytest.fixture
def fake_root(tmp_path, monkeypatch):
    root = tmp_path / "proj"
    copy_small_package(root / "data")
    shutil.copytree(Path(report.__file__).resolve().parent.parent / "helpers", root / "helpers",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (root / "notebooks").mkdir()
    site = root / "build" / "site"
    site.mkdir(parents=True)
    (site / "index.html").write_text("last good site")
    for name, value in {"ROOT": root, "NB_DIR": root / "notebooks", "DATA_DIR": root / "data",
                        "BUILD": root / "build", "SITE": site, "EXECUTED": root / "build" / "executed",
                        "STATE_FILE": root / "build" / "state.json"}.items():
        monkeypatch.setattr(report, name, value)
    return root


def test_broken_csv_stops_build_and_keeps_site(fake_root, capsys):
    path = fake_root / "data" / "sources.csv"
    lines = path.read_text().splitlines()
    lines[2] = lines[2].replace("2024-09-01", "2024-13-01")
    path.write_text("\n".join(lines) + "\n")
    assert report.build(jobs=1) == 2
    err = capsys.readouterr().err
    assert "sources.csv, line 3, column 'published_date': '2024-13-01' is not a date" in err
    assert "Traceback" not in err
    assert (fake_root / "build" / "site" / "index.html").read_text() == "last good site"


REC = {"headline": "X is **6.7×** behind.", "key_numbers": [["gap", "6.7×", ["s1"]]], "findings": ["X is far"],
       "numbers": {"gap": 6.7}}


def test_describe_reads_title_question_and_the_recorded_finding():
    from helpers import record

    nb = {"cells": [{"cell_type": "markdown", "source": "# The title\n\nHow far behind is X?"},
                    {"cell_type": "code", "metadata": {"tags": ["headline"]}, "outputs": [
                        {"output_type": "display_data", "data": {"text/markdown": "shown", record.MIME: REC}}]}]}
    assert report.describe(nb) == {"title": "The title", "question": "How far behind is X?", "record": REC}


def test_index_shows_the_recorded_values(tmp_path):
    """The index card is the recorded finding: change one recorded value and the index shows it."""
    (tmp_path / "01_a.html").write_text("page")
    state = {"01_a": {"status": "ok", "title": "A", "question": "Q?", "record": REC}}
    report.write_index(tmp_path, state, ["01_a"])
    page = (tmp_path / "index.html").read_text()
    assert "X is <strong>6.7×</strong> behind." in page and "<strong>gap</strong>: 6.7×" in page
    state["01_a"]["record"] = {**REC, "key_numbers": [["gap", "7.1× <b>", ["s1"]]]}
    report.write_index(tmp_path, state, ["01_a"])
    page = (tmp_path / "index.html").read_text()
    assert "<strong>gap</strong>: 7.1× &lt;b&gt;" in page and "6.7×</li>" not in page
    assert "ran in" not in page  # no build log on a card


@pytest.mark.parametrize("given, message", [
    (("numbers_per_notebook", "False"), "ParameterError: parameter 'numbers_per_notebook' = False must be a number"),
    (("numbers_per_notebook", ".5"), "ParameterError: parameter 'numbers_per_notebook' = 0.5 must be a whole number"),
    (("numbers_per_notebook", "1_0"), "ParameterError: parameter 'numbers_per_notebook' = 10 is above its maximum 4"),
    (("numbers_per_notebook", "None"), "ParameterError: parameter 'numbers_per_notebook' = None is not allowed"),
    (("numbers_per_notebook", "1e999"), "ParameterError: parameter 'numbers_per_notebook' = inf must be a finite number"),
    (("no_such_parameter", "1"), "ParameterError: parameter 'no_such_parameter' is not a parameter of 00_overview; "
                                 "its parameters are: records_dir, numbers_per_notebook"),
])
def test_run_one_refuses_as_papermill_does_in_one_line(given, message, capsys):
    """make notebook reads -p values as papermill's command line does and refuses them with the one-line message
    the notebook's check cell gives (tests/test_notebooks.py runs papermill on the same values), before any kernel."""
    assert report.run_one("00_overview", [given]) == 2
    assert capsys.readouterr().err == message + "\n"


def test_second_build_is_refused_while_one_holds_the_lock(fake_root, capsys):
    held = report._lock()
    try:
        assert report.build(jobs=1) == 3
    finally:
        held.close()
    err = capsys.readouterr().err
    assert "another build is running in this folder" in err and f"process {__import__('os').getpid()}" in err
    assert (fake_root / "build" / "site" / "index.html").read_text() == "last good site"


def test_only_declared_data_files_are_inputs(fake_root):
    (fake_root / "data" / ".env").write_text("SECRET=1")
    (fake_root / "data" / "notes").mkdir()
    names = [p.name for p in report.data_files()]
    assert names[0] == "datapackage.json" and "sources.csv" in names
    assert ".env" not in names and "notes" not in names
    before = report.shared_hash()
    (fake_root / "data" / ".env").write_text("SECRET=2")
    assert report.shared_hash() == before
    path = fake_root / "data" / "sources.csv"
    path.write_text(path.read_text() + "\n")
    assert report.shared_hash() != before


def test_md_inline_escapes_and_keeps_emphasis():
    assert report._md_inline("<b>x</b> **y** 1\\.30") == "&lt;b&gt;x&lt;/b&gt; <strong>y</strong> 1.30"


# --- a real build of two tiny notebooks: incremental runs, a failure, its fix, identical reruns ------------------
def _notebook(path, cells):
    import nbformat

    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    for kind, src, tags in cells:
        cell = (nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell)(src)
        cell.id = f"c{len(nb.cells)}"
        cell.metadata["tags"] = list(tags)
        nb.cells.append(cell)
    nbformat.write(nb, path)


A = [("md", "# Notebook A\n\nWhat is A?", ()), ("code", "from helpers import record\nrecord.placeholder()", ("key-findings",)),
     ("code", "x = 1  # 0 to 5: a number", ("parameters",)),
     ("code", "import altair as alt\nimport pandas as pd\nfrom IPython.display import Markdown\n"
              "from helpers import charts, fmt\ncharts.setup()\n"
              "fmt.table(pd.DataFrame({'v': [1.5, 2000.0], 'source_id': ['s1', 's2']}))", ()),
     ("code", "alt.Chart(pd.DataFrame({'x': [1, 2]})).mark_bar().encode(x='x:Q')", ()),
     ("code", "from helpers import record\nrec = record.finding('A is **1**.', [('k', str(x), ['s1'])], ['A is one'], {'k': x})",
      ("headline",))]


def _b(fail: bool):
    return [("md", "# Notebook B\n\nWhat is B?", ()), ("code", "y = 2  # 0 to 5: a number", ("parameters",)),
            ("code", "from IPython.display import Markdown", ()),
            ("code", "raise ValueError('planted failure')" if fail else "z = y", ()),
            ("code", "from helpers import record\nrec = record.finding('B is **2**.', [('k', '2', [])], ['B is two'], {'k': y})",
             ("headline",))]


#: reads the findings the others recorded (as notebooks/00_overview does), recomputes nothing
OVERVIEW = [("md", "# Overview\n\nWhat do A and B find?", ()), ("code", "d = '../build/executed'  # text: folder", ("parameters",)),
            ("code", "from helpers import record\nR = record.read_all(d, ['01_a', '02_b'])\n"
                     "rec = record.finding('All: ' + ' '.join(r['headline'] for r in R.values()), "
                     "[r['key_numbers'][0] for r in R.values()], ['two'])", ("headline",))]


def _comparable(path):
    """An executed notebook without its run times."""
    import json

    nb = json.loads(path.read_text())
    nb["metadata"].get("papermill", {}).update(start_time=None, end_time=None, duration=None)
    for cell in nb["cells"]:
        cell["metadata"].pop("execution", None)
        cell["metadata"].get("papermill", {}).update(start_time=None, end_time=None, duration=None)
    return nb


def test_incremental_build_failure_and_identical_rerun(fake_root, capsys):
    nbs = fake_root / "notebooks"
    _notebook(nbs / "01_a.ipynb", A)
    _notebook(nbs / "02_b.ipynb", _b(fail=False))
    site, executed = fake_root / "build" / "site", fake_root / "build" / "executed"
    assert report.build(jobs=2) == 0
    first = _comparable(executed / "01_a.ipynb")
    state = report.load_state()
    assert state["02_b"]["record"]["headline"] == "B is **2**." and (site / "01_a.html").exists()
    assert '<table class="data-table">' in (site / "01_a.html").read_text()  # no random table ids
    capsys.readouterr()

    assert report.build(jobs=2) == 0  # nothing changed: nothing runs
    assert "Site is up to date" in capsys.readouterr().out

    rates = fake_root / "data" / "exchange_rates.csv"  # a data edit re-runs every notebook; b now fails
    rates.write_text(rates.read_text().replace("Calendar-year 2023 average", "Calendar-year 2023 mean", 1))
    _notebook(nbs / "02_b.ipynb", _b(fail=True))
    assert report.build(jobs=2) == 1
    assert "Executing 2 and re-rendering 2 notebook(s)" in capsys.readouterr().out
    assert _comparable(executed / "01_a.ipynb") == first  # the same inputs give the same notebook
    s = report.load_state()["02_b"]
    assert s["status"] == "failed" and s["error"].startswith("cell 3 (id c3): ValueError: planted failure")
    assert s["record"]["headline"] == "B is **2**."  # the card keeps the last good finding
    assert (site / "02_b.html").exists() and (site / "02_b.failed.html").exists()
    assert "planted failure" in (site / "index.html").read_text()

    _notebook(nbs / "02_b.ipynb", _b(fail=False))
    assert report.build(jobs=2) == 0
    assert not (site / "02_b.failed.html").exists()


def test_interrupted_run_keeps_the_last_complete_notebook(fake_root, monkeypatch):
    """Ctrl-C in the middle of a run: the executed notebook of the last finished run stays whole, the
    partial output is removed, and the state (written only at the end of a build) still names it."""
    import papermill as pm

    executed = fake_root / "build" / "executed"
    executed.mkdir(parents=True)
    out = executed / "01_a.ipynb"
    out.write_text("the last complete run")

    def interrupted(src, tmp, **kwargs):
        Path(tmp).write_text('{"cells": [')  # half a notebook
        raise KeyboardInterrupt

    monkeypatch.setattr(pm, "execute_notebook", interrupted)
    with pytest.raises(KeyboardInterrupt):
        report.execute(str(fake_root / "notebooks" / "01_a.ipynb"), str(out), {})
    assert out.read_text() == "the last complete run"
    assert [p.name for p in executed.iterdir()] == ["01_a.ipynb"]


def test_an_invalid_output_fails_the_run_and_outputs_are_validated_once(fake_root, monkeypatch):
    """Outputs are not validated one by one as they arrive (papermill's run sees nbformat's check switched off, and
    gets it back after): the executed notebook is validated whole before it is written, and an invalid output
    fails the run with nothing written. The run's time stamps are read as dateutil would read them."""
    import nbformat
    import jupyter_client.jsonutil as jsonutil
    import nbformat.v4.nbbase as nbbase
    import papermill as pm
    import papermill.engines
    import papermill.execute

    executed = fake_root / "build" / "executed"
    executed.mkdir(parents=True)
    out = executed / "01_a.ipynb"
    seen = {}

    def run(src, tmp, **kwargs):
        seen["validate"], seen["write"] = nbbase.validate, papermill.execute.write_ipynb
        seen["dates"] = jsonutil._dateutil_parse, papermill.engines.dateutil.parser.parse
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x")])
        nb.cells[0].outputs = [nbformat.from_dict({"output_type": "display_data", "metadata": {}})]  # no "data"
        return nb

    real_validate, real_write = nbbase.validate, papermill.execute.write_ipynb
    real_dates = jsonutil._dateutil_parse, papermill.engines.dateutil
    monkeypatch.setattr(pm, "execute_notebook", run)
    result = report.execute(str(fake_root / "notebooks" / "01_a.ipynb"), str(out), {})
    assert seen["validate"] is not real_validate and seen["write"] is not real_write
    assert (nbbase.validate, papermill.execute.write_ipynb) == (real_validate, real_write)
    assert (jsonutil._dateutil_parse, papermill.engines.dateutil) == real_dates
    # the time stamps are read as dateutil reads them: the same instant, offset and ISO text
    for text in ("2026-12-07T08:00:00.123456Z", "2026-12-07T08:00:00.1Z", "2026-12-07T08:00:00+01:00",
                 "2026-12-07T08:00:00.5+0530", "2026-12-07T08:00:00.123456"):
        for fast, slow in zip(seen["dates"], (real_dates[0], real_dates[1].parser.parse)):
            assert (fast(text), fast(text).utcoffset(), fast(text).isoformat()) == (
                slow(text), slow(text).utcoffset(), slow(text).isoformat())
    assert seen["dates"][1]("7 Dec 2026") == real_dates[1].parser.parse("7 Dec 2026")  # (not ISO: dateutil's)
    assert result["status"] == "failed" and result["error"].startswith("the executed notebook is not valid: ")
    assert "'data' is a required property" in result["error"]
    assert list(executed.iterdir()) == []


def test_refresh_outputs_refuses_a_failed_or_stale_run(fake_root, capsys):
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "scripts" / "refresh_outputs.py"
    spec = importlib.util.spec_from_file_location("refresh_outputs", path)
    refresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(refresh)
    _notebook(fake_root / "notebooks" / "01_a.ipynb", A)
    refresh.ROOT = fake_root
    (fake_root / "build" / "executed").mkdir(parents=True)
    (fake_root / "build" / "executed" / "01_a.ipynb").write_text("{}")
    report.STATE_FILE.write_text('{"01_a": {"status": "failed", "exec_hash": "x"}}')
    assert refresh.refresh("01_a") == 1
    assert "no fresh successful run" in capsys.readouterr().err


def test_the_builder_writes_the_sources_pages_without_pandas(tmp_path):
    """The sources pages' URL rule (helpers.links) needs no pandas: the builder, which has not loaded it, does not
    load it (a fifth of a second at the end of every build) to write them."""
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from builder import report\n"
            f"report.write_sources(Path({str(tmp_path)!r}))\n"
            "print(sorted(p.name for p in Path(%r).iterdir())[:1], 'pandas' in sys.modules)" % str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(report.__file__).resolve().parent.parent,
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["['sources.html']", "False"]


def test_sources_page_links_only_safe_urls(fake_root):
    """Hostile url and archive_url values are shown as text, never written into an href."""
    import csv
    import io

    path = fake_root / "data" / "sources.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    hostile = ["javascript:alert(1)", "data:text/html,x", "//evil.example/x", "javascript:alert(1)//https://x.com"]
    for row, bad in zip(rows, hostile):
        row["url"], row["archive_url"] = bad, bad
    rows[len(hostile)]["archive_url"] = "https://web.archive.org/web/2025/https://x.com"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    site = fake_root / "build" / "site"
    report.write_sources(site)
    page = (site / "sources.html").read_text()
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(h.startswith(("https://", "http://", "index.html")) for h in hrefs), hrefs
    assert 'href="https://web.archive.org/web/2025/https://x.com"' in page
    assert "javascript:alert(1)//https://x.com" in page  # shown as text


def test_downloadable_csv_neutralises_formulas_and_keeps_numbers():
    text = 'id,note,value\na,"=HYPERLINK(""http://x"",""y"")",-1.5\nb,+1 more,+2\nc,@sum,3\nd,-minus,-0\ne,plain,1e3\n'
    assert report.safe_csv(text) == ("id,note,value\na,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",-1.5\n"
                                     "b,'+1 more,+2\nc,'@sum,3\nd,'-minus,-0\ne,plain,1e3\n")


def test_read_only_build_folder_is_named(fake_root, monkeypatch, capsys):
    import os

    build = fake_root / "build"
    shutil.rmtree(build)
    fake_root.chmod(0o555)
    try:
        if os.access(fake_root, os.W_OK):  # root writes anyway: stand in a path that cannot be made
            monkeypatch.setattr(report, "BUILD", Path("/proc/no-such-dir/build"))
        assert report.build(jobs=1) == 3
    finally:
        fake_root.chmod(0o755)
    err = capsys.readouterr().err
    assert "Build not started: cannot write" in err and "make that folder writable" in err and "Traceback" not in err


def test_git_filter_works_from_a_path_with_a_space_and_a_quote(tmp_path):
    """`make git-filter` (run by `make env`) registers the clean filter with the interpreter's path quoted: in a
    checkout at "a b'c/", a notebook staged with outputs is stored without them."""
    import subprocess
    import sys

    root = Path(report.__file__).resolve().parent.parent
    repo = tmp_path / "a b'c"
    (repo / ".venv" / "bin").mkdir(parents=True)
    (repo / "scripts").mkdir()
    (repo / "notebooks").mkdir()
    for name in ("Makefile", ".gitattributes", "scripts/strip_outputs.py"):
        shutil.copy(root / name, repo / name)
    python = repo / ".venv" / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    git = lambda *a: subprocess.run(["git", *a], cwd=repo, check=True, capture_output=True, text=True).stdout  # noqa: E731
    git("init", "-q")
    subprocess.run(["make", "--no-print-directory", "git-filter"], cwd=repo, check=True)
    assert git("config", "filter.notebook-outputs.clean") == f"'{str(python).replace(chr(39), chr(39) + chr(92) + chr(39) * 2)}' scripts/strip_outputs.py\n"
    nb = {"cells": [{"cell_type": "code", "execution_count": 1, "id": "a", "metadata": {}, "source": "1",
                     "outputs": [{"output_type": "stream", "name": "stdout", "text": "SECRET OUTPUT"}]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (repo / "notebooks" / "x.ipynb").write_text(json.dumps(nb))
    git("add", "notebooks/x.ipynb")
    staged = json.loads(git("show", ":notebooks/x.ipynb"))
    assert staged["cells"][0]["outputs"] == [] and "SECRET" not in json.dumps(staged)


def _half_then_enospc(path, text):
    """A write that puts half of its text on disk and then fails as a full disk does."""
    import errno

    with open(path, "w", encoding="utf-8") as f:
        f.write(text[: len(text) // 2])
    raise OSError(errno.ENOSPC, "No space left on device", str(path))


def test_full_disk_is_named_and_leaves_nothing_half_written(fake_root, monkeypatch, capsys):
    """A full disk while the executed notebook is written, then while the index is written: each is named
    as a full disk, no partial file stays, no missing file is named as kept, build/site stays the last good site."""
    import nbformat

    _notebook(fake_root / "notebooks" / "01_a.ipynb", A)
    monkeypatch.setattr(nbformat, "write", lambda nb, path, **k: _half_then_enospc(path, nbformat.writes(nb)))
    real = Path.write_text
    monkeypatch.setattr(Path, "write_text", lambda self, text, *a, **k: (
        _half_then_enospc(self, text) if self.name.startswith("index.html") else real(self, text, *a, **k)))
    assert report.build(jobs=1) == 4
    out, err = capsys.readouterr()
    assert "FAILED 01_a: disk full (No space left on device, errno ENOSPC) writing build/executed/01_a.ipynb" in out
    assert "kept" not in out
    assert err.startswith("Build stopped: disk full (No space left on device, errno ENOSPC) writing build/site.new/index.html")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    build = fake_root / "build"
    assert sorted(p.name for p in build.rglob("*") if p.is_file()) == [".lock", "index.html"]
    assert (build / "site" / "index.html").read_text() == "last good site"


def test_run_validate_and_clean_wait_for_a_running_build(fake_root, capsys):
    """Every command that touches build/ takes its lock: make notebook and make validate refuse while a build
    holds it, and so does make clean (flock), which leaves build/ in place."""
    import subprocess

    held = report._lock()
    try:
        assert report.main(["run", "00_overview"]) == 3 and report.main(["validate"]) == 3
        assert capsys.readouterr().err.count("Not started: another build is running in this folder") == 2
        root = Path(report.__file__).resolve().parent.parent
        shutil.copy(root / "Makefile", fake_root / "Makefile")
        clean = subprocess.run(["make", "--no-print-directory", "clean"], cwd=fake_root, capture_output=True, text=True)
        assert clean.returncode != 0 and "build/ was not removed" in clean.stdout and (fake_root / "build").exists()
    finally:
        held.close()
    assert report.main(["validate"]) == 0


def test_index_lists_a_table_s_first_sources_and_counts_the_rest(tmp_path):
    """A table citing many sources lists the first INDEX_SOURCES on the index and counts the rest (the sources page
    has them all): the index stays small however many sources the data cite."""
    tables = report._sources_by_file()
    n = len(tables["sources.csv"]["sources"])
    assert n > report.INDEX_SOURCES
    report.write_index(tmp_path, {}, [])
    page = (tmp_path / "index.html").read_text()
    assert f"<li>and {n - report.INDEX_SOURCES} more on the " in page
    assert page.count('<li><a href="sources.html#') == sum(min(len(t["sources"]), report.INDEX_SOURCES) for t in tables.values())


def test_a_declared_file_in_a_subfolder_is_published_at_its_path(fake_root):
    """A resource declared as sub/x.csv is published as data/sub/x.csv, where the index links it."""
    pkg_file = fake_root / "data" / "datapackage.json"
    pkg = json.loads(pkg_file.read_text())
    (fake_root / "data" / "sub").mkdir()
    (fake_root / "data" / "exchange_rates.csv").rename(fake_root / "data" / "sub" / "exchange_rates.csv")
    next(r for r in pkg["resources"] if r["name"] == "exchange_rates")["path"] = "sub/exchange_rates.csv"
    pkg_file.write_text(json.dumps(pkg))
    assert report.build(jobs=1) == 0
    site = fake_root / "build" / "site"
    assert (site / "data" / "sub" / "exchange_rates.csv").exists() and not (site / "data" / "exchange_rates.csv").exists()
    assert 'href="data/sub/exchange_rates.csv"' in (site / "index.html").read_text()


def _with_generated_sources(data_dir, n_total):
    """data_dir/sources.csv grown to ``n_total`` rows by copies of its first row under new ids (gen_0, gen_1, …)."""
    import csv
    import io

    path = data_dir / "sources.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    rows += [{**rows[0], "id": f"gen_{i}"} for i in range(n_total - len(rows))]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return [r["id"] for r in rows]


def _lands(site, href) -> bool:
    """A link 'page#id' lands: the page exists and has an element with that id."""
    from html import unescape

    file, _, anchor = href.partition("#")
    return (site / file).exists() and f'id="{anchor}"' in (site / file).read_text() and bool(unescape(anchor))


def test_sources_are_paged_above_the_row_budget_and_every_link_lands(fake_root, monkeypatch):
    """budget * 2 + 1 sources: three pages, none over the budget, every id on exactly one; a link written by
    helpers.fmt on a notebook page and every source link of the index land on the row of their id."""
    from helpers import fmt

    budget = len(report._source_rows())  # the package's own rows (other tables cite them) fill page 1
    monkeypatch.setattr(report, "SOURCES_PER_PAGE", budget)
    monkeypatch.setattr(report, "INDEX_SOURCES", 3 * budget)  # the index lists sources of every page
    ids = _with_generated_sources(fake_root / "data", budget * 2 + 1)
    site = fake_root / "build" / "site"
    (site / "sources-9.html").write_text("a page of an earlier, longer build")
    pages, tables = report.source_pages(), report._sources_by_file()
    report.write_sources(site, tables)
    report.write_index(site, {}, [], tables, pages)
    files = sorted(p.name for p in site.glob("sources*.html"))
    assert files == ["sources-2.html", "sources-3.html", "sources.html"]
    rows = {f: re.findall(r'<div class="source" id="([^"]+)">', (site / f).read_text()) for f in files}
    assert all(len(r) <= budget for r in rows.values()) and len(rows["sources-3.html"]) == 1
    assert sorted(i for r in rows.values() for i in r) == sorted(ids)  # each id exactly once
    on_page_2 = ids[budget + 3]
    assert pages[on_page_2] == "sources-2.html" and ids[0] not in pages  # the map holds only ids past page 1
    body = report.relink_sources(f"<p>{fmt.source_links([on_page_2, ids[0], ids[-1]])}</p>", pages)
    hrefs = re.findall(r'href="([^"]+)"', body)
    assert hrefs == [f"sources-2.html#{on_page_2}", f"sources.html#{ids[0]}", f"sources-3.html#{ids[-1]}"]
    assert all(_lands(site, h) for h in hrefs)
    index_links = re.findall(r'href="(sources[^"]*#[^"]*)"', (site / "index.html").read_text())
    assert any(h.startswith("sources-") for h in index_links) and all(_lands(site, h) for h in index_links)
    pager = re.findall(r'<nav class="pager".*?</nav>', (site / "sources-2.html").read_text(), re.S)[0]
    assert re.findall(r'href="([^"]+)"', pager) == ["data/sources.csv", "sources.html", "sources-3.html"]


def test_the_real_sources_fit_one_page_and_links_are_left_as_written(tmp_path):
    """The project's sources (a few hundred) are one page, sources.html, with no pager; no link is rewritten."""
    from helpers import fmt

    assert report.source_pages() == {}
    report.write_sources(tmp_path)
    assert [p.name for p in tmp_path.glob("sources*.html")] == ["sources.html"]
    assert 'class="pager"' not in (tmp_path / "sources.html").read_text()
    body = fmt.source_links(["a_b"])
    assert report.relink_sources(body, report.source_pages()) == body


def test_a_rendered_notebook_page_links_a_source_to_its_page(tmp_path):
    """render() rewrites a notebook's source links through nav['sources'] (the map the build passes every page)."""
    from helpers import fmt

    nb = tmp_path / "01_a.ipynb"
    _notebook(nb, [("md", f"# A\n\nCited: {fmt.source_links(['on_two', 'on_one'])}", ())])
    report.render(str(nb), str(tmp_path / "01_a.html"), {"index": "index.html", "sources": {"on_two": "sources-2.html"}})
    hrefs = re.findall(r'href="(sources[^"]*)"', (tmp_path / "01_a.html").read_text())
    assert hrefs == ["sources-2.html#on_two", "sources.html#on_one"]


def test_a_page_run_outside_the_site_links_the_sites_pages_sources_and_data(tmp_path):
    """make notebook writes its page to build/runs/NAME/: nav['site'] points every link to a notebook's page, a
    sources page or a data file at the site, and the download link at the notebook run beside the page; links to
    the page's own assets and to the web stay as they are."""
    from helpers import fmt

    nb = tmp_path / "01_a.ipynb"
    _notebook(nb, [("md", f"# A\n\nSee [B](02_b.ipynb), [the rows](data/chips.csv), [web](https://example.org/x) and "
                          f"{fmt.source_links(['on_two', 'on_one'])}", ())])
    report.render(str(nb), str(tmp_path / "01_a.html"),
                  {"index": "../../site/index.html", "site": "../../site/", "notebook": "01_a.ipynb",
                   "sources": {"on_two": "sources-2.html"}})
    text = (tmp_path / "01_a.html").read_text()
    hrefs = re.findall(r'href="([^"]*)"', text)
    assert sorted({h for h in hrefs if "site/" in h}) == [
        "../../site/02_b.html", "../../site/data/chips.csv", "../../site/index.html", "../../site/sources-2.html#on_two",
        "../../site/sources.html#on_one"]
    assert "https://example.org/x" in hrefs and "01_a.ipynb" in hrefs
    assert [h for h in hrefs if h.startswith("assets/")] == [h for h in hrefs if "notebook.css" in h]


def test_a_page_has_its_contents_after_the_title_and_its_cells_reachable_by_keyboard(tmp_path):
    """The table of contents sits between the first cell (title and question) and the second, whatever the order
    of a cell tag's attributes; input and output areas get tabindex="0" (what nbconvert's own second parse of the
    page added); code is highlighted and escaped."""
    from builder import page

    nb = tmp_path / "01_a.ipynb"
    _notebook(nb, [("md", "# A\n\nWhat is A?", ()), ("md", "## One", ()), ("code", "x = '<b>'\nx", ()),
                   ("md", "## Two", ()), ("md", "## Three", ())])
    nb_json = json.loads(nb.read_text())
    nb_json["cells"][2]["outputs"] = [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
                                       "data": {"text/plain": "'<b>'"}}]
    nb.write_text(json.dumps(nb_json))
    report.render(str(nb), str(tmp_path / "01_a.html"), {"index": "index.html"})
    body = (tmp_path / "01_a.html").read_text()
    cells = [m.start() for m in page.CELL_RE.finditer(body)]
    assert len(cells) == 5 and cells[0] < body.index('<nav class="toc"') < cells[1]
    assert body.index('<nav class="toc"') + len(re.search(r'<nav class="toc".*?</nav>', body).group()) == cells[1]
    assert re.search(r'<div class="[^"]*\bjp-Cell-inputWrapper\b[^"]*" tabindex="0"', body)
    assert re.search(r'<div class="[^"]*\bjp-OutputArea-output\b[^"]*" tabindex="0"', body)
    assert "&lt;b&gt;" in body and "<b>" not in body.split("</head>")[1]


def test_a_page_links_one_shared_chart_bundle_and_keeps_none_of_the_copies(tmp_path):
    """Each cell run that draws a chart carries the Vega bundle (so JupyterLab draws it offline); the page keeps none of
    the copies: the first becomes assets/vega-bundle.js, linked once, and every later one goes, also one that differs."""
    nb = tmp_path / "01_a.ipynb"
    _notebook(nb, [("md", "# A", ()), ("code", "chart()", ()), ("code", "chart()", ()), ("code", "chart()", ())])
    bundle = '<script type="text/javascript" data-vega-bundle="1">var vega = "</scr" + "ipt>";</script>'
    other = bundle.replace('"1"', '"2"')
    nb_json = json.loads(nb.read_text())
    for cell, html in zip(nb_json["cells"][1:], [bundle, bundle, other]):
        cell["outputs"] = [{"output_type": "display_data", "metadata": {},
                            "data": {"text/html": f'{html}<div class="vega-chart">chart</div>', "text/plain": "chart"}}]
    nb.write_text(json.dumps(nb_json))
    report.render(str(nb), str(tmp_path / "01_a.html"), {"index": "index.html"})
    body = (tmp_path / "01_a.html").read_text()
    assert body.count('<script src="assets/vega-bundle.js"></script>') == 1 and "data-vega-bundle" not in body
    assert body.count('<div class="vega-chart">chart</div>') == 3
    assert body.index("vega-bundle.js") < body.index("vega-chart")
    assert (tmp_path / "assets" / "vega-bundle.js").read_text() == 'var vega = "</scr" + "ipt>";'


def test_an_upgraded_or_added_package_changes_what_every_run_depends_on(tmp_path, monkeypatch):
    """dependency_versions reads each installed distribution's name and version (part of shared_hash): a
    version change, a new package or a removed one gives another hash, so every notebook runs again."""
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "Some_Lib-1.0.dist-info").mkdir()
    before = report.dependency_versions()
    assert "some_lib-1.0" in before.splitlines() and "pandas-" in before
    (tmp_path / "Some_Lib-1.0.dist-info").rename(tmp_path / "Some_Lib-1.1.dist-info")
    upgraded = report.dependency_versions()
    (tmp_path / "other-2.0.dist-info").mkdir()
    added = report.dependency_versions()
    assert len({before, upgraded, added}) == 3 and "some_lib-1.1" in upgraded.splitlines()


def test_runs_go_to_the_workers_longest_first(tmp_path, capsys):
    """Notebooks that have not run yet go first, the largest first; then the others, the longest last time first."""
    paths = {}
    for name, size in (("01_a", 10), ("02_b", 10), ("03_c", 100), ("04_d", 1000)):
        paths[name] = tmp_path / f"{name}.ipynb"
        paths[name].write_text("x" * size)
    sent = []

    class Pool:
        def submit(self, _fn, src, *_args):
            sent.append(Path(src).stem)
            return len(sent)

    state = {"01_a": {"seconds": 5.0}, "02_b": {"seconds": 9.0}}
    todo = {name: (path, "hash", True) for name, path in paths.items()}
    report._submit(Pool(), todo, state, {}, tmp_path, {name: {} for name in paths})
    assert sent == ["04_d", "03_c", "02_b", "01_a"]


def test_the_bundle_is_found_where_its_pattern_finds_it():
    """report._bundle (the opening tag's pattern, then str.find) gives the spans BUNDLE_RE gives, on pages with one or
    two bundles, none, a marker outside a script tag, an opening tag without its end and markup around them."""
    tag = f'<script type="text/javascript" {report.BUNDLE_MARKER}="6">'
    cases = [f"<p>a</p>{tag}var x = '<b>';</script><p>b</p>", f"{tag}one</script>{tag}two</script>",
             "<p>no bundle</p><script>x</script>", f"<p>{report.BUNDLE_MARKER}</p><script>x</script>",
             f"<div {report.BUNDLE_MARKER}>x</div>{tag}y</script>", f"{tag}never closed", "",
             f"<script>a</script>{tag}\n{'x' * 10000}\n</script>", f'<script data-{report.BUNDLE_MARKER}="1">z</script>']
    for body in cases:
        m = report.BUNDLE_RE.search(body)
        assert report._bundle(body) == (m and (m.start(), m.start(1), m.end(1), m.end())), body[:60]


def test_a_notebook_runs_in_the_kernel_its_worker_started_and_an_unused_one_is_dropped(tmp_path):
    """A worker starts the kernel of its next notebook early (report._start_spare): the run uses it, in the notebooks'
    folder, and ends it (kernel gone, clients closed); one that no notebook took is killed at the worker's end, its
    files removed."""
    import os

    from conftest import process_gone
    from jupyter_client.utils import run_sync

    from builder import kernels

    src = tmp_path / "a.ipynb"
    _notebook(src, [("code", "import os\nprint(os.getcwd(), os.getpid())", ())])
    with kernels.ForkServer():  # (the session's)
        report._start_spare()
        km = report._SPARE.pop("km")
        result, nb = report._execute(str(src), str(tmp_path / "out.ipynb"), {}, km)
        assert result["status"] == "ok"
        cwd, pid = nb.cells[-1].outputs[0].text.split()
        assert cwd == str(report.NB_DIR) and not run_sync(km.is_alive)()
        assert km.clients and not any(kc.channels_running for kc in km.clients) and process_gone(int(pid))

        report._start_spare()
        km = report._SPARE["km"]
        files = [km.connection_file] + [f"{km.ip}-{port}" for port in km.ports if port]
        assert any(os.path.exists(f) for f in files)
        report._drop_spare()
        assert km.provisioner.process.wait(timeout=5) is not None and report._SPARE == {}
        assert not any(os.path.exists(f) for f in files)
