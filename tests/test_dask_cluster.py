"""``check --dask``: chunks checked on a Dask cluster give the bytes ``--workers 1`` gives.

The cluster is a real ``distributed.LocalCluster`` of two worker processes; the
records are the shipped examples plus a generated cohort with broken records,
long enough for many chunks to be in flight on both workers at once.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import dask.config
import pytest
from distributed import Client, LocalCluster

from protocol.cli import _parse
from protocol.cohort.command import check_command
from protocol.config import Config

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FORMATS = ("json", "jsonl", "csv", "txt")
RUN_AT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")  # the run's own clock time


def _generator():  # benchmarks/generate.py, the seeded cohort generator
    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import json

    path = tmp_path_factory.mktemp("dask") / "cohort.jsonl"
    records = _generator().generate(1200, seed=15, invalid=0.05)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # not port 8787
    ) as cluster:
        yield cluster.scheduler_address


def _executed(dask_worker: object) -> int:  # run on each worker: the tasks it has run
    return dask_worker.state.executed_count  # type: ignore[attr-defined]


def _check(argv: list[str], dask: str | None) -> int:
    args, usage = _parse(["check", *argv])
    args.dask = dask  # what `check --dask VALUE` sets
    return check_command(args, Config(), usage)


def _reports(tmp: Path, paths: list[str], dask: str | None) -> tuple[int, dict[str, str]]:
    tmp.mkdir()
    outputs = [str(tmp / f"report.{ext}") for ext in FORMATS]
    argv = [*paths, "--as-of", "2014-06-30", "-q"]
    for output in outputs:
        argv += ["-o", output]
    code = _check(argv, dask)
    texts = {o: RUN_AT.sub("RUN-AT", Path(o).read_text(encoding="utf-8")) for o in outputs}
    return code, {Path(o).suffix: text for o, text in texts.items()}


def test_every_format_is_byte_identical_to_one_worker(
    tmp_path: Path, cohort: Path, scheduler: str
) -> None:
    paths = [str(EXAMPLES), str(cohort)]
    code_one, one = _reports(tmp_path / "one", paths, None)
    with Client(scheduler) as client:
        before = client.run(_executed)
        code_dask, on_dask = _reports(tmp_path / "dask", paths, scheduler)
        after = client.run(_executed)
    # 1,224 records in chunks of 100: 13 tasks, run on both worker processes
    ran = {worker: after[worker] - before[worker] for worker in after}
    assert sum(ran.values()) == 13
    assert len(ran) == 2 and all(count > 0 for count in ran.values())
    assert code_dask == code_one == 2  # the generated cohort has broken records
    for ext in (".json", ".jsonl", ".csv", ".txt"):
        assert on_dask[ext] == one[ext], ext
    # 24 examples + 1200 generated records, all in the report, in input order
    lines = one[".jsonl"].splitlines()
    assert len(lines) == 24 + 1200 + 1  # one line per record, then the summary line
    sources = [re.search(r'"source": ?"([^"]+)"', line) for line in lines[:-1]]
    assert all(s is not None for s in sources)
    names = [s.group(1) for s in sources if s is not None]
    assert names[:24] == sorted(names[:24])  # the folder, read in name order
    assert all(name.startswith(str(cohort)) for name in names[24:])


def test_local_n_starts_its_own_cluster(tmp_path: Path) -> None:
    code_one, one = _reports(tmp_path / "one", [str(EXAMPLES)], None)
    code_dask, on_dask = _reports(tmp_path / "dask", [str(EXAMPLES)], "local:2")
    assert code_dask == code_one == 1  # the examples show deviations, no input errors
    assert on_dask == one


def test_an_unreachable_scheduler_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.json"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code = _check([str(EXAMPLES), "-q", "-o", str(out)], "tcp://127.0.0.1:9")
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("tacecheck: --dask tcp://127.0.0.1:9: cannot reach the Dask scheduler")
    assert err.rstrip().endswith("nothing was checked")
    assert "Traceback" not in err
    assert not out.exists()  # nothing was written


@pytest.mark.parametrize("value", ["local:0", "local:two", "local:"])
def test_a_local_cluster_needs_a_worker_count(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _check([str(EXAMPLES), "-q"], value) == 2
    err = capsys.readouterr().err
    assert err == f"tacecheck: --dask {value!r}: local:N needs a worker count of 1 or more\n"


def test_dask_and_workers_are_alternatives(capsys: pytest.CaptureFixture[str]) -> None:
    args, usage = _parse(["check", str(EXAMPLES), "-q", "--workers", "2"])
    args.dask = "local:2"
    with pytest.raises(SystemExit) as stop:
        check_command(args, Config(), usage)
    assert stop.value.code == 2
    assert "--dask and --workers are alternatives" in capsys.readouterr().err


def test_without_the_extra_the_message_names_it() -> None:
    # A Python in which `distributed` cannot be imported (as without tacecheck[dask]).
    script = (
        "import sys; sys.modules['distributed'] = None\n"
        "from protocol.cli import _parse\n"
        "from protocol.cohort.command import check_command\n"
        "from protocol.config import Config\n"
        f"args, usage = _parse(['check', {str(EXAMPLES)!r}, '-q'])\n"
        "args.dask = 'local:2'\n"
        "sys.exit(check_command(args, Config(), usage))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        "tacecheck: --dask needs dask.distributed, which is not installed: "
        "pip install 'tacecheck[dask]'\n"
    )
