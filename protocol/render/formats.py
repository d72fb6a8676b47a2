"""The output formats by name, each a :class:`~protocol.render.base.Renderer`."""

from __future__ import annotations

import importlib

from protocol.packs.model import Pack
from protocol.render.base import Renderer, RenderOptions

__all__ = ["FORMATS", "renderer_for"]

# name -> (module, class, one-line description); imported only when chosen
FORMATS: dict[str, tuple[str, str, str]] = {
    "text": ("protocol.render.text", "TextRenderer", "per patient, then the cohort summary"),
    "json": ("protocol.render.json_report", "JsonRenderer", "one JSON report document"),
    "jsonl": ("protocol.render.json_report", "JsonLinesRenderer", "one patient a line"),
    "csv": (
        "protocol.render.deviation_log",
        "DeviationLogRenderer",
        "protocol deviation log, CDISC DV columns",
    ),
    "queries": (
        "protocol.render.queries",
        "QueryListingRenderer",
        "data queries to sites, CSV",
    ),
    "junit": ("protocol.render.junit", "JUnitRenderer", "JUnit XML for CI pipelines"),
    "html": ("protocol.render.html", "HtmlRenderer", "one self-contained page with timelines"),
}


def renderer_for(name: str, pack: Pack, options: RenderOptions | None = None) -> Renderer:
    module, cls, _ = FORMATS[name]
    return getattr(importlib.import_module(module), cls)(pack, options)
