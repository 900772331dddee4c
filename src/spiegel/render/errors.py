"""The one exception the renderer raises."""

from __future__ import annotations


class RenderError(RuntimeError):
    """The publication could not be rendered; the existing output folder was left untouched."""
