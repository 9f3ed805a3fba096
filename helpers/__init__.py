"""Shared, tested logic for the ByteDance-compute notebooks.

Import cost matters here: every notebook kernel imports this package. ``jsonschema`` (pulled in
by Altair and nbformat) imports ``rfc3987_syntax`` when it is installed, which builds a parser
at import time and costs about 1.5 s per process. Altair never validates IRI formats, so the
package blocks that optional import before anything loads ``jsonschema``; jsonschema treats
the module as absent (it is an optional extra of jupyter-events).
"""
import sys as _sys

if "jsonschema" not in _sys.modules:
    _sys.modules.setdefault("rfc3987_syntax", None)

__all__ = ["data", "charts"]
