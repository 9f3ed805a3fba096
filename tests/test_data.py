"""The data package: real files valid; bad inputs give one message naming file, line, column, rule."""
import json
import math

import pandas as pd
import pytest

from helpers import data


def test_project_data_is_valid():
    assert data.validate() == []


def test_every_resource_has_sources_foreign_key_and_units():
    pkg = data.read_package()
    for res in pkg["resources"]:
        if res["name"] == "sources":
            continue
        fks = [fk for fk in res["schema"].get("foreignKeys", []) if fk["reference"]["resource"] == "sources"]
        assert fks, f"{res['path']} has no foreign key into sources.csv"
        for field in res["schema"]["fields"]:
            if field.get("type") in ("number", "integer") and not field["name"].endswith("_id"):
                assert field.get("unit"), f"{res['path']}: numeric field {field['name']} has no unit"


def test_table_name_fields_name_every_table():
    """claim_checks names the table a check reads: its pattern lists the package's tables, all of them (a table added
    to the package without it would fail validation with a pattern message that does not say why)."""
    pkg = data.read_package()
    names = {r["name"] for r in pkg["resources"]}
    checks = next(r for r in pkg["resources"] if r["name"] == "claim_checks")
    for field in checks["schema"]["fields"]:
        if field["name"] in ("table", "later_table"):
            assert set(field["constraints"]["pattern"].strip("()").split("|")) == names, field["name"]


def test_load_types_columns():
    src = data.load("sources")
    assert src["id"].is_unique
    assert str(src["published_date"].dtype).startswith("datetime64")


def _replace_line(path, lineno, new):
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[lineno - 1] = new
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _first_problem(data_dir):
    problems = data.validate(data_dir)
    assert problems, "expected a validation problem"
    return problems[0]


def test_malformed_row_names_file_and_line(data_copy):
    path = data_copy / "sources.csv"
    _replace_line(path, 3, "broken_row,only,three")
    msg = _first_problem(data_copy)
    assert "data/sources.csv" in msg or "sources.csv" in msg
    assert "line 3" in msg and "3 cells where the schema has 13 columns" in msg


def test_bad_date_names_column(data_copy):
    path = data_copy / "sources.csv"
    text = path.read_text(encoding="utf-8").replace("2024-09-01", "Sept 2024", 1)
    path.write_text(text, encoding="utf-8")
    msg = _first_problem(data_copy)
    assert "sources.csv, line 3, column 'published_date'" in msg
    assert "not a date" in msg and "rule: type" in msg


def test_enum_violation(data_copy):
    path = data_copy / "sources.csv"
    text = path.read_text(encoding="utf-8").replace(",press,", ",blog,", 1)
    path.write_text(text, encoding="utf-8")
    msg = _first_problem(data_copy)
    assert "column 'kind'" in msg and "'blog' is not one of" in msg and "rule: enum" in msg


def test_missing_header_column(data_copy):
    path = data_copy / "sources.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace(",original_date", "")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    msg = _first_problem(data_copy)
    assert "sources.csv, line 1 (header)" in msg and "original_date" in msg


def test_duplicate_primary_key(data_copy):
    path = data_copy / "sources.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.append(lines[1])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    msg = _first_problem(data_copy)
    assert f"line {len(lines)}" in msg and "repeats an earlier row" in msg


def test_missing_file(data_copy):
    (data_copy / "sources.csv").unlink()
    assert "sources.csv: file listed in datapackage.json is missing" in _first_problem(data_copy)


def test_every_error_is_reported_foreign_keys_included(data_copy):
    """A bad date, a negative value and an unknown source in one package: all three are named."""
    src = data_copy / "sources.csv"
    src.write_text(src.read_text(encoding="utf-8").replace("2024-09-01", "Sept 2024", 1), encoding="utf-8")
    specs = data_copy / "chip_specs.csv"
    lines = specs.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",312,", ",-312,", 1)
    lines[2] = lines[2].replace("chips_nvidia_a100_datasheet", "nowhere_src")
    specs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = data.validate(data_copy)
    assert any("sources.csv, line 3, column 'published_date': 'Sept 2024' is not a date" in p for p in problems)
    assert any("chip_specs.csv, line 2, column 'value': -312 is below the minimum 0" in p for p in problems)
    assert any("chip_specs.csv, line 3, column 'source_id': 'nowhere_src' is not an id in sources.csv" in p
               for p in problems)


def test_empty_table_is_an_error(data_copy):
    path = data_copy / "chips.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    assert any("chips.csv: no data rows" in p for p in data.validate(data_copy))


def test_missing_source_and_wrong_unit(data_copy):
    """A row citing an unknown source and a value in the wrong unit, caught by a tiny extra table."""
    pkg = json.loads((data_copy / "datapackage.json").read_text())
    pkg["resources"].append({"name": "demo", "path": "demo.csv", "schema": {
        "fields": [{"name": "bandwidth_tbps", "type": "number", "unit": "TB/s",
                    "constraints": {"required": True, "minimum": 0, "maximum": 20}},
                   {"name": "source_id", "type": "string", "constraints": {"required": True}}],
        "foreignKeys": [{"fields": "source_id", "reference": {"resource": "sources", "fields": "id"}}]}})
    (data_copy / "datapackage.json").write_text(json.dumps(pkg))
    (data_copy / "demo.csv").write_text("bandwidth_tbps,source_id\n4.0,nowhere\n", encoding="utf-8")
    msg = _first_problem(data_copy)
    assert "demo.csv, line 2, column 'source_id': 'nowhere' is not an id in sources.csv" in msg
    (data_copy / "demo.csv").write_text("bandwidth_tbps,source_id\n4000,art_malaysia_b200\n", encoding="utf-8")
    msg = _first_problem(data_copy)
    assert "demo.csv, line 2, column 'bandwidth_tbps': 4000 is above the maximum 20 TB/s" in msg


def test_load_raises_one_readable_error(data_copy):
    (data_copy / "sources.csv").write_text("id,publisher\n", encoding="utf-8")
    with pytest.raises(data.DataError) as err:
        data.load("sources", data_copy)
    assert "sources.csv, line 1 (header)" in str(err.value) and "Traceback" not in str(err.value)


@pytest.mark.parametrize("old, new, text", [
    ("2024-09-01", "20240901", "column 'published_date': '20240901' is not a date written YYYY-MM-DD"),
    ("2024-09-01", "2024-W35-7", "column 'published_date': '2024-W35-7' is not a date written YYYY-MM-DD"),
])
def test_dates_are_strict_iso(data_copy, old, new, text):
    path = data_copy / "sources.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    assert any("sources.csv, line 3, " + text in p for p in data.validate(data_copy))


def test_numbers_are_plain_decimals(data_copy):
    path = data_copy / "exchange_rates.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("7.0809", "7_0809", 1), encoding="utf-8")
    assert any("exchange_rates.csv, line 2, column 'rmb_per_usd': '7_0809' is not a plain decimal number" in p
               for p in data.validate(data_copy))


@pytest.mark.parametrize("value, text", [("1e999", "'1e999' is not a finite number"),
                                         ("inf", "'inf' is not a plain decimal number"),
                                         ("nan", "'nan' is not a plain decimal number")])
def test_numbers_are_finite(data_copy, value, text):
    """A number too large for a float (1e999 reads as infinity) or written inf / nan is refused."""
    path = data_copy / "chip_specs.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("a100_sxm,dense_bf16_tflops,312,", f"a100_sxm,dense_bf16_tflops,{value},", 1),
                    encoding="utf-8")
    assert any(f"chip_specs.csv, line 2, column 'value': {text}" in p for p in data.validate(data_copy))


def test_bom_bad_byte_and_open_quote_name_file_and_line(data_copy):
    path = data_copy / "exchange_rates.csv"
    original = path.read_bytes()
    path.write_bytes(b"\xef\xbb\xbf" + original)
    assert data.validate(data_copy) == [f"{path}, line 1: the file starts with a UTF-8 byte-order mark "
                                        "(save it as UTF-8 without BOM)"]
    lines = original.split(b"\n")
    path.write_bytes(b"\n".join(lines[:3] + [lines[3].replace(b"fx03", b"fx\xff3")] + lines[4:]))
    assert any("exchange_rates.csv, line 4: byte 0xff is not UTF-8" in p for p in data.validate(data_copy))
    path.write_bytes(b"\n".join(lines[:4] + [lines[4].replace(b"fx04,", b'fx04,"2024-11-01,')] + lines[5:]))
    assert any("exchange_rates.csv, line 5: cannot be read as CSV" in p and "unterminated quote" in p
               for p in data.validate(data_copy))


def test_valid_verdict_is_kept_per_validator_in_build(data_copy, tmp_path, monkeypatch):
    """The stamp that spares kernels a second validation lives in build/, keyed by the data and by the
    validator: the same pair is validated once; a changed validator validates again."""
    monkeypatch.setattr(data, "STAMP_DIR", tmp_path / "stamps")
    calls = []
    real = data._problems
    monkeypatch.setattr(data, "_problems", lambda pkg, d: calls.append(d) or real(pkg, d))
    data._validated.cache_clear()
    assert data.validate(data_copy) == [] and len(calls) == 1
    data._validated.cache_clear()  # as a new process would: the stamp is found, nothing is re-checked
    assert data.validate(data_copy) == [] and len(calls) == 1
    monkeypatch.setattr(data, "_validator_key", lambda: "another-validator")
    data._validated.cache_clear()
    assert data.validate(data_copy) == [] and len(calls) == 2
    data._validated.cache_clear()


def test_broken_data_is_reported_again_by_every_process(data_copy):
    import subprocess
    import sys

    path = data_copy / "chips.csv"
    path.write_text(path.read_text().replace(",2022-09-20,", ",2022-13-20,", 1))
    code = f"from helpers import data; print(len(data.validate({str(data_copy)!r})))"
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           cwd=data.Path(data.__file__).parent.parent).stdout.strip() for _ in range(2)]
    assert runs == ["1", "1"]


def test_stamps_live_in_build_not_in_the_environment():
    import sys

    assert data.STAMP_DIR.is_relative_to(data.Path(data.__file__).resolve().parent.parent / "build")
    assert not data.STAMP_DIR.is_relative_to(sys.prefix)


def test_reliable_drops_aggregator_rows_only():
    rows = pd.DataFrame({"source_id": ["p", "farm", "untiered"]})
    assert list(data.reliable(rows, {"p": "primary", "farm": "aggregator"}).source_id) == ["p", "untiered"]
    # default tiers: sources.csv
    tiers = data.load("sources").set_index("id").tier
    assert set(data.reliable(data.load("sources").rename(columns={"id": "source_id"})).tier) == set(tiers) - {"aggregator"}


def test_headline_sources_keep_primary_and_reputable_only():
    tiers = {"p": "primary", "r": "reputable", "y": "relay", "a": "aggregator"}
    assert data.headline_sources(["y", "p", "a", "r", "p", "unknown"], tiers) == ["p", "r"]
    # sources.csv: a relay names its original; Nvidia's Q1 FY2026 release is now cited from the company's own page
    s = data.load("sources").set_index("id")
    assert s.loc["route_bt_h200_approval_2026_01", ["tier", "original_publisher"]].tolist() == ["relay", "Reuters"]
    assert data.headline_sources(["route_bt_h200_approval_2026_01", "rev_nvda_pr_q1fy2026"]) == ["rev_nvda_pr_q1fy2026"]
    assert s[s.tier.eq("relay")].original_publisher.notna().all()


def test_value_range_spans_the_low_and_high_columns():
    rows = pd.DataFrame({"value_millions": [5.0, None], "value_low_millions": [4.0, None], "value_high_millions": [None, 9.0]})
    assert data.value_range(rows, "value_millions") == (4.0, 9.0)
    assert data.value_range(pd.DataFrame({"value": [2.0], "value_high": [3.0]})) == (2.0, 3.0)
    assert all(math.isnan(v) for v in data.value_range(rows.iloc[:0], "value_millions"))


def test_markup_in_any_coded_field_is_refused(tmp_path):
    """Every field the code reads as a code, key, period or query (each string field with an enum or a pattern,
    enumerated from datapackage.json) refuses markup: planted in one value of each, validation names them all.
    (tests/test_browser.py plants it in every string field and builds with what validation accepts.)"""
    import csv
    import io
    import json
    import shutil

    from test_browser import PAYLOAD

    shutil.copytree(data.DATA_DIR, tmp_path / "data")
    pkg = json.loads((tmp_path / "data" / "datapackage.json").read_text(encoding="utf-8"))
    coded = set()
    for res in pkg["resources"]:
        fields = [f["name"] for f in res["schema"]["fields"] if f.get("type", "string") == "string"
                  and {"enum", "pattern"} & set(f.get("constraints", {}))]
        path = tmp_path / "data" / res["path"]
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        for name in fields:
            i = rows[0].index(name)
            row = next((r for r in rows[1:] if r[i]), None)
            if row is not None:
                row[i] += PAYLOAD
                coded.add(f"{res['path']}, line {rows.index(row) + 1}, column '{name}'")
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")
    assert len(coded) > 30
    problems = " ".join(data.validate(tmp_path / "data"))
    assert [c for c in coded if c not in problems] == []


def _with_peer_fleets(data_dir):
    """The small package with data/peer_fleets.csv added (its only foreign key is into sources.csv)."""
    import shutil

    pkg_file = data_dir / "datapackage.json"
    pkg = json.loads(pkg_file.read_text(encoding="utf-8"))
    pkg["resources"].append(next(r for r in data.read_package()["resources"] if r["name"] == "peer_fleets"))
    pkg_file.write_text(json.dumps(pkg), encoding="utf-8")
    shutil.copy(data.DATA_DIR / "peer_fleets.csv", data_dir / "peer_fleets.csv")
    return data_dir / "peer_fleets.csv"


def test_peer_fleets_as_the_project_has_them_pass(data_copy):
    _with_peer_fleets(data_copy)
    assert data.validate(data_copy) == []


@pytest.mark.parametrize("old, new, message", [
    # ByteDance's row renamed to another known firm: the schema's pattern allows it, notebook 06 would find no row
    ("pf02,ByteDance,", "pf02,Meta,", "peer_fleets.csv, column 'owner': no row of 'ByteDance' measured 'bought_in_year' "
                                      "(rule: notebook 06 compares ByteDance's chips bought in a year"),
    ("pf03,Tencent,", "pf03,ByteDance,", "peer_fleets.csv, line 4, column 'owner': a second row of 'ByteDance' measured "
                                         "'bought_in_year' (the first is line 3)"),
    ("pf04,Meta,2024,", "pf04,Meta,2025,", "peer_fleets.csv, line 5, column 'year': 2025 where ByteDance's row measured "
                                           "'bought_in_year' (line 3) has 2024"),
])
def test_peer_fleets_must_hold_the_comparison_notebook_06_makes(data_copy, old, new, message):
    path = _with_peer_fleets(data_copy)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    problems = data.validate(data_copy)
    assert len(problems) == 1 and problems[0].split("/")[-1].startswith(message), problems


def test_peer_fleets_without_another_firm_fail(data_copy):
    path = _with_peer_fleets(data_copy)
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = [ln for ln in lines if ",bought_in_year," not in ln or ",ByteDance," in ln]
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    assert [p.split("/")[-1] for p in data.validate(data_copy)] == [
        "peer_fleets.csv, column 'owner': no firm besides 'ByteDance' has a row measured 'bought_in_year' (rule: "
        "notebook 06 compares ByteDance's chips bought in a year with the largest other firm's that year)"]


def test_a_loaded_table_is_the_callers_to_change():
    """load() hands out copies: changing one (a cell, a new column) leaves the next load as in the file."""
    first = data.load("sources")
    publisher = first.publisher.iloc[0]
    first.loc[first.index[0], "publisher"] = "changed"
    first["extra"] = 1
    again = data.load("sources")
    assert again.publisher.iloc[0] == publisher != "changed" and "extra" not in again.columns


def test_a_memo_hands_out_copies_of_its_tables_alone_or_in_a_tuple():
    """A table a memo returns (fleet's batches: two in a tuple) is the caller's to change; the cache keeps its own."""
    @data.memo
    def tables():
        t = data.load("sources")[["id", "publisher"]]
        return t, (t, 1)

    first, (inner, one) = tables()
    first.loc[first.index[0], "publisher"] = "changed"
    inner["extra"] = 1
    again, (inner_again, _) = tables()
    assert again.publisher.iloc[0] != "changed" and "extra" not in inner_again.columns and one == 1


def test_in_a_notebook_the_files_are_looked_at_once_per_cell_run(data_copy, monkeypatch):
    """A chart-heavy notebook loads tables a thousand times: in a notebook data/ is looked at once per cell run, so
    an edit shows from the next cell run on; outside a notebook (run None) at every call."""
    run = [None]
    monkeypatch.setattr(data, "_cell_run", lambda: run[0])
    path = data_copy / "exchange_rates.csv"
    before = len(data.load("exchange_rates", data_copy))
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines + [lines[-1].replace(lines[-1].split(",")[0], lines[-1].split(",")[0] + "x", 1)]) + "\n")
    assert len(data.load("exchange_rates", data_copy)) == before + 1  # not in a notebook: seen at once
    run[0] = 7
    data.load("exchange_rates", data_copy)
    path.write_text("\n".join(lines) + "\n")
    assert len(data.load("exchange_rates", data_copy)) == before + 1  # the same cell run: the files as it first saw them
    run[0] = 8
    assert len(data.load("exchange_rates", data_copy)) == before  # the next cell run sees the edit
