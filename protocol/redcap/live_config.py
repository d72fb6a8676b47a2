"""The live REDCap configuration: which projects may call the service, with their tokens.

A YAML (``yaml.safe_load``) or TOML file lists the projects::

    projects:
      - name: tamai-osaka                          # for logs and `redcap sync --project`
        redcap_url: https://redcap.example.org/    # as REDCap sends it in the trigger
        project_id: 14
        token_env: TAMAI_OSAKA_REDCAP_TOKEN        # or token: ... (the file is then a secret)
        trigger_secret_env: TAMAI_OSAKA_TRIGGER_SECRET   # or trigger_secret: ...
        mapping: tamai_mapping.yaml                # relative to this file
        writeback: false                           # opt-in: findings to tacecheck_findings
        writeback_event: checks_arm_1              # longitudinal projects: its event
        server_timezone: Europe/Berlin             # REDCap's clock, for dateRangeBegin
        sync_state: tamai-osaka.sync.json          # last sync time (default: NAME.sync.json)

Nothing here is trusted from a trigger's body: a trigger is accepted only for a configured
(``redcap_url``, ``project_id``) pair with that project's secret in its URL. A token or
secret is never shown in a message or log: :class:`Project`'s ``repr`` leaves them out.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from protocol.redcap.mapping import Mapping, MappingError
from protocol.redcap.mapping_file import load_mapping

__all__ = ["ConfigError", "LiveConfig", "Project", "load_live_config", "site_key"]

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
_KNOWN = {
    "name", "redcap_url", "api_url", "project_id", "token", "token_env", "trigger_secret",
    "trigger_secret_env", "mapping", "writeback", "writeback_event", "server_timezone",
    "sync_state",
}  # fmt: skip


class ConfigError(ValueError):
    """A configuration that cannot be used; ``problems`` are (place, what is wrong)."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        super().__init__(f"{source}: " + "; ".join(f"{where}: {what}" for where, what in problems))
        self.source = source
        self.problems = problems


def site_key(url: str) -> str:
    """A REDCap base URL as compared: scheme and host lower-cased, no trailing ``/`` or api/."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    if path.endswith("/api"):
        path = path[: -len("/api")]
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}"


@dataclass(frozen=True)
class Project:
    """One configured REDCap project."""

    name: str
    redcap_url: str
    project_id: str
    api_url: str
    mapping: Mapping
    writeback: bool
    timezone: ZoneInfo
    sync_state: Path
    writeback_event: str | None = None
    token: str = field(default="", repr=False)
    trigger_secret: str = field(default="", repr=False)

    @property
    def key(self) -> tuple[str, str]:
        return site_key(self.redcap_url), self.project_id


@dataclass(frozen=True)
class LiveConfig:
    source: str
    projects: tuple[Project, ...]

    def by_site(self, redcap_url: str, project_id: str) -> Project | None:
        key = (site_key(redcap_url), project_id.strip())
        return next((p for p in self.projects if p.key == key), None)

    def by_name(self, name: str) -> Project | None:
        return next((p for p in self.projects if p.name == name), None)


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(str(path), [("", f"cannot read the file: {error.strerror}")]) from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), [("", "not UTF-8 text")]) from None
    try:
        if path.suffix.lower() == ".toml":
            return tomllib.loads(text)
        return yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as error:
        kind = "TOML" if path.suffix.lower() == ".toml" else "YAML"
        raise ConfigError(str(path), [("", f"not valid {kind}: {error}")]) from None


def _secret(entry: dict[str, Any], key: str, where: str, problems: list[tuple[str, str]]) -> str:
    """``key`` given directly, or through the environment variable ``key_env`` names."""
    direct, env = entry.get(key), entry.get(f"{key}_env")
    if direct is not None and env is not None:
        problems.append((where, f"give {key} or {key}_env, not both"))
        return ""
    if env is not None:
        if not isinstance(env, str) or not env:
            problems.append((f"{where}.{key}_env", "expected the name of an environment variable"))
            return ""
        value = os.environ.get(env, "")
        if not value:
            problems.append((f"{where}.{key}_env", f"the environment variable {env} is not set"))
        return value
    if not isinstance(direct, str) or not direct.strip():
        problems.append((where, f"expected {key} (text) or {key}_env (a variable's name)"))
        return ""
    return direct.strip()


def _project(entry: Any, where: str, folder: Path, problems: list[tuple[str, str]]) -> Any:
    if not isinstance(entry, dict):
        problems.append((where, "expected a table of redcap_url, project_id, token..."))
        return None
    before = len(problems)
    problems.extend(
        (f"{where}.{key}", "is not a known setting") for key in entry if key not in _KNOWN
    )
    name = entry.get("name")
    if not isinstance(name, str) or not name or not set(name) <= _NAME_CHARS:
        problems.append((f"{where}.name", "expected a name of letters, digits, '.', '_', '-'"))
    url = entry.get("redcap_url")
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        problems.append((f"{where}.redcap_url", "expected the REDCap base URL, https://..."))
        url = ""
    pid = entry.get("project_id")
    if isinstance(pid, bool) or not isinstance(pid, int | str) or not str(pid).strip().isdigit():
        problems.append((f"{where}.project_id", "expected the project's number (pid)"))
    token = _secret(entry, "token", where, problems)
    secret = _secret(entry, "trigger_secret", where, problems)
    if secret and len(secret) < 16:
        problems.append((f"{where}.trigger_secret", "expected at least 16 characters"))
    writeback = entry.get("writeback", False)
    if not isinstance(writeback, bool):
        problems.append((f"{where}.writeback", "expected true or false"))
    event = entry.get("writeback_event")
    if event is not None and (not isinstance(event, str) or not event):
        problems.append((f"{where}.writeback_event", "expected a unique event name"))
    try:
        zone = ZoneInfo(str(entry.get("server_timezone", "UTC")))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append((f"{where}.server_timezone", "expected a time zone such as Europe/Berlin"))
        zone = ZoneInfo("UTC")
    mapping = None
    if not isinstance(entry.get("mapping"), str):
        problems.append((f"{where}.mapping", "expected the path of a REDCap mapping file"))
    else:
        try:
            mapping = load_mapping(folder / entry["mapping"])
        except MappingError as error:
            problems.extend((f"{where}.mapping", f"{error.source}: {place}: {message}")
                            for place, message in error.problems)  # fmt: skip
    if len(problems) > before:
        return None
    api_url = entry.get("api_url") or site_key(url) + "/api/"
    state = folder / str(entry.get("sync_state") or f"{name}.sync.json")
    return Project(
        name, url, str(pid).strip(), str(api_url), mapping, writeback, zone, state, event,
        token=token, trigger_secret=secret,
    )  # fmt: skip


def load_live_config(path: str | Path) -> LiveConfig:
    """Read and check the configuration; :class:`ConfigError` lists every problem."""
    path = Path(path)
    data = _read(path)
    if not isinstance(data, dict) or not isinstance(data.get("projects"), list):
        raise ConfigError(str(path), [("projects", "expected a list of projects")])
    problems: list[tuple[str, str]] = []
    projects = []
    for number, entry in enumerate(data["projects"]):
        project = _project(entry, f"projects.{number}", path.parent, problems)
        if project is not None:
            projects.append(project)
    seen: dict[Any, int] = {}
    for number, project in enumerate(projects):
        for key in (project.key, project.name):
            if key in seen:
                problems.append((f"projects.{number}", f"the same project as projects.{seen[key]}"))
            seen.setdefault(key, number)
    if problems:
        raise ConfigError(str(path), problems)
    return LiveConfig(str(path), tuple(projects))
