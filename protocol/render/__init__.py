"""Renderers: one report model, several formats (see :mod:`protocol.render.formats`)."""

from protocol.render.base import Renderer, RenderOptions
from protocol.render.formats import FORMATS, renderer_for

__all__ = ["FORMATS", "RenderOptions", "Renderer", "renderer_for"]
