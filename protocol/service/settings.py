"""The service's defaults (importable without the service's own dependencies)."""

from __future__ import annotations

__all__ = [
    "DEFAULT_BODY_LIMIT",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "SESSION_IDLE_SECONDS",
    "SESSION_LIFETIME_SECONDS",
]

DEFAULT_BODY_LIMIT = 1024 * 1024  # 1 MiB: a patient record is a few kilobytes
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# A web page's sign-in ends after this long without a request, or this long after sign-in.
SESSION_IDLE_SECONDS = 30 * 60
SESSION_LIFETIME_SECONDS = 8 * 60 * 60
