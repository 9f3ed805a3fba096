"""Print what a reader gets on every page of a built site, and save full-page screenshots.

    .venv/bin/python scripts/page_report.py [SITE_DIR] [--shots DIR]

For each page at 1,400 and 390 px (headless Debian Chromium): visible code and prose characters,
the page's weight without its chart specs (HTML less the contents of inline scripts) and with them,
its height, horizontal overflow, chart text under 9 px and table cells a reader should not see.
Screenshots go to build/screenshots/PAGE-WIDTH.png (or --shots DIR). Measures only; asserts nothing.
"""
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from builder import pagecheck  # noqa: E402


def weights(page: Path) -> tuple[int, int]:
    text = page.read_text(encoding="utf-8")
    bare = re.sub(r"(<script[^>]*>).*?(</script>)", r"\1\2", text, flags=re.S)
    return len(bare.encode()) // 1024, len(text.encode()) // 1024


def main(argv) -> int:
    from playwright.sync_api import sync_playwright

    shots = ROOT / "build" / "screenshots"
    if "--shots" in argv:
        i = argv.index("--shots")
        shots = Path(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    site = Path(argv[0]) if argv else ROOT / "build" / "site"
    shots.mkdir(parents=True, exist_ok=True)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    pages = sorted(site.glob("0*.html")) + [site / "index.html", site / "sources.html"]
    print(f"{'page':<30} {'code':>6} {'prose':>6} {'KB bare':>7} {'KB all':>7} {'px@1400':>8} {'px@390':>7} "
          f"overflow  small-text  bad-cells")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu",
                                                                    "--allow-file-access-from-files"])
        for page in pages:
            if not page.exists() or page.name.endswith(".failed.html"):
                continue
            m = {w: pagecheck.measure(browser, page.as_uri(), w) for w in pagecheck.WIDTHS}
            for w in pagecheck.WIDTHS:
                pagecheck.screenshot(browser, page.as_uri(), w, str(shots / f"{page.stem}-{w}.png"))
            bare, total = weights(page)
            wide, narrow = m[1400], m[390]
            print(f"{page.name:<30} {wide['code']:>6} {wide['prose']:>6} {bare:>7} {total:>7} {wide['height']:>8} "
                  f"{narrow['height']:>7} {'/'.join(str(m[w]['overflow'])[0] for w in m):>8}  "
                  f"{len(wide['small']):>4}/{len(narrow['small']):<4}  {len(wide['bad_cells'])}")
            for cell in wide["bad_cells"][:5]:
                print(f"    bad cell: {cell}")
        browser.close()
    print(f"screenshots: {shots.relative_to(ROOT) if shots.is_relative_to(ROOT) else shots}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
