"""Shared fixtures; the Gherkin step modules are imported here so pytest-bdd finds them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

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


@pytest.fixture(scope="session")
def synthetic() -> Any:
    """``benchmarks/generate.py`` as a module: the seeded cohort generator."""
    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
