import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: the tables the bad-input tests break, with the tables their foreign keys point to
SMALL_PACKAGE = ("sources", "chips", "chip_specs", "exchange_rates")


@pytest.fixture
def data_copy(tmp_path):
    """A writable copy of data/ to break in a test: the package cut to :data:`SMALL_PACKAGE` (the whole
    package's validity is tested on data/ itself), so each bad-input test validates four tables, not all."""
    dst = tmp_path / "data"
    dst.mkdir()
    pkg = json.loads((ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))
    pkg["resources"] = [r for r in pkg["resources"] if r["name"] in SMALL_PACKAGE]
    for res in pkg["resources"]:
        shutil.copy(ROOT / "data" / res["path"], dst / res["path"])
        fks = res["schema"].get("foreignKeys", [])
        assert all(fk["reference"]["resource"] in SMALL_PACKAGE + ("",) for fk in fks), res["name"]
    (dst / "datapackage.json").write_text(json.dumps(pkg, indent=2), encoding="utf-8")
    return dst
