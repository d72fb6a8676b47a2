"""Browser sessions: a user's token exchanged once for a short-lived HttpOnly cookie.

The web page never keeps the user's token: a token never expires and cannot be
revoked, so a copy in ``localStorage`` or ``sessionStorage`` that a script could
read would be a permanent key for anyone who once ran script in the page. The
page sends the token once (``POST /v1/session``); the service answers with a
random session id in an ``HttpOnly; SameSite=Strict`` cookie that no script can
read, and a CSRF token the page keeps in memory and sends back in the
``X-CSRF-Token`` header on every request that changes something. A session ends
when the user signs out (``DELETE /v1/session``), after ``idle`` seconds without
a request, or ``lifetime`` seconds after sign-in, whichever is first; only the
SHA-256 of its id is held, in the server's memory (a restart signs everyone out).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from protocol.service.auth import User
from protocol.service.problems import Problem

__all__ = [
    "COOKIE",
    "CSRF_HEADER",
    "SessionEntry",
    "Sessions",
    "require_csrf",
    "session_user",
]

COOKIE = "tacecheck_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class SessionEntry:
    user: User
    csrf: str
    started: float
    seen: float


class Sessions:
    """The open sessions of one server process, by the SHA-256 of their id."""

    def __init__(self, idle: float, lifetime: float, clock: Any = time.monotonic) -> None:
        self.idle = idle
        self.lifetime = lifetime
        self._clock = clock
        self._open: dict[str, SessionEntry] = {}
        self._lock = threading.Lock()

    def start(self, user: User) -> tuple[str, SessionEntry]:
        session_id = secrets.token_urlsafe(32)
        now = self._clock()
        entry = SessionEntry(user, secrets.token_urlsafe(24), now, now)
        with self._lock:
            self._sweep(now)
            self._open[_digest(session_id)] = entry
        return session_id, entry

    def _expired(self, entry: SessionEntry, now: float) -> bool:
        return now - entry.seen > self.idle or now - entry.started > self.lifetime

    def _sweep(self, now: float) -> None:
        for key in [k for k, e in self._open.items() if self._expired(e, now)]:
            del self._open[key]

    def find(self, session_id: str, touch: bool = True) -> SessionEntry | None:
        """The open session of this id (its idle clock restarted), or None."""
        key, now = _digest(session_id), self._clock()
        with self._lock:
            entry = self._open.get(key)
            if entry is None:
                return None
            if self._expired(entry, now):
                del self._open[key]
                return None
            if touch:
                entry.seen = now
            return entry

    def end(self, session_id: str) -> bool:
        with self._lock:
            return self._open.pop(_digest(session_id), None) is not None

    def remaining(self, entry: SessionEntry) -> int:
        """Seconds until the session ends if no request comes."""
        now = self._clock()
        left = min(entry.seen + self.idle, entry.started + self.lifetime) - now
        return max(0, int(left))


def session_user(request: Request, sessions: Sessions) -> User | None:
    """The user of the request's session cookie, the CSRF token checked on a change."""
    session_id = request.cookies.get(COOKIE)
    if not session_id:
        return None
    entry = sessions.find(session_id)
    if entry is None:
        raise Problem(
            401, "session-ended", "the session has ended (signed out or expired); sign in again"
        )
    if request.method not in SAFE_METHODS:
        require_csrf(
            request,
            entry,
            f"a change made with a session cookie needs the session's {CSRF_HEADER} header",
        )
    return entry.user


def require_csrf(request: Request, entry: SessionEntry, detail: str) -> None:
    """Refuse (403, ``detail``) a request whose CSRF header is not its session's token."""
    sent = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(sent.encode(), entry.csrf.encode()):
        raise Problem(403, "csrf-token-missing", detail, title="CSRF token missing or wrong")
