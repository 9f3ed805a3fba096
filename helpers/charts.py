"""One chart set-up for every notebook: an offline Altair renderer, a theme and a source line.

Why a custom renderer: Altair's default ``html`` renderer loads Vega from a CDN (nothing draws
offline); the ``mimetype`` renderer emits a Vega-Lite v6 MIME type that nbformat rejects and
JupyterLab 4.6 cannot draw; the ``inline`` template breaks on the second chart of a page. This
renderer emits the Vega/Vega-Lite/vega-embed bundle shipped by ``vl-convert-python`` with the
first chart of every cell run (wrapped in a function and guarded on ``window.vegaEmbed``), so a
chart still draws after a re-run, a page reload, or with two copies of a notebook open; then a
``div`` and a script that finds that div as its own previous sibling (no page-wide id lookup, so
two open copies never fight over one id). The bundle's ``<script>`` carries ``data-vega-bundle``
so the site builder keeps one shared file and drops the copies.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import altair as alt

RENDERER = "offline"
THEME = "compute"
BUNDLE_MARKER = "data-vega-bundle"
_state = {"bundle_run": None, "counter": 0}


#: Bundles cached across kernels and builds (vl-convert takes about 2.5 s to produce one; reading
#: it, milliseconds). The bundle belongs to the installed vl-convert, so it lives in the environment
#: (``<venv>/share/vega-bundle``); ``build/cache`` if the environment is not writable.
CACHE_DIR = Path(sys.prefix) / "share" / "vega-bundle"
FALLBACK_CACHE_DIR = Path(__file__).resolve().parent.parent / "build" / "cache"


def _javascript_bundle() -> str:
    """vl-convert's Vega/Vega-Lite/vega-embed bundle, cached on disk per vl-convert and Vega-Lite version."""
    import vl_convert as vlc

    version = "v" + ".".join(alt.VEGALITE_VERSION.split(".")[:2])
    name = f"vega-bundle-{vlc.__version__}-{version}.js"
    for folder in (CACHE_DIR, FALLBACK_CACHE_DIR):
        try:
            return (folder / name).read_text(encoding="utf-8")
        except OSError:
            pass
    code = vlc.javascript_bundle(vl_version=version)
    for folder in (CACHE_DIR, FALLBACK_CACHE_DIR):
        try:  # write then rename, so a kernel running in parallel never reads half a file
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f"{name}.{os.getpid()}.tmp"
            tmp.write_text(code, encoding="utf-8")
            os.replace(tmp, folder / name)
            break
        except OSError:
            continue  # not writable: try the next folder; if none is, render without a cache
    return code


#: Vega-Lite sets ``Set.prototype.toJSON`` for the whole page when it loads. JupyterLab serialises
#: its own state (sets included) when a tab changes, and with that patch the tab ran out of memory
#: and crashed. So the patch is kept aside after loading and put in place only while a chart compiles.
_UNPATCH = ("var d = Object.getOwnPropertyDescriptor(Set.prototype, 'toJSON'); window.__vegaSetToJSON = d && d.value;"
            " delete Set.prototype.toJSON; window.__vegaCompiling = 0;")


def _bundle() -> str:
    code = _javascript_bundle()
    return (f'<script type="text/javascript" {BUNDLE_MARKER}="{alt.VEGALITE_VERSION}">'
            f"if (!window.vegaEmbed) {{ (function () {{\n{code}\n}})(); {_UNPATCH} }}</script>")


#: On a screen narrower than a chart (a phone), the chart is laid out for it when it is drawn: side-by-side
#: panels stack, each panel's width shrinks to the screen and legends go below, so labels keep their size
#: (a chart scaled down to fit would shrink its 11-px text to 5 px). What still does not fit scrolls inside
#: the chart's box, never the page.
_FIT = ("function fit(spec, w) { if (!w || w >= 720) { return spec; } var s = JSON.parse(JSON.stringify(spec));"
        " var width = Math.max(w - 150, 160);"
        " function lines(t, size) { var n = Math.max(Math.floor(w / (size * 0.55)), 12), out = [], cur = '';"
        " (Array.isArray(t) ? t.join(' ') : String(t)).split(' ').forEach(function (wd) {"
        " if (cur && (cur + ' ' + wd).length > n) { out.push(cur); cur = wd; } else { cur = cur ? cur + ' ' + wd : wd; } });"
        " if (cur) { out.push(cur); } return out; }"
        " function titled(node) { var t = node.title; if (!t) { return; } if (typeof t === 'string' || Array.isArray(t)) {"
        " t = node.title = {text: t}; } if (t.text) { t.text = lines(t.text, t.fontSize || 15); }"
        " if (t.subtitle && t.subtitle.length) { t.subtitle = lines(t.subtitle, t.subtitleFontSize || 11); } }"
        " (function walk(node, inLayer) { if (!node || typeof node !== 'object') { return; } titled(node);"
        " if (node.hconcat) { node.vconcat = node.hconcat; delete node.hconcat; }"
        " if (node.concat) { node.columns = 1; }"
        " ['vconcat', 'concat'].forEach(function (k) { (node[k] || []).forEach(function (c) { walk(c, false); }); });"
        " (node.layer || []).forEach(function (c) { walk(c, true); });"
        " if (!inLayer && (node.mark || node.layer) && !node.facet && (node.width === undefined || node.width > width)) {"
        " node.width = width; } })(s, false);"
        " s.config = s.config || {}; s.config.legend = Object.assign({}, s.config.legend, {orient: 'bottom'});"
        " return s; }")


def chart_html(spec: dict, include_bundle: bool, index: int) -> str:
    """HTML for one chart: optional bundle, a div with a deterministic id, and the embed call."""
    payload = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha1(payload.encode()).hexdigest()[:10]
    div_id = f"vega-chart-{index}-{digest}"
    safe = payload.replace("</", "<\\/")
    script = (
        "<script type=\"text/javascript\">(function () {"
        f"var el = (document.currentScript && document.currentScript.previousElementSibling) "
        f"|| document.getElementById('{div_id}');"
        + _FIT +
        "function done() { if (--window.__vegaCompiling <= 0) { window.__vegaCompiling = 0; delete Set.prototype.toJSON; } }"
        "function draw() { window.__vegaCompiling = (window.__vegaCompiling || 0) + 1;"
        " if (window.__vegaSetToJSON) { Set.prototype.toJSON = window.__vegaSetToJSON; }"
        " window.vegaEmbed(el, fit(" + safe + ", el.clientWidth), {renderer: 'svg', actions: false})"
        ".then(function () { el.setAttribute('data-rendered', 'true'); done(); })"
        ".catch(function (e) { el.setAttribute('data-error', String(e)); el.textContent = 'Chart failed: ' + e; done(); }); }"
        "if (window.vegaEmbed) { draw(); } else { var n = 0; var t = setInterval(function () {"
        " if (window.vegaEmbed) { clearInterval(t); draw(); } else if (++n > 100) { clearInterval(t);"
        " el.setAttribute('data-error', 'vega bundle missing'); } }, 50); }"
        "})();</script>")
    bundle = _bundle() if include_bundle else ""
    return f'{bundle}<div id="{div_id}" class="vega-chart"></div>{script}'


def _run_number():
    """The IPython execution count of the cell being run (None outside IPython)."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
        return shell.execution_count if shell is not None else None
    except ImportError:
        return None


def _render(spec: dict, **_kwargs) -> dict:
    run = _run_number()
    include = run is None or _state["bundle_run"] != run
    _state["bundle_run"] = run
    _state["counter"] += 1
    return {"text/html": chart_html(spec, include, _state["counter"])}


def _theme() -> dict:
    return {"config": {
        "font": "Helvetica, Arial, sans-serif",
        "view": {"continuousWidth": 560, "continuousHeight": 320, "stroke": None},
        "title": {"anchor": "start", "fontSize": 15, "subtitleFontSize": 11,
                  "subtitleColor": "#555", "subtitlePadding": 6},
        "axis": {"labelFontSize": 11, "titleFontSize": 12, "gridColor": "#e6e6e6"},
        "legend": {"labelFontSize": 11, "titleFontSize": 12},
        "range": {"category": ["#1f5a96", "#d1495b", "#edae49", "#66a182", "#7a5195",
                               "#00798c", "#8d6a9f", "#555555"]},
    }}


def setup() -> None:
    """Register and enable the offline renderer and the project theme (idempotent)."""
    alt.renderers.register(RENDERER, _render)
    alt.renderers.enable(RENDERER)
    alt.theme.register(THEME, enable=True)(_theme)
    alt.data_transformers.disable_max_rows()
    # A chart's spec is validated once, whole, when it is displayed (to_dict); not again, part by part, as
    # each encoding and layer is built (Altair's debug mode: about a third of a chart-heavy notebook's run).
    alt.utils.schemapi.disable_debug_mode()


#: Top-level-only properties of a Vega-Lite spec, moved out of the chart when it is wrapped with its source line.
_TOP_LEVEL = ("$schema", "config", "datasets", "background", "padding", "autosize", "usermeta")


class Sourced:
    """A chart with its source line under it: the chart's own spec (validated by Altair) inside a
    one-item ``vconcat`` whose title, at the bottom, is the source line. Built as a dict rather than
    with ``alt.vconcat``, which deep-copies every layer of the chart (over a second for a layered rule
    map); displays through the offline renderer like any chart."""

    def __init__(self, chart, caption: dict):
        self.chart, self.caption = chart, caption

    def to_dict(self) -> dict:
        inner = self.chart.to_dict()
        top = {k: inner.pop(k) for k in _TOP_LEVEL if k in inner}
        params = inner.get("params", [])
        variables = [q for q in params if "select" not in q]  # variables are top-level only; selections stay
        if variables:
            inner["params"] = [q for q in params if "select" in q]
            if not inner["params"]:
                del inner["params"]
            top["params"] = variables
        return {**top, "vconcat": [inner], "title": self.caption}

    def _repr_mimebundle_(self, include=None, exclude=None):
        return _render(self.to_dict())


def sourced(chart, title: str, source: str, subtitle: str | None = None) -> Sourced:
    """Give a chart its finding-stating title (and subtitle) and a source line under it (one chart
    has one title slot, so the source line is the title of a one-item concat, at the bottom)."""
    inner = chart.properties(title=alt.TitleParams(text=title, subtitle=[subtitle] if subtitle else []))
    caption = {"text": wrap(f"Source: {source}"), "orient": "bottom", "anchor": "start", "fontSize": 10,
               "fontWeight": "normal", "color": "#555"}
    return Sourced(inner, caption)


def wrap(text: str, width: int = 110) -> list[str]:
    """Split ``text`` into lines of at most ``width`` characters at spaces (a title's line list)."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line] if line else lines


def source_line(ids, limit: int = 300) -> str:
    """A chart's source line: ``fmt.cite`` of ``ids`` (deduplicated, in order) up to about
    ``limit`` characters, then "and N more (source ids in the tooltips)"."""
    from helpers import fmt

    cites = list(dict.fromkeys(fmt.cite([i]) for i in dict.fromkeys(ids) if i))
    shown = []
    for c in cites:
        if shown and len("; ".join(shown + [c])) > limit:
            break
        shown.append(c)
    rest = len(cites) - len(shown)
    return "; ".join(shown) + (f"; and {rest} more (source ids in the tooltips)" if rest else "")
