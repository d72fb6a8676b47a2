"""Web sessions end on sign-out, after the idle time, and at the end of their lifetime."""

from __future__ import annotations

from protocol.service.auth import Role, User
from protocol.service.sessions import Sessions


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


ANA = User("ana", Role.ENTRY)


def test_a_session_ends_after_the_idle_time_without_a_request() -> None:
    clock = Clock()
    sessions = Sessions(idle=60, lifetime=3600, clock=clock)
    session_id, _ = sessions.start(ANA)
    clock.now += 59
    assert sessions.find(session_id) is not None  # a request: the idle clock restarts
    clock.now += 59
    assert sessions.find(session_id) is not None
    clock.now += 61
    assert sessions.find(session_id) is None
    clock.now -= 61  # gone for good, even if the clock were to run back
    assert sessions.find(session_id) is None


def test_looking_without_touching_does_not_keep_a_session_alive() -> None:
    clock = Clock()
    sessions = Sessions(idle=60, lifetime=3600, clock=clock)
    session_id, entry = sessions.start(ANA)
    clock.now += 50
    assert sessions.find(session_id, touch=False) is entry
    assert sessions.remaining(entry) == 10
    clock.now += 11
    assert sessions.find(session_id) is None


def test_a_busy_session_still_ends_at_the_end_of_its_lifetime() -> None:
    clock = Clock()
    sessions = Sessions(idle=60, lifetime=200, clock=clock)
    session_id, _ = sessions.start(ANA)
    for _ in range(4):
        clock.now += 50
        assert sessions.find(session_id) is not None
    clock.now += 1  # 201 s after sign-in, 1 s after the last request
    assert sessions.find(session_id) is None


def test_sign_out_ends_only_that_session_and_ids_are_not_guessable() -> None:
    sessions = Sessions(idle=60, lifetime=200, clock=Clock())
    first, entry = sessions.start(ANA)
    second, other = sessions.start(ANA)
    assert first != second and entry.csrf != other.csrf
    assert len(first) >= 43  # 32 random bytes
    assert sessions.end(first) is True
    assert sessions.find(first) is None
    assert sessions.find(second) is other
    assert sessions.end(first) is False
