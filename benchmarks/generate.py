"""A seeded generator of realistic synthetic cohorts for the Tamai 2017 protocol.

Each record follows ``schemas/patient-record.schema.json``. The mix is set to
look like a real study export: about three in four patients in the
prospective sorafenib arm, the rest historical TACE-alone controls; most
patients conform, and a minority carry the deviations, safety events, partial
dates and data errors the checker exists to find. A small share of records
(``--invalid``) break the schema so that the error path is measured too.

    python benchmarks/generate.py 100000 --seed 7 > cohort.jsonl

The same seed and count always give the same bytes.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, TextIO

__all__ = ["generate", "main"]

SITES = ["JP-OSK-01", "JP-OSK-02", "JP-KYO-01", "JP-TKY-03", "JP-NGY-02", "JP-FUK-01"]
AE_TERMS = [
    ("Palmar-plantar erythrodysesthesia syndrome", 0.35),
    ("Diarrhea", 0.2),
    ("Fatigue", 0.15),
    ("Hypertension", 0.1),
    ("Alanine aminotransferase increased", 0.08),
    ("Rash maculo-papular", 0.07),
    ("Hepatic failure", 0.05),
]
RESPONSES = ["partial_response", "stable_disease", "complete_response"]
CUTOFF = date(2014, 3, 31)


def _iso(day: date) -> str:
    return day.isoformat()


def _partial(rng: random.Random, day: date, share: float) -> str:
    """Mostly a full date; now and then only the month, as sites often record."""
    return day.strftime("%Y-%m") if rng.random() < share else day.isoformat()


def _term(rng: random.Random) -> str:
    pick = rng.random()
    for term, weight in AE_TERMS:
        if pick < weight:
            return term
        pick -= weight
    return AE_TERMS[0][0]


def _sorafenib_patient(rng: random.Random, number: int) -> dict[str, Any]:
    first = date(2010, 1, 1) + timedelta(days=rng.randrange(0, 900))
    diagnosis = first - timedelta(days=rng.randrange(14, 90))
    # progression mostly within 6 months of TACE #1, sometimes later
    progression_day = rng.randrange(60, 175) if rng.random() < 0.9 else rng.randrange(190, 260)
    progression = first + timedelta(days=progression_day)
    second = progression + timedelta(days=rng.randrange(5, 30))
    imaging = [
        {
            "date": _iso(first + timedelta(days=rng.randrange(25, 50))),
            "modality": "CT",
            "result": rng.choice(RESPONSES),
        },
        {
            "date": _partial(rng, progression, 0.01),
            "modality": rng.choice(["CT", "MRI"]),
            "result": "progression" if rng.random() < 0.85 else "recurrence",
        },
    ]
    # sorafenib start: mostly days 3-21 after TACE #2, sometimes late
    start = second + timedelta(
        days=rng.randrange(3, 22) if rng.random() < 0.92 else rng.randrange(22, 45)
    )
    periods = []
    adverse_events = []
    duration = rng.randrange(30, 420)
    dose_mg, frequency = (400, "BID") if rng.random() < 0.8 else (400, "QD")
    if rng.random() < 0.03:
        dose_mg = 600  # 1,200 mg/day: an overdose
    end = start + timedelta(days=duration)
    if rng.random() < 0.35:
        # an AE leads to a reduction (or, rarely, an unjustified low dose)
        onset = start + timedelta(days=rng.randrange(10, max(11, duration // 2)))
        grade = rng.choice([2, 2, 3, 3, 1])
        adverse_events.append(
            {
                "term": _term(rng),
                "grade": grade,
                "onset_date": _iso(onset),
                "resolution_date": _iso(onset + timedelta(days=rng.randrange(7, 60))),
                "serious": grade >= 3,
                "related_to_sorafenib": True,
                "action_taken": "dose_reduced" if rng.random() < 0.9 else "dose_not_changed",
            }
        )
        split = onset + timedelta(days=rng.randrange(0, 4))
        periods.append(
            {
                "start_date": _iso(start),
                "end_date": _iso(split),
                "dose_mg": dose_mg,
                "frequency": frequency,
                "reason": "initial",
            }
        )
        periods.append(
            {
                "start_date": _iso(split + timedelta(days=1)),
                "end_date": _iso(max(end, split + timedelta(days=20))),
                "dose_mg": 200,
                "frequency": "BID" if rng.random() < 0.7 else "QD",
                "reason": "adverse_event",
            }
        )
    else:
        periods.append(
            {
                "start_date": _iso(start),
                "end_date": _iso(end),
                "dose_mg": dose_mg,
                "frequency": frequency if rng.random() > 0.01 else "TID",
                "reason": "initial",
            }
        )
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        onset = start + timedelta(days=rng.randrange(1, duration))
        adverse_events.append(
            {
                "term": _term(rng),
                "grade": rng.choice([1, 1, 1, 2, 2]),
                "onset_date": _iso(onset),
                "resolution_date": None,
                "serious": False,
                "related_to_sorafenib": rng.random() < 0.8,
                "action_taken": "dose_not_changed",
            }
        )
    tace = [
        {"date": _iso(first), "technique": "conventional"},
        {"date": _iso(second), "technique": "conventional"},
    ]
    later = second + timedelta(days=rng.randrange(90, 500))
    if later < CUTOFF and rng.random() < 0.7:
        imaging.append(
            {
                "date": _iso(later - timedelta(days=rng.randrange(7, 20))),
                "modality": "CT",
                "result": "progression",
            }
        )
        tace.append(
            {"date": _iso(later), "technique": rng.choice(["conventional", "drug_eluting_beads"])}
        )
    record = _common(rng, number, "sorafenib_after_tace", diagnosis, tace, imaging)
    record["sorafenib"] = periods
    record["adverse_events"] = adverse_events
    last_event = max([later if len(tace) > 2 else second, end])
    _outcome(rng, record, last_event)
    return record


def _control_patient(rng: random.Random, number: int) -> dict[str, Any]:
    first = date(2006, 1, 1) + timedelta(days=rng.randrange(0, 1200))
    diagnosis = first - timedelta(days=rng.randrange(14, 90))
    dates = [first]
    for _ in range(rng.choice([2, 2, 3, 4])):
        dates.append(dates[-1] + timedelta(days=rng.randrange(60, 240)))
    tace = [{"date": _iso(day), "technique": "conventional"} for day in dates]
    imaging = [
        {
            "date": _iso(day - timedelta(days=rng.randrange(5, 20))),
            "modality": "CT",
            "result": "progression",
        }
        for day in dates[1:]
    ]
    record = _common(rng, number, "tace_alone_control", diagnosis, tace, imaging)
    if rng.random() < 0.02:
        record["sorafenib"] = [
            {
                "start_date": _iso(dates[1] + timedelta(days=10)),
                "end_date": None,
                "dose_mg": 400,
                "frequency": "BID",
                "reason": "initial",
            }
        ]
    _outcome(rng, record, dates[-1])
    return record


def _common(
    rng: random.Random,
    number: int,
    cohort: str,
    diagnosis: date,
    tace: list[dict[str, Any]],
    imaging: list[dict[str, Any]],
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "schema_version": "1",
        "patient_id": f"S{number:07d}",
        "cohort": cohort,
        "site_id": rng.choice(SITES),
        "diagnosis": {
            "condition": "hepatocellular_carcinoma",
            "date": _iso(diagnosis),
            "unresectable": rng.random() > 0.01,
        },
        "tace": tace,
        "imaging": sorted(imaging, key=lambda item: item["date"]),
    }
    if rng.random() < 0.005:  # a duplicate entry of a TACE
        record["tace"].append(dict(record["tace"][0]))
    return record


def _outcome(rng: random.Random, record: dict[str, Any], last_event: date) -> None:
    follow_up = last_event + timedelta(days=rng.randrange(30, 1200))
    if follow_up < CUTOFF and rng.random() < 0.6:
        record["death_date"] = _iso(follow_up)
        record["last_contact_date"] = _iso(follow_up)
    else:
        record["last_contact_date"] = _iso(min(follow_up, CUTOFF - timedelta(days=3)))
    if rng.random() < 0.002:  # a year typed as 2102
        record["last_contact_date"] = "2102" + record["last_contact_date"][4:]
    record["data_cutoff_date"] = _iso(CUTOFF)


def _break(rng: random.Random, record: dict[str, Any]) -> dict[str, Any]:
    """A record a site might really send: one field wrong in one of a few ways."""
    kind = rng.randrange(4)
    if kind == 0:
        record["tace"][0]["date"] = "2011-13-45"
    elif kind == 1:
        del record["cohort"]
    elif kind == 2:
        record["imaging"][0]["result"] = "PD"
    else:
        record["sorafenib" if "sorafenib" in record else "tace"][0][
            "dose_mg" if "sorafenib" in record else "date"
        ] = "400"
    return record


def generate(count: int, seed: int = 2017, invalid: float = 0.01) -> Iterator[dict[str, Any]]:
    """``count`` records, the same ones for the same seed."""
    rng = random.Random(seed)
    for number in range(1, count + 1):
        if rng.random() < 0.75:
            record = _sorafenib_patient(rng, number)
        else:
            record = _control_patient(rng, number)
        if rng.random() < invalid:
            record = _break(rng, record)
        yield record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument(
        "--invalid",
        type=float,
        default=0.01,
        help="share of records that break the schema (default 0.01)",
    )
    parser.add_argument("-o", "--output", help="write here instead of standard output")
    args = parser.parse_args(argv)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            _write(out, args)
    else:
        _write(sys.stdout, args)
    return 0


def _write(out: TextIO, args: argparse.Namespace) -> None:
    for record in generate(args.count, args.seed, args.invalid):
        out.write(json.dumps(record, separators=(",", ":")))
        out.write("\n")


if __name__ == "__main__":
    sys.exit(main())
