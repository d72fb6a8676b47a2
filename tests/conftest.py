"""Shared fixtures; the Gherkin step modules are imported here so pytest-bdd finds them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from protocol.packs import Pack, load_pack

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from steps.record_steps import *  # noqa: E402,F403


@pytest.fixture(scope="session")
def pack() -> Pack:
    return load_pack("tamai-2017")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
