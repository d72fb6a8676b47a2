"""The configuration file: ``[tool.tacecheck]`` in pyproject.toml, or a tacecheck.toml.

It is looked for from the current folder upward; the first tacecheck.toml, or
pyproject.toml with a ``[tool.tacecheck]`` table, wins (a tacecheck.toml before a
pyproject.toml in the same folder). The command line overrides what it sets.
Paths in it (``output``, and ``pack`` when it names a folder) are relative to the
file's folder. Example::

    [tool.tacecheck]
    pack = "tamai-2017"
    as-of = "2014-03-31"
    output = ["report.html", "deviations.csv"]
    select = ["ELG", "TRT"]
    ignore = ["DAT004"]
    fail-on = "important"
    hide-values = true
    study-id = "TAMAI2017"
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["KEYS", "Config", "ConfigError", "find_config", "load_config"]


class ConfigError(Exception):
    """The configuration file cannot be used: the message names the file and the line."""


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _texts(value: Any) -> list[str] | None:
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return list(value)
    return None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


# key -> (what a value must be, in words; a check returning the value or None when wrong)
KEYS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "pack": ("a pack id or folder (a string)", _text),
    "as-of": ("a date, YYYY-MM-DD (a string)", _text),
    "format": ("a format name (a string)", _text),
    "output": ("a file name or a list of file names", _texts),
    "select": ("a rule code or family, or a list of them", _texts),
    "ignore": ("a rule code or family, or a list of them", _texts),
    "fail-on": ('"any", "important" or "none"', _text),
    "hide-values": ("true or false", _flag),
    "study-id": ("a study id (a string)", _text),
}


@dataclass(frozen=True, slots=True)
class Config:
    """What a configuration file sets (keys as in :data:`KEYS`), and where it is."""

    path: Path | None = None
    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def where(self, key: str) -> str:
        """``FILE:LINE`` of a key, for messages."""
        line = self.lines.get(key)
        return f"{self.path}:{line}" if line else str(self.path)


def _key_line(text: str, key: str, table: str | None) -> int | None:
    """The line (from 1) where ``key`` is set, inside ``[table]`` when given."""
    inside = table is None
    header = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$")
    pattern = re.compile(rf"""^\s*(["']?){re.escape(key)}\1\s*=""")
    for number, line in enumerate(text.splitlines(), start=1):
        found = header.match(line)
        if found:
            name = found.group(1).replace('"', "").replace("'", "").replace(" ", "")
            inside = table is None or name == table
            continue
        if inside and pattern.match(line):
            return number
    return None


def load_config(path: str | Path) -> Config:
    """Read one configuration file (tacecheck.toml, or pyproject.toml's ``[tool.tacecheck]``)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise ConfigError(f"{path}: cannot read the configuration: {reason}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    table_name = "tool.tacecheck" if path.name == "pyproject.toml" else None
    table: Any = document.get("tool", {}).get("tacecheck", {}) if table_name else document
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.tacecheck] must be a table")
    lines = {key: _key_line(text, key, table_name) for key in table}
    for key, value in table.items():
        place = f"{path}:{lines[key]}" if lines[key] else str(path)
        if key not in KEYS:
            known = ", ".join(KEYS)
            raise ConfigError(f"{place}: unknown key {key!r} (known keys: {known})")
        expected, check = KEYS[key]
        if check(value) is None:
            raise ConfigError(f"{place}: {key} must be {expected}")
    values = {key: KEYS[key][1](value) for key, value in table.items()}
    return Config(path, values, {k: v for k, v in lines.items() if v is not None})


def _declares_table(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return re.search(r"^\s*\[\s*tool\s*\.\s*tacecheck\s*[\].]", text, re.MULTILINE) is not None


def find_config(start: str | Path | None = None) -> Path | None:
    """The configuration file for ``start`` (default: the current folder), or None."""
    folder = Path(start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        own = candidate / "tacecheck.toml"
        if own.is_file():
            return own
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and _declares_table(pyproject):
            return pyproject
    return None
