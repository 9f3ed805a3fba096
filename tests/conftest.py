import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: the tables the bad-input and builder tests touch, with the tables their foreign keys point to
SMALL_PACKAGE = ("sources", "chips", "chip_specs", "exchange_rates")


def copy_small_package(dst: Path) -> Path:
    """data/ cut to :data:`SMALL_PACKAGE` in ``dst`` (the whole package's validity is tested on data/ itself),
    so a test that breaks or rebuilds it validates four tables, not all."""
    dst.mkdir(parents=True)
    pkg = json.loads((ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))
    pkg["resources"] = [r for r in pkg["resources"] if r["name"] in SMALL_PACKAGE]
    for res in pkg["resources"]:
        shutil.copy(ROOT / "data" / res["path"], dst / res["path"])
        fks = res["schema"].get("foreignKeys", [])
        assert all(fk["reference"]["resource"] in SMALL_PACKAGE + ("",) for fk in fks), res["name"]
    (dst / "datapackage.json").write_text(json.dumps(pkg, indent=2), encoding="utf-8")
    return dst


@pytest.fixture
def data_copy(tmp_path):
    """A writable copy of the data package (cut to four tables) to break in a test."""
    return copy_small_package(tmp_path / "data")

