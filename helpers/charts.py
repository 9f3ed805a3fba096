"""One chart set-up for every notebook: an offline Altair renderer, a theme and a source line.

Why a custom renderer: Altair's default ``html`` renderer loads Vega from a CDN (nothing draws
offline); the ``mimetype`` renderer emits a Vega-Lite v6 MIME type that nbformat rejects and
JupyterLab 4.6 cannot draw; the ``inline`` template breaks on the second chart of a page. This
renderer emits the Vega/Vega-Lite/vega-embed bundle shipped by ``vl-convert-python`` with the
first chart a kernel draws (wrapped in a function and guarded on ``window.vegaEmbed``); every chart
is then a ``div`` and a script that finds that div as its own previous sibling (no page-wide id
lookup, so two open copies never fight over one id) and draws once the bundle has run: in JupyterLab
after a re-run, a page reload (the saved first chart runs the bundle again) or with two copies of a
notebook open. One copy per kernel, not one per cell run: each copy is 0.9 MB that the kernel sends,
papermill stores and the builder reads back, 8 MB for the notebook with the most charts. The bundle's
``<script>`` carries ``data-vega-bundle`` so the site builder keeps it as one shared file.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd

RENDERER = "offline"
THEME = "compute"
BUNDLE_MARKER = "data-vega-bundle"
_state = {"bundle_sent": False, "counter": 0}
_READ: dict = {}  # (folder, bundle file name) -> the bundle read from it


#: Bundles cached across kernels and builds (vl-convert takes about 2.5 s to produce one; reading
#: it, milliseconds). The bundle belongs to the installed vl-convert, so it lives in the environment
#: (``<venv>/share/vega-bundle``); ``build/cache`` if the environment is not writable.
CACHE_DIR = Path(sys.prefix) / "share" / "vega-bundle"
FALLBACK_CACHE_DIR = Path(__file__).resolve().parent.parent / "build" / "cache"


def _javascript_bundle() -> str:
    """vl-convert's Vega/Vega-Lite/vega-embed bundle, cached on disk per vl-convert and Vega-Lite version (and kept in
    memory once read: every cell that draws a chart carries it)."""
    import vl_convert as vlc

    version = "v" + ".".join(alt.VEGALITE_VERSION.split(".")[:2])
    name = f"vega-bundle-{vlc.__version__}-{version}.js"
    for folder in (CACHE_DIR, FALLBACK_CACHE_DIR):
        if (folder, name) in _READ:
            return _READ[folder, name]
        try:
            _READ[folder, name] = (folder / name).read_text(encoding="utf-8")
            return _READ[folder, name]
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


#: An explorer is drawn once the page has loaded and painted: the page's text and other charts come first.
_AFTER_PAINT = ("function later() { setTimeout(go, 0); }"
                " if (document.readyState === 'complete') { later(); } else { window.addEventListener('load', later); }")


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
        "function go() { if (window.vegaEmbed) { draw(); } else { var n = 0; var t = setInterval(function () {"
        " if (window.vegaEmbed) { clearInterval(t); el.textContent = ''; draw(); } else if (++n === 100) {"
        " el.textContent = " + json.dumps(WAITING) + "; } }, 50); } }"
        + (_AFTER_PAINT if (spec.get("usermeta") or {}).get("explorer") else "go();") +
        "})();</script>")
    bundle = _bundle() if include_bundle else ""
    return f'{bundle}<div id="{div_id}" class="vega-chart"></div>{script}'


#: Shown in a chart's box while it waits (after 5 s) for the bundle that the kernel's first chart carried (its output
#: hidden, cleared or not yet rendered); the chart draws as soon as the bundle runs.
WAITING = ("Waiting for the chart library, which comes with the first chart this notebook drew: show that chart, or run "
           "the notebook again.")


def _plain(spec: dict) -> str:
    """A chart in plain text (for a reader without HTML, and instead of the object's address in memory, so that the
    same inputs give the same executed notebook): 'Chart: ' and the title of its first panel (a sourced chart's
    finding; its own title is the source line), or its own title."""
    for node in (*spec.get("vconcat", [])[:1], spec):
        title = node.get("title")
        text = title.get("text") if isinstance(title, dict) else title
        text = " ".join(text) if isinstance(text, list) else text
        if text:
            return f"Chart: {text}"
    return "Chart"


def _render(spec: dict, **_kwargs) -> dict:
    include = not _state["bundle_sent"]
    _state["bundle_sent"] = True
    _state["counter"] += 1
    return {"text/html": chart_html(spec, include, _state["counter"]), "text/plain": _plain(spec)}


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
    alt.data_transformers.register(RENDERER, _to_values)
    alt.data_transformers.enable(RENDERER)  # (no row limit)
    # A chart's spec is validated once, whole, when it is displayed (to_dict); not again, part by part, as
    # each encoding and layer is built (Altair's debug mode: about a third of a chart-heavy notebook's run).
    alt.utils.schemapi.disable_debug_mode()
    _reuse_class_table()
    _copy_charts_as_built()


def _to_values(data, max_rows: int | None = None) -> dict:
    """Altair's default data transformer (with no row limit by default), the same values, made column by column in
    plain Python for a DataFrame of float, integer, boolean, date-time, text and object columns: Altair makes them with
    several pandas calls per column (a tenth of a chart-heavy notebook's run). Other frames and data: Altair's."""
    from altair.utils.data import limit_rows, to_values

    if max_rows is not None:
        data = limit_rows(data, max_rows=max_rows)
    records = _records(data) if isinstance(data, pd.DataFrame) else None
    return {"values": records} if records is not None else to_values(data)


def _records(df: pd.DataFrame) -> list[dict] | None:
    """``to_values(df)["values"]`` as Altair's ``sanitize_pandas_dataframe`` then ``to_dict("records")`` make it
    (NaN and infinities None, numbers and booleans Python's, date-times ISO text, missing ones ''), or None for a
    frame it does not cover (column names other than text, hierarchical labels, other column types, arrays in cells)."""
    from pandas.core.dtypes.cast import maybe_box_native

    if (isinstance(df.index, pd.MultiIndex) or isinstance(df.columns, pd.MultiIndex)
            or not all(isinstance(c, str) for c in df.columns)):
        return None
    columns = []
    for name, col in df.items():
        kind = col.dtype
        if isinstance(kind, pd.StringDtype):  # (text, pandas' default for it from 3.0)
            out = col.to_numpy(dtype=object, na_value=None).tolist()
        elif not isinstance(kind, np.dtype):  # category, nullable, time-zoned, …
            return None
        elif kind.kind == "f":
            values = col.to_numpy()
            out = values.tolist()
            for i in np.flatnonzero(~np.isfinite(values)).tolist():
                out[i] = None
        elif kind.kind in "iub":
            out = col.to_numpy().tolist()
        elif kind.kind == "M":
            out = [text if text != "NaT" else "" for text in (x.isoformat() for x in col)]
        elif kind.kind == "O":
            values = col.to_numpy()
            if any(isinstance(v, np.ndarray) for v in values):
                return None
            missing = pd.isna(values).tolist()
            out = [None if gone else maybe_box_native(v) for v, gone in zip(values.tolist(), missing)]
        else:
            return None
        columns.append(out)
    names = list(df.columns)
    return [dict(zip(names, row)) for row in zip(*columns)] if columns else [{} for _ in range(len(df))]


def _reuse_class_table() -> None:
    """Altair rebuilds, on every ``from_dict`` (each string shorthand of ``encode``), a table of every schema class
    keyed by a JSON hash of its schema: about 50,000 ``json.dumps`` for one chart-heavy notebook, half a second. The
    table depends only on the classes, so it is built once per set of classes and reused (idempotent)."""
    from altair.utils import schemapi

    table = getattr(schemapi, "_FromDict", None)
    if table is None or getattr(table, "_reused", False):  # (None: another Altair, which keeps its own way)
        return
    build, tables = table.__init__, {}
    # (the classes come from a walk of every subclass of SchemaBase, some 600, made again at each from_dict as well: it
    # is made once, and again only after a class is defined under SchemaBase, which each definition counts)
    base, walk, walks, defined = schemapi.SchemaBase, schemapi._subclasses, {}, [0]

    def counted(cls, **kwargs):
        defined[0] += 1
        super(base, cls).__init_subclass__(**kwargs)

    def subclasses(cls):
        key = (cls, defined[0])
        if key not in walks:
            walks[key] = tuple(walk(cls))
        return iter(walks[key])

    base.__init_subclass__, schemapi._subclasses = classmethod(counted), subclasses

    def init(self, wrapper_classes, /):
        key = tuple(wrapper_classes)
        if key not in tables:
            build(self, key)
            tables[key] = self.class_dict
        self.class_dict = tables[key]

    table.__init__, table._reused = init, True


def _copy_charts_as_built() -> None:
    """Altair deep-copies a chart by calling its class again on copies of its parts, and a layered or concatenated
    chart's constructor deep-copies its parts once more (to lift their data and parameters): copying a chart of
    nested layers re-copies each level once per level above it, over a second for one notebook. A chart's parts
    are already lifted when it is built, so every schema object is copied as built: the same class holding copies
    of the same parts, without the constructor (the same spec); the dozens of unset properties each one holds, and
    other plain values, are shared instead of passed through a call each (idempotent)."""
    from altair.utils import schemapi

    deep_copy = getattr(schemapi, "_deep_copy", None)
    if deep_copy is None or getattr(deep_copy, "_as_built", False):  # (None: another Altair, which keeps its own way)
        return
    base, nested = schemapi.SchemaBase, (schemapi.SchemaBase, list, dict)

    def copy(obj, by_ref):
        if isinstance(obj, base):
            if getattr(obj, "__deepcopy__", None) is not None:
                return deep_copy(obj, by_ref)
            args = tuple(copy(v, by_ref) if isinstance(v, nested) else v for v in obj._args)
            kwds = {k: copy(v, by_ref) if isinstance(v, nested) and k not in by_ref else v for k, v in obj._kwds.items()}
            new = object.__new__(type(obj))
            new.__dict__.update(obj.__dict__)
            object.__setattr__(new, "_args", args)
            object.__setattr__(new, "_kwds", kwds)
            return new
        if isinstance(obj, list):
            return [copy(v, by_ref) if isinstance(v, nested) else v for v in obj]
        if isinstance(obj, dict):
            return {k: copy(v, by_ref) if isinstance(v, nested) and k not in by_ref else v for k, v in obj.items()}
        return obj

    copy._as_built = True
    schemapi._deep_copy = copy


#: Top-level-only properties of a Vega-Lite spec, moved out of the chart when it is wrapped with its source line.
_TOP_LEVEL = ("$schema", "config", "datasets", "background", "padding", "autosize", "usermeta")


class Sourced:
    """A chart with its source line under it: the chart's own spec inside a
    one-item ``vconcat`` whose title, at the bottom, is the source line. Built as a dict rather than
    with ``alt.vconcat``, which deep-copies every layer of the chart (over a second for a layered rule
    map); displays through the offline renderer like any chart."""

    def __init__(self, chart, caption: dict):
        self.chart, self.caption = chart, caption

    def to_dict(self) -> dict:
        inner = self.chart.to_dict(validate=False)  # the schema check runs in the tests (test_explorers.py), not here
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


class Built:
    """A Vega-Lite spec written as a dict, displayed through the offline renderer like a chart."""

    def __init__(self, spec: dict):
        self.spec = spec

    def to_dict(self) -> dict:
        return self.spec

    def _repr_mimebundle_(self, include=None, exclude=None):
        return _render(self.spec)


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


# --- scenario explorers ------------------------------------------------------------------------------
# A finding recomputed for a grid of assumptions by the Python helpers when the notebook runs, embedded as
# chart data; in the page, inputs bound to Vega-Lite parameters select one row of the grid (filter
# transforms). No model is written in the page: it only looks values up and joins the command's words.

#: Largest explorer payload (the chart's JSON), bytes.
EXPLORER_MAX_BYTES = 60_000
#: Grid rows an explorer aims at (a lattice's ``most`` stops follow from it): about 250 bytes a row keeps the
#: payload well under :data:`EXPLORER_MAX_BYTES`.
EXPLORER_ROWS = 210


def axis(name: str, label: str, values, default, labels: dict | None = None, parameter: bool = True) -> dict:
    """One assumption of an explorer: the notebook parameter ``name`` over ``values`` (numbers evenly spaced:
    a slider; otherwise a drop-down, shown with ``labels``), starting at ``default`` (one of ``values``). With
    ``parameter`` False it picks a view of the finding (e.g. a basis) and stays out of the command."""
    values = [_clean(v) for v in values]
    default = _clean(default)
    if default not in values:
        raise ValueError(f"explorer axis {name!r}: default {default!r} is not one of its values {values}")
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    steps = sorted({_clean(b - a) for a, b in zip(values, values[1:])}) if numeric else []
    slider = numeric and len(values) > 2 and len(steps) == 1 and values == sorted(values)
    return {"name": name, "label": label, "values": values, "default": default, "numeric": numeric,
            "slider": slider, "step": steps[0] if slider else None, "labels": labels or {}, "parameter": parameter}


def lattice(default: float, low: float, high: float, step: float, most: int | None = None) -> list[float]:
    """``default`` plus and minus whole steps of ``step``, inside [``low``, ``high``] widened to take in ``default``
    (a slider's stops that include the run's value, whatever it is); with ``most``, the step is doubled until there
    are at most ``most`` stops (an explorer's data stays small when other axes have more values)."""
    low, high = min(low, default), max(high, default)
    while True:
        k_lo, k_hi = int(np.floor((low - default) / step + 1e-9)), int(np.floor((high - default) / step + 1e-9))
        stops = [_clean(default + k * step) for k in range(k_lo, k_hi + 1) if low - 1e-12 <= default + k * step <= high + 1e-12]
        if most is None or len(stops) <= max(most, 1):
            return stops
        step *= 2


def _clean(v):
    """A grid value as the page will read it: numbers to 10 significant digits (0.30000000000000004 -> 0.3)."""
    if isinstance(v, (bool, np.bool_)) or isinstance(v, str):
        return v
    if isinstance(v, (int, np.integer)):
        return int(v)
    f = float(f"{float(v):.10g}")
    return int(f) if f.is_integer() and abs(f) < 1e15 else f


def _match(a: dict) -> str:
    """Vega expression: the grid row's value of axis ``a`` is the input's (numbers within rounding)."""
    p, col = f"x_{a['name']}", f"datum[{json.dumps(a['name'])}]"
    return f"abs({col} - {p}) <= 1e-9 * max(1, abs({p}))" if a["numeric"] else f"{col} === {p}"


def _binding(a: dict) -> dict:
    """The input of axis ``a``: a slider over evenly spaced numbers, else a drop-down with the values' labels."""
    if a["slider"]:
        return {"input": "range", "min": min(a["values"]), "max": max(a["values"]), "step": a["step"], "name": a["label"] + " "}
    return {"input": "select", "options": a["values"], "labels": [str(a["labels"].get(v, v)) for v in a["values"]],
            "name": a["label"] + " "}


def command(notebook: str, axes, fixed: dict | None = None) -> str:
    """Vega expression of the reproducing command for the selected row, one ``-p name value`` per line
    (a backslash ends each line, so the lines paste into a shell as one command): each axis's value, read
    from the row, then ``fixed`` (the run's other non-default parameters)."""
    words = [f"'-p {a['name']} ' + datum[{json.dumps(a['name'])}]" for a in axes if a.get("parameter", True)]
    words += [json.dumps(f"-p {k} {v}") for k, v in (fixed or {}).items()]
    joint = " + " + json.dumps(" \\\n  ") + " + "
    return json.dumps(f"make notebook NB={notebook} \\\n  PARAMS=\"") + " + " + joint.join(words) + " + '\"'"


def non_default(P: dict, notebook: str, skip=()) -> dict:
    """The run's parameters that differ from the notebook's defaults (not those in ``skip``): the words a
    reproducing command must carry besides the explorer's own (a value with a space is quoted)."""
    from helpers import params

    d = params.defaults(notebook)
    return {k: (f"'{P[k]}'" if " " in str(P[k]) else P[k]) for k in d
            if k not in skip and P[k] is not None and P[k] != d[k]}


def _grid_rows(grid, axes, x: str) -> pd.DataFrame:
    """The explorer's rows: one per combination of the axes' values (else ValueError), numbers as the page reads
    them, the text wrapped for a phone, the command's line under it (``cmd_y``) and a drop-down axis ``x``'s labels."""
    names = [a["name"] for a in axes]
    g = grid[names + ["value", "low", "high", "text"]].copy()
    for n in names:
        g[n] = g[n].map(_clean)
    expected = int(np.prod([len(a["values"]) for a in axes]))
    if len(g) != expected or g.duplicated(names).any():
        raise ValueError(f"explorer grid has {len(g)} rows, not one per combination of its axes ({expected})")
    for c in ("value", "low", "high"):  # 5 significant digits (the page shows fewer); null where there is no value
        g[c] = [float(f"{v:.5g}") if np.isfinite(v) else None for v in g[c].astype(float)]
    g["text"] = ["\n".join(wrap(t, 36)) for t in g.text]  # a phone's width at 17 px
    g["cmd_y"] = 21 * (g.text.str.count("\n") + 1) + 6  # the command's first line, under the finding's
    xa = next(a for a in axes if a["name"] == x)
    if not xa["numeric"]:
        g["x_label"] = g[x].map({v: str(xa["labels"].get(v, v)) for v in xa["values"]})
    return g


def explorer(grid, axes, *, notebook: str, x: str, title: str, source: str, value_title: str,
             value_format: str = ".2f", fixed: dict | None = None, subtitle: str | None = None) -> Built:
    """A scenario explorer: one input per axis (:func:`axis`), the selected row's ``text`` (the finding and its
    range, worded in Python) and the command that re-runs the notebook for it, and a small chart of ``value``
    (with ``low``–``high``) across axis ``x``, the other axes held at their inputs. ``grid`` has a column per
    axis and ``value``, ``low``, ``high``, ``text``; one row per combination of the axes' values. The spec is
    written as a dict (Altair's copies of layered charts cost a third of a second; tests/test_explorers.py
    validates it against the Vega-Lite schema); the rows are one named dataset, written once."""
    g, xa = _grid_rows(grid, axes, x), next(a for a in axes if a["name"] == x)
    selected = {"filter": " && ".join(_match(a) for a in axes)}
    others = {"filter": " && ".join(_match(a) for a in axes if a["name"] != x) or "true"}
    text = {"type": "text", "align": "left", "baseline": "top", "lineBreak": "\n"}
    readout = {"data": {"name": "grid"}, "transform": [selected, {"calculate": command(notebook, axes, fixed), "as": "command"}],
               "width": 560, "height": int(g.cmd_y.max()) + 14 * (len(axes) + len(fixed or {}) + 1), "layer": [
                   {"name": "explorer_value", "mark": {**text, "fontSize": 17, "fontWeight": "bold", "color": "#1f5a96"},
                    "encoding": {"x": {"value": 0}, "y": {"value": 0}, "text": {"field": "text", "type": "nominal"}}},
                   {"mark": {**text, "fontSize": 11, "font": "monospace", "color": "#333"},
                    "encoding": {"x": {"value": 0}, "y": {"field": "cmd_y", "type": "quantitative", "scale": None},
                                 "text": {"field": "command", "type": "nominal"}}}]}
    xenc = ({"field": x, "type": "quantitative", "title": xa["label"], "scale": {"zero": False}} if xa["numeric"] else
            {"field": "x_label", "type": "nominal", "title": xa["label"], "axis": {"labelAngle": 0 if len(xa["values"]) <= 7 else -45},
             "sort": [str(xa["labels"].get(v, v)) for v in xa["values"]]})
    y = {"field": "value", "type": "quantitative", "title": value_title, "axis": {"format": value_format}}
    tip = [{"field": xenc["field"], "type": xenc["type"], "title": xa["label"]}, {"field": "text", "type": "nominal", "title": value_title}]
    layers = [{"mark": {"type": "rule", "strokeWidth": 3, "color": "#9db7d5"},
               "encoding": {"x": xenc, "y": {**y, "field": "low"}, "y2": {"field": "high"}}},
              *([{"mark": {"type": "line", "color": "#1f5a96"}, "encoding": {"x": xenc, "y": y}}] if xa["numeric"] else []),
              {"mark": {"type": "point", "filled": True, "size": 40, "color": "#1f5a96"}, "encoding": {"x": xenc, "y": y, "tooltip": tip}},
              {"transform": [selected], "mark": {"type": "point", "filled": True, "size": 140, "color": "#d1495b", "opacity": 1},
               "encoding": {"x": xenc, "y": y}}]
    small = {"data": {"name": "grid"}, "transform": [others], "width": 560, "height": 170, "layer": layers}
    params_ = [{"name": f"x_{a['name']}", "value": a["default"], "bind": _binding(a)} for a in axes]
    inner = {"vconcat": [readout, small], "spacing": 14,
             "title": {"text": title, "subtitle": [subtitle] if subtitle else []}}
    caption = {"text": wrap(f"Source: {source}"), "orient": "bottom", "anchor": "start", "fontSize": 10, "fontWeight": "normal", "color": "#555"}
    out = Built({"$schema": alt.SCHEMA_URL, "config": _theme()["config"], "params": params_, "usermeta": {"explorer": True},
                 "datasets": {"grid": g.to_dict("records")}, "vconcat": [inner], "title": caption})  # drawn after first paint
    size = len(json.dumps(out.to_dict(), separators=(",", ":")))
    if size > EXPLORER_MAX_BYTES:
        raise ValueError(f"explorer data is {size:,} bytes, over {EXPLORER_MAX_BYTES:,}: use fewer grid points")
    return out
