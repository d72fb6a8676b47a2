"""Issue 15's benchmark: this tree against commit 6072de4, the pools, Dask, the Session.

    git -C . archive 6072de4 | tar -x -C /tmp/k-base     # the reference, once
    git -C . archive HEAD | tar -x -C /tmp/before        # before a change, to compare reports
    python benchmarks/speed.py --base /tmp/k-base --same-as /tmp/before --records 20000

Everything is measured in one run on the same generated records (seed 2017):

- **one worker**: the whole pipeline (read, strict decode, schema, model,
  durable_rules, every explained finding, JSON out to /dev/null) of the
  reference tree and of this one, each in a fresh process, interleaved
  (reference, this, reference, this, ...); the median of ``--rounds``. In the
  same process the time spent inside durable_rules is summed, for the engine's
  share of the pipeline;
- **two workers**: the fork pool at 1 and 2 workers, and a Dask ``LocalCluster``
  of 1 and 2 worker processes (started before the clock starts), beside the
  machine's ceiling: how much of one core's pure-Python work two busy
  processes do here at once;
- **incremental**: a :class:`protocol.session.Session` fed a typical record's
  events (12) and a long record's (30 dosing periods, 50 adverse events, 90 in
  all), one at a time; p50 and p99 per event;
- **equal reports**: this tree's JSON report and that of ``--same-as`` (the
  tree before a change) on the same records, compared as parsed JSON (without
  the run's clock time).

Figures are printed; ``--json FILE`` keeps them. Never a timed assertion.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEED = 2017
AS_OF = "2014-06-30"

__all__ = ["main"]


def _pipeline(path: str, workers: int, dask: int, report: str | None) -> dict[str, Any]:
    """In a fresh process whose PYTHONPATH names the tree: one run, timed."""
    from datetime import date

    from protocol.cohort import run_cohort
    from protocol.engine import durable_adapter
    from protocol.packs import load_pack
    from protocol.render import RenderOptions, renderer_for

    engine = [0.0]
    original = durable_adapter.RuleEngine.run

    def timed(self: Any, *args: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(self, *args)
        finally:
            engine[0] += time.perf_counter() - start

    durable_adapter.RuleEngine.run = timed  # type: ignore[method-assign]
    pack = load_pack("tamai-2017")
    renderer = renderer_for("json", pack, RenderOptions(as_of=AS_OF))
    as_of = date.fromisoformat(AS_OF)
    extra: dict[str, Any] = {}
    cluster = None
    if dask:
        from protocol.cohort.cluster import Cluster

        cluster = Cluster(dask).__enter__()
        extra["cluster"] = cluster
    with open(report or os.devnull, "w", encoding="utf-8") as sink:
        start, cpu = time.perf_counter(), time.process_time()
        result = run_cohort([path], pack, renderer, sink, as_of, workers, **extra)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    if cluster is not None:
        cluster.__exit__(None, None, None)
    records = result.summary.patients + result.summary.records_with_errors
    return {"records": records, "seconds": seconds, "cpu_seconds": cpu, "engine_seconds": engine[0]}


def _session(periods: int, events: int, repeat: int) -> dict[str, Any]:
    """Per-event times of a Session fed a generated record's events, ``repeat`` times."""
    from protocol.session import Session

    record = _long_record(periods, events)
    times, cpu = [], []
    for _ in range(repeat):
        session = Session.from_header(record)
        for kind, value in Session.events_of(record):
            start, start_cpu = time.perf_counter(), time.process_time()
            answer = session.add(kind, value)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            assert not isinstance(answer, list), answer
    times.sort()
    cpu.sort()
    count = len(Session.events_of(record))
    return {
        "events": count,
        "p50_ms": statistics.median(times) * 1000,
        "p99_ms": times[int(0.99 * (len(times) - 1))] * 1000,
        "cpu_p50_ms": statistics.median(cpu) * 1000,
        "cpu_p99_ms": cpu[int(0.99 * (len(cpu) - 1))] * 1000,
    }


def _long_record(periods: int, events: int) -> dict[str, Any]:
    """The generator's first sorafenib record, or one with more periods and AEs."""
    sys.path.insert(0, str(HERE))
    from generate import generate

    record = next(r for r in generate(50, seed=SEED, invalid=0) if r["cohort"].startswith("sor"))
    if periods <= 1:
        return record
    from datetime import date, timedelta

    first = date.fromisoformat(record["sorafenib"][0]["start_date"])
    record["sorafenib"] = [
        {
            "start_date": (first + timedelta(days=14 * i)).isoformat(),
            "end_date": (first + timedelta(days=14 * i + 13)).isoformat(),
            "dose_mg": 400,
            "frequency": "BID",
            "reason": "initial" if i == 0 else "resumption",
        }
        for i in range(periods)
    ]
    record["adverse_events"] = [
        {
            "term": "Fatigue",
            "grade": 1,
            "action_taken": "dose_not_changed",
            "onset_date": (first + timedelta(days=8 * i + 3)).isoformat(),
            "resolution_date": (first + timedelta(days=8 * i + 6)).isoformat(),
        }
        for i in range(events)
    ]
    last = (first + timedelta(days=14 * periods + 10)).isoformat()
    record["last_contact_date"] = max(record["last_contact_date"], last)
    record["data_cutoff_date"] = max(record["data_cutoff_date"], last)
    return record


_SPIN = (
    "import time\nt = time.perf_counter()\nx = 0\n"
    "for i in range(20_000_000): x += i\nprint(time.perf_counter() - t)"
)


def _ceiling() -> float:
    """How many times one core's pure-Python work two busy processes do here together."""
    run = [sys.executable, "-c", _SPIN]
    alone = float(subprocess.run(run, capture_output=True, text=True, check=True).stdout)
    pair = [subprocess.Popen(run, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    together = max(float(p.communicate()[0]) for p in pair)
    return 2 * alone / together


def _child(tree: Path, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),  # not this tree: PYTHONPATH decides which one is imported
        env={**os.environ, "PYTHONPATH": str(tree)},
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _parsed(path: str) -> Any:
    with open(path, encoding="utf-8") as handle:
        report = json.load(handle)
    report.pop("run", None)
    report.get("summary", {}).pop("run", None)
    return report


def _cohort(count: int) -> str:
    path = Path(tempfile.gettempdir()) / f"tacecheck-speed-{count}-seed{SEED}.jsonl"
    if not path.exists():
        sys.path.insert(0, str(HERE))
        from generate import main as generate_main

        generate_main([str(count), "--seed", str(SEED), "-o", str(path)])
    return str(path)


def _say(text: str) -> None:
    print(text, flush=True)


def _one_worker(base: Path, before: Path | None, path: str, rounds: int) -> dict[str, Any]:
    trees = [("base", base), *([("before", before)] if before else []), ("this", ROOT)]
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _tree in trees}
    for _ in range(rounds):
        for name, tree in trees:
            runs[name].append(_child(tree, path, "1", "0"))
    out: dict[str, Any] = {}
    for name, rows in runs.items():
        us = statistics.median(r["seconds"] / r["records"] * 1e6 for r in rows)
        cpu = statistics.median(r["cpu_seconds"] / r["records"] * 1e6 for r in rows)
        share = statistics.median(r["engine_seconds"] / r["seconds"] for r in rows)
        out[name] = {"us_per_record": us, "cpu_us_per_record": cpu, "engine_share": share}
        _say(
            f"  {name:>6}: {us:7.0f} us/record ({cpu:.0f} us of CPU); durable_rules"
            f" {share:.0%} of it"
        )
    out["speedup"] = out["base"]["us_per_record"] / out["this"]["us_per_record"]
    out["cpu_speedup"] = out["base"]["cpu_us_per_record"] / out["this"]["cpu_us_per_record"]
    if before:
        gain = out["before"]["cpu_us_per_record"] / out["this"]["cpu_us_per_record"]
        out["cpu_speedup_over_before"] = gain
        _say(f"  this tree: {gain:.2f}x the tree before the change, by CPU time")
    _say(
        f"  one worker: {out['speedup']:.2f}x commit 6072de4 by the clock,"
        f" {out['cpu_speedup']:.2f}x by CPU time (target 2x, stretch 2.5x)"
    )
    return out


def _scale(path: str) -> dict[str, Any]:
    ceiling = _ceiling()
    out: dict[str, Any] = {"ceiling": ceiling}
    for kind, flag in (("pool", 1), ("dask", 2)):
        rate = {}
        for workers in (1, 2):
            args = (path, str(workers), "0") if flag == 1 else (path, "1", str(workers))
            row = _child(ROOT, *args)
            rate[workers] = row["records"] / row["seconds"]
        out[kind] = {"1": rate[1], "2": rate[2], "speedup": rate[2] / rate[1]}
        _say(
            f"  {kind:>4}: {rate[1]:7,.0f} records/s at 1 worker, {rate[2]:7,.0f} at 2:"
            f" {rate[2] / rate[1]:.2f}x (target 1.8x, or 90% of the ceiling {ceiling:.2f}x)"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, help="a checkout of 6072de4 (see above)")
    parser.add_argument(
        "--same-as", type=Path, help="a checkout whose JSON report this tree's must equal"
    )
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--session-repeat", type=int, default=20)
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        if args.child[0] == "session":
            print(json.dumps(_session(*map(int, args.child[1:]))))
        else:
            report = args.child[3] if len(args.child) > 3 else None
            path, workers, dask = args.child[0], int(args.child[1]), int(args.child[2])
            print(json.dumps(_pipeline(path, workers, dask, report)))
        return 0
    path = _cohort(args.records)
    figures: dict[str, Any] = {"records": args.records}
    _say(f"{args.records:,} generated records (seed {SEED}), as of {AS_OF}")
    if args.same_as is not None:
        with tempfile.TemporaryDirectory() as tmp:
            reports = [str(Path(tmp) / name) for name in ("before.json", "this.json")]
            for tree, report in zip((args.same_as, ROOT), reports, strict=True):
                _child(tree, path, "1", "0", report)
            equal = _parsed(reports[0]) == _parsed(reports[1])
        figures["reports_equal"] = equal
        _say(f"  report equal to {args.same_as}'s, as parsed JSON: {equal}")
    if args.base is not None:
        figures["one_worker"] = _one_worker(args.base, args.same_as, path, args.rounds)
    figures["scale"] = _scale(path)
    for periods, events in ((1, 0), (30, 50)):
        row = _child(ROOT, "session", str(periods), str(events), str(args.session_repeat))
        figures[f"session_{row['events']}"] = row
        _say(
            f"  Session, {row['events']} events: p50 {row['p50_ms']:.2f} ms,"
            f" p99 {row['p99_ms']:.2f} ms per event (CPU: p50 {row['cpu_p50_ms']:.2f} ms,"
            f" p99 {row['cpu_p99_ms']:.2f} ms)"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
