"""``tacecheck redcap sync`` (here ``python -m protocol.redcap sync``) against the stub REDCap.

An API or CSV import sends no Data Entry Trigger; sync asks REDCap for the records changed
since the last sync (``dateRangeBegin``) and checks and stores them like the trigger does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from protocol.packs import load_pack
from protocol.redcap.__main__ import main as redcap_main
from protocol.service.database import Database
from protocol.service.migrate import upgrade
from protocol.service.store import NotFound, PatientStore

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "redcap"))
sys.path.insert(0, str(HERE))

from canonical_to_export import to_rows  # noqa: E402
from redcap_stub.server import StubRedcap  # noqa: E402
from test_redcap_live_trigger import (  # noqa: E402
    DICTIONARY,
    REPEATING,
    SECRET,
    TOKEN,
    _p02,
    write_config,
)

ENV = {"TEST_REDCAP_TOKEN": TOKEN, "TEST_REDCAP_SECRET": SECRET}


class Sync:
    def __init__(self, folder: Path, stub: StubRedcap, url: str, config: Path) -> None:
        self.folder, self.stub, self.url, self.config = folder, stub, url, config
        self.store = PatientStore(Database(url), load_pack("tamai-2017"))

    def run(self, capsys: Any, *extra: str) -> subprocess.CompletedProcess[str]:
        """``python -m protocol.redcap sync`` in this process (its ``main``), as the CLI runs."""
        argv = ["sync", "--redcap-config", str(self.config), "--db", self.url, *extra]
        capsys.readouterr()
        code = redcap_main(argv)
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(argv, code, out, err)

    def run_child(self) -> subprocess.CompletedProcess[str]:
        """The same as a user types it, in a child process."""
        command = [sys.executable, "-m", "protocol.cli", "redcap", "sync", "--redcap-config",
                   str(self.config), "--db", self.url]  # fmt: skip
        return subprocess.run(
            command, capture_output=True, text=True, timeout=120, env=dict(os.environ, **ENV)
        )


@pytest.fixture
def sync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sync]:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    url = f"sqlite:///{tmp_path / 'service.db'}"
    database = Database(url)
    upgrade(database)
    database.dispose()
    stub = StubRedcap(DICTIONARY, TOKEN, 14, REPEATING)
    stub.clock = lambda: datetime.now(UTC).replace(tzinfo=None, microsecond=0)  # server: UTC
    stub.start()
    try:
        yield Sync(tmp_path, stub, url, write_config(tmp_path, stub, writeback=False))
    finally:
        stub.stop()


def _record(patient_id: str) -> dict[str, Any]:
    return _p02() | {"patient_id": patient_id}


def test_sync_picks_up_an_imported_record_and_only_changed_ones_after(
    sync: Sync, capsys: Any
) -> None:
    sync.stub.import_rows(to_rows(_record("P31")))  # an API/CSV import: no trigger
    first = sync.run_child()
    assert first.returncode == 0, first.stdout + first.stderr
    assert "project tamai: 1 records changed (first sync: every record): 1 stored" in first.stdout
    version = sync.store.head("P31")
    assert (version.version, version.author) == (1, "redcap-sync")
    assert version.reason.startswith("REDCap record changed")
    (trt,) = [f for f in version.findings["findings"] if f["rule"] == "TRT001"]
    assert trt["status"] == "not_met"  # day 26 after TACE #2: outside day 0-21
    state = json.loads((sync.folder / "tamai.sync.json").read_text())
    began = datetime.strptime(state["last_sync_began"], "%Y-%m-%d %H:%M:%S")

    # Next sync: asks for records changed since (a little before) the last one began.
    sync.stub.requests.clear()
    sync.stub.import_rows(to_rows(_record("P32")))
    second = sync.run(capsys)
    assert second.returncode == 0, second.stdout + second.stderr
    asked = [r for r in sync.stub.requests if "dateRangeBegin" in r]
    assert asked and datetime.strptime(asked[0]["dateRangeBegin"], "%Y-%m-%d %H:%M:%S") < began
    assert sync.store.head("P32").version == 1
    assert sync.store.head("P31").version == 1  # seen again in the overlap, unchanged
    assert "1 stored, 1 unchanged" in second.stdout

    # A changed import: a new version with the change.
    sync.stub.import_rows([{"record_id": "P31", "redcap_repeat_instrument": "sorafenib_dosing",
                            "redcap_repeat_instance": 1, "sor_start": "2012-03-20"}])  # fmt: skip
    third = sync.run(capsys)
    assert third.returncode == 0, third.stdout + third.stderr
    newest = sync.store.head("P31")
    assert newest.version == 2 and newest.record["sorafenib"][0]["start_date"] == "2012-03-20"


def test_a_refused_record_is_listed_and_the_others_are_stored(sync: Sync, capsys: Any) -> None:
    sync.stub.import_rows(to_rows(_record("P41")))
    bad = to_rows(_record("P42"))
    for row in bad:
        if row["redcap_repeat_instrument"] == "tace" and row["redcap_repeat_instance"] == 2:
            row["tace_date"] = "UNK"
    sync.stub.import_rows(bad)
    answer = sync.run(capsys)
    assert answer.returncode == 1
    assert "1 stored, 0 unchanged, 1 refused" in answer.stdout
    assert "record P42: REDCap project tamai" in answer.stdout and "/tace/1/date" in answer.stdout
    assert sync.store.head("P41").version == 1
    with pytest.raises(NotFound):
        sync.store.head("P42")


def test_a_wrong_token_is_reported_without_the_token_and_keeps_the_sync_time(
    sync: Sync, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync.stub.import_rows(to_rows(_record("P51")))
    wrong = "FEDCBA9876543210FEDCBA9876543210"
    monkeypatch.setenv("TEST_REDCAP_TOKEN", wrong)
    answer = sync.run(capsys)
    assert answer.returncode == 1
    assert "You do not have permissions to use the API" in answer.stdout
    assert "HTTP 403" in answer.stdout
    assert wrong not in answer.stdout + answer.stderr
    assert not (sync.folder / "tamai.sync.json").exists()


def test_a_bad_configuration_names_each_place(
    tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "redcap.toml"
    config.write_text(
        '[[projects]]\nname = "a b"\nredcap_url = "ftp://x"\nproject_id = "x1"\n'
        'token_env = "NO_SUCH_VARIABLE_J"\ntrigger_secret = "short"\nmapping = "none.yaml"\n'
        "colour = 1\n",
        encoding="utf-8",
    )
    monkeypatch.delenv("NO_SUCH_VARIABLE_J", raising=False)
    code = redcap_main(
        ["sync", "--redcap-config", str(config), "--db", f"sqlite:///{tmp_path}/x.db"]
    )
    assert code == 2
    stderr = capsys.readouterr().err
    lines = stderr.splitlines()
    for place, text in [
        ("projects.0.colour", "is not a known setting"),
        ("projects.0.name", "expected a name"),
        ("projects.0.redcap_url", "expected the REDCap base URL"),
        ("projects.0.project_id", "expected the project's number"),
        ("projects.0.token_env", "the environment variable NO_SUCH_VARIABLE_J is not set"),
        ("projects.0.trigger_secret", "at least 16 characters"),
        ("projects.0.mapping", "cannot read the file"),
    ]:
        assert any(f"{config}: {place}: " in line and text in line for line in lines), place
    assert "Traceback" not in stderr
