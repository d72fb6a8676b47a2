"""Latency of the service under a fixed request rate, and throughput of stateless checks.

The server runs in its own process (``python -m protocol.service serve``, one uvicorn
worker) on loopback; this process is the load generator. For each database (SQLite, and
PostgreSQL when ``--postgres URL`` is given) and each rate, requests are *scheduled* at
exactly ``rate`` per second (open loop) and each latency is measured from its scheduled
time, so a server that falls behind shows it (no coordinated omission). Bounded: ``--count``
requests per rate (at most ``--seconds`` of scheduling).

- add event: ``POST /v1/patients/{id}/events`` (one imaging result, If-Match), spread over
  ``--patients`` patients so that no two requests race for one version;
- read patient: ``GET /v1/patients/{id}``;
- check: ``POST /v1/check`` of one record, closed loop with 4 clients, for throughput.

    python benchmarks/service_bench.py
    python benchmarks/service_bench.py --postgres postgresql+psycopg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import json
import queue
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from protocol.service.auth import add_user
from protocol.service.database import Database
from protocol.service.migrate import upgrade
from protocol.service.server_process import ServerProcess

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Patients:
    """Patients for the load, each with its current version and a lock."""

    def __init__(self, http: httpx.Client, token: str, count: int) -> None:
        self.headers = {"Authorization": f"Bearer {token}"}
        record = json.loads((EXAMPLES / "p11-pending-sorafenib-start.json").read_text())
        self.ids = [f"B{i:05d}" for i in range(count)]
        self.versions = dict.fromkeys(self.ids, 1)
        self.events = dict.fromkeys(self.ids, 0)
        self.locks = {p: threading.Lock() for p in self.ids}
        for patient in self.ids:
            answer = http.post(
                "/v1/patients",
                json={"record": {**record, "patient_id": patient}},
                headers=self.headers,
            )
            answer.raise_for_status()


def _open_loop(rate: int, count: int, seconds: float, call: Any) -> dict[str, Any]:
    count = min(count, int(rate * seconds))
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    start = time.perf_counter() + 0.2

    def one(index: int) -> None:
        nonlocal failures
        scheduled = start + index / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        ok = call(index)
        elapsed = (time.perf_counter() - scheduled) * 1000
        with lock:
            latencies.append(elapsed)
            failures += 0 if ok else 1

    with ThreadPoolExecutor(max_workers=min(64, rate)) as pool:
        list(pool.map(one, range(count)))
    return {
        "rate": rate,
        "requests": count,
        "failures": failures,
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(_percentile(latencies, 0.99), 2),
        "max_ms": round(max(latencies), 2),
    }


def _scenarios(base: str, token: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    results = []
    idle: queue.SimpleQueue[httpx.Client] = queue.SimpleQueue()
    clients = [httpx.Client(base_url=base, timeout=30) for _ in range(64)]
    for made in clients:  # made before the clock starts: a client costs milliseconds to build
        idle.put(made)

    class client:  # used as ``with client() as http``
        def __enter__(self) -> httpx.Client:
            self.http = idle.get()
            return self.http

        def __exit__(self, *_: object) -> None:
            idle.put(self.http)

    with httpx.Client(base_url=base, timeout=30) as http:
        patients = Patients(http, token, args.patients)

    def add_event(index: int) -> bool:
        patient = patients.ids[index % len(patients.ids)]
        with patients.locks[patient]:
            patients.events[patient] += 1
            day = date(2012, 9, 21) + timedelta(days=patients.events[patient] % 9)
            with client() as http:
                answer = http.post(
                    f"/v1/patients/{patient}/events",
                    json={
                        "kind": "imaging",
                        "event": {"date": day.isoformat(), "result": "stable_disease"},
                    },
                    headers={**patients.headers, "If-Match": f'"{patients.versions[patient]}"'},
                )
            if answer.status_code == 200:
                patients.versions[patient] = answer.json()["version"]
            return answer.status_code == 200

    def read(index: int) -> bool:
        patient = patients.ids[index % len(patients.ids)]
        with client() as http:
            return http.get(f"/v1/patients/{patient}", headers=patients.headers).is_success

    for name, call in (("add event", add_event), ("read patient", read)):
        for rate in args.rates:
            result = _open_loop(rate, args.count, args.seconds, call)
            results.append({"scenario": name, **result})
            print(json.dumps(results[-1]), flush=True)

    record = json.loads((EXAMPLES / "p02-late-start.json").read_text())
    batch = [{**record, "patient_id": f"C{i:03d}"} for i in range(100)]
    for label, body, size in (("check one record", record, 1), ("check 100 records", batch, 100)):
        done, stop = [0], time.perf_counter() + args.seconds

        def check_loop(body: Any = body, done: list[int] = done, stop: float = stop) -> None:
            with httpx.Client(base_url=base, timeout=60) as http:
                while time.perf_counter() < stop:
                    answer = http.post("/v1/check", json=body, headers=patients.headers)
                    answer.raise_for_status()
                    done[0] += 1

        started = time.perf_counter()
        threads = [threading.Thread(target=check_loop) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        per_second = done[0] * size / (time.perf_counter() - started)
        results.append(
            {"scenario": f"{label} (4 clients)", "records_per_second": round(per_second)}
        )
        print(json.dumps(results[-1]), flush=True)
    for made in clients:
        made.close()
    return results


def _run(label: str, url: str, folder: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    db = Database(url)
    upgrade(db)
    token = add_user(db, f"bench-{uuid.uuid4().hex[:6]}", "entry")
    db.dispose()
    server = ServerProcess(url, folder / f"{label}.log").start()
    try:
        return [{"database": label, **r} for r in _scenarios(server.base_url, token, args)]
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--count", type=int, default=1000, help="requests per rate (max)")
    parser.add_argument("--seconds", type=float, default=5.0, help="longest run per rate")
    parser.add_argument("--patients", type=int, default=100)
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL server")
    parser.add_argument("-o", "--output", type=Path, help="write the results as JSON here")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results += _run("sqlite", f"sqlite:///{folder / 'bench.db'}", folder, args)
        if args.postgres:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            url = make_url(args.postgres).update_query_dict({"options": f"-csearch_path={schema}"})
            try:
                results += _run("postgresql", url.render_as_string(False), folder, args)
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
    if args.output:
        args.output.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
