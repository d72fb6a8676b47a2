"""Renderers: one report model, several formats."""

from protocol.render.json_report import report_dict, summary
from protocol.render.text import render_text

__all__ = ["render_text", "report_dict", "summary"]
