"""The service's defaults (importable without the service's own dependencies)."""

from __future__ import annotations

__all__ = ["DEFAULT_BODY_LIMIT", "DEFAULT_HOST", "DEFAULT_PORT"]

DEFAULT_BODY_LIMIT = 1024 * 1024  # 1 MiB: a patient record is a few kilobytes
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
