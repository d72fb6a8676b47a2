"""Patients sharing one durable_rules session (issue 15): allowed only where proved safe.

The adapter proves, on the compiled ruleset, that no rule can match facts of two
patients (``single_fact_rules``); ``check_records`` then checks up to
``BATCH_PATIENTS`` patients in one session, and falls back to one session per
patient when the proof fails or when a batch fails.
"""

from __future__ import annotations

import copy
import itertools
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from protocol.engine import EngineError
from protocol.engine.checker import BATCH_PATIENTS, check_record, check_records
from protocol.engine.durable_adapter import WARM_FACTS, RuleEngine, engine_for, single_fact_rules
from protocol.engine.facts import SUBJECTS, Fact, measure
from protocol.engine.recalled import PER_SUBJECT, Recalled
from protocol.engine.timeline import Timeline
from protocol.findings import PatientResult
from protocol.packs import Pack
from protocol.records import load_record
from protocol.records.model import PatientRecord

AS_OF = date(2014, 6, 30)
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
_NAMES = itertools.count()


def _example(name: str) -> dict[str, Any]:
    with open(EXAMPLES / f"{name}.json", encoding="utf-8") as handle:
        return json.load(handle)


def _model(record: dict[str, Any]) -> PatientRecord:
    model, errors = load_record(record, "test")
    assert model is not None, errors
    return model


def _checked(results: list[PatientResult | Exception]) -> list[PatientResult]:
    assert all(isinstance(r, PatientResult) for r in results), results
    return [r for r in results if isinstance(r, PatientResult)]


def _not_met(result: PatientResult) -> list[tuple[str, str | None]]:
    return [(f.rule, f.instance) for f in result.findings if str(f.status) == "not_met"]


def test_the_pack_is_proved_batchable(pack: Pack) -> None:
    assert engine_for(pack).batchable is True


@pytest.mark.parametrize(
    ("rule", "why"),
    [
        ({"all": [{"a": {"subject": "x"}}, {"b": {"subject": "y"}}]}, "a join of two facts"),
        ({"any": [{"m": {"subject": "x"}}]}, "not an 'all' of one pattern"),
        ({"all": [{"m": {"$gt": {"day": {"$s": "limit"}}}}]}, "reads the session's state"),
        ({"all": [{"m": {"$gt": {"day": {"a": "day"}}}}]}, "reads another fact's field"),
        ({"all": [{"m": {"$none": {"day": 1}}}]}, "an operator it does not know"),
        ({"all": [{"m": {"subject": "x"}, "n": {"subject": "y"}}]}, "two facts in one item"),
    ],
)
def test_the_proof_refuses_any_rule_that_could_join_patients(
    pack: Pack, rule: dict[str, Any], why: str
) -> None:
    definition = {**engine_for(pack).definition, "extra": rule}
    assert single_fact_rules(definition) is False, why


def test_the_proof_refuses_a_changed_sentinel(pack: Pack) -> None:
    definition = copy.deepcopy(engine_for(pack).definition)
    definition["sentinel"]["all"][1] = {"never": {"subject": "tace_history"}}
    assert single_fact_rules(definition) is False


def _facts(pack: Pack, name: str) -> list[Fact]:
    """The first batch's facts of an example (subjects needing no eligibility)."""
    timeline = Timeline(_model(_example(name)), AS_OF)
    subjects = sorted({r.subject for r in pack.rules if not SUBJECTS[r.subject].needs_eligibility})
    return [fact for s in subjects for fact in measure(s, timeline, pack.params, {})]


def test_patients_in_one_session_get_only_their_own_firings(pack: Pack) -> None:
    # P01 and P05 have a fact with the same id (dosing_period#/sorafenib/0) whose outcome
    # differs: met for P01, DOS001 not met for P05 (an overdose). P01 twice gives two
    # identical facts, which durable refuses within one patient (pitfall 11).
    engine = engine_for(pack)
    groups = [_facts(pack, n) for n in ("p01-on-time", "p05-overdose", "p01-on-time")]
    alone = []
    for facts in groups:
        with engine.session() as session:
            alone.append(_read(pack, facts, session.assert_facts(facts), engine.implicit))
    with engine.session() as session:
        together = [
            _read(pack, facts, firings, engine.implicit)
            for facts, firings in zip(groups, session.assert_groups(groups), strict=True)
        ]
    assert together == alone
    dos001 = [outcomes["DOS001", "dosing_period#/sorafenib/0"] for outcomes in together]
    # Outcome 0 of DOS001 is "not met" (the dose above the maximum); P01 has another.
    assert dos001[1] == 0
    assert dos001[0] == dos001[2] != 0


class _JoinEngine(RuleEngine):
    """The pack plus one rule joining a diagnosis with a TACE history: not per patient."""

    def _compile(self) -> dict[str, Any]:
        rules = super()._compile()
        rules["join"] = {
            "all": [
                {"d": {"subject": "diagnosis"}},
                {"t": {"$and": [{"subject": "tace_history"}, {"$gt": {"tace_count": 99}}]}},
            ]
        }
        self.outcomes["join"] = ("JOIN", 0)
        return rules


def test_a_join_is_refused_and_would_cross_match_patients(pack: Pack) -> None:
    engine = _JoinEngine(pack, f"thr_join_{next(_NAMES)}")
    engine.register()
    assert engine.batchable is False
    diagnosis = next(f for f in _facts(pack, "p01-on-time") if f.subject == "diagnosis")
    history = next(f for f in _facts(pack, "p05-overdose") if f.subject == "tace_history")
    history = Fact(history.subject, history.instance, {**history.values, "tace_count": 100}, {})
    with engine.session() as session, pytest.raises(EngineError, match="together"):
        session.assert_groups([[diagnosis], [history]])
    # Each patient alone: the join has one side only, and never fires.
    for facts in ([diagnosis], [history]):
        with engine.session() as session:
            assert "JOIN" not in {code for code, _i, _f in session.assert_facts(facts)}
    # Had the proof said yes, the first patient's diagnosis would join the second's TACEs.
    engine.batchable = True
    with engine.session() as session:
        fired = session.assert_groups([[diagnosis], [history]])
    assert [c for g in fired for c, _i, _f in g if c == "JOIN"] == ["JOIN"]


def test_check_records_equals_each_patient_checked_alone(pack: Pack) -> None:
    names = ["p01-on-time", "p05-overdose", "p10-late-progression-treated", "p01-on-time"]
    names += ["p07-grade3-no-dose-action", "p14-control-tace-alone"]
    models = [_model(_example(n)) for n in names]
    tasks = [(m, f"s{i}", None) for i, m in enumerate(models)]
    together = _checked(check_records(tasks, pack, AS_OF))
    alone = [check_record(m, pack, AS_OF, f"s{i}") for i, m in enumerate(models)]
    assert together == alone
    assert [str(r.eligibility) for r in together] == [
        "eligible",
        "eligible",
        "ineligible",
        "eligible",
        "eligible",
        "eligible",
    ]
    assert [r.group for r in together] == ["sorafenib_ge_4m"] * 2 + ["unassigned"] + [
        "sorafenib_ge_4m",
        "sorafenib_ge_4m",
        "tace_alone",
    ]
    assert _not_met(together[0]) == []
    assert _not_met(together[1]) == [("DOS001", "/sorafenib/0")]
    assert _not_met(together[2]) == [("ELG003", None), ("TRT002", None)]


def test_more_patients_than_one_batch_keep_their_order(pack: Pack) -> None:
    names = ["p01-on-time", "p05-overdose", "p10-late-progression-treated"]
    models = [_model(_example(names[i % 3])) for i in range(BATCH_PATIENTS + 7)]
    tasks = [(m, str(i), None) for i, m in enumerate(models)]
    together = _checked(check_records(tasks, pack, AS_OF))
    assert [r.source for r in together] == [str(i) for i in range(BATCH_PATIENTS + 7)]
    assert [r.patient_id for r in together[:4]] == ["P01", "P05", "P10", "P01"]
    assert together[BATCH_PATIENTS + 2] == check_record(  # the 3rd of the second batch
        models[BATCH_PATIENTS + 2], pack, AS_OF, str(BATCH_PATIENTS + 2)
    )


def test_a_failed_batch_falls_back_to_one_session_per_patient(pack: Pack) -> None:
    # A record built in Python may hold NaN (pydantic accepts it); durable cannot compare
    # NaN, so that patient's facts fail, and with them the batch they are in.
    bad = _example("p01-on-time")
    bad["sorafenib"][0]["dose_mg"] = float("nan")
    models = [
        _model(_example("p05-overdose")),
        PatientRecord.model_validate(bad),
        _model(_example("p10-late-progression-treated")),
    ]
    results = check_records([(m, "s", None) for m in models], pack, AS_OF)
    assert results[0] == check_record(models[0], pack, AS_OF, "s")
    assert results[2] == check_record(models[2], pack, AS_OF, "s")
    assert isinstance(results[1], EngineError)
    assert str(results[1]) == (
        "fact dosing_period#/sorafenib/0 cannot be given to durable_rules:"
        " NaN cannot be compared by the rules engine"
    )
    # The engine is clean afterwards: the same good patients, batched again, agree.
    again = check_records([(models[0], "s", None), (models[2], "s", None)], pack, AS_OF)
    assert again == [results[0], results[2]]


# --- each rule's most frequent outcome firing no action (pitfall 31) -------------------------


def _read(
    pack: Pack, facts: list[Fact], fired: list[tuple[str, int, str]], implicit: dict[str, int]
) -> dict[tuple[str, str], int]:
    """The outcome of every rule on every fact: the first that fired, else the implicit one."""
    chosen: dict[tuple[str, str], int] = {}
    for code, index, identity in fired:
        chosen[code, identity] = min(index, chosen.get((code, identity), index))
    return {
        (rule.code, f"{fact.subject}#{fact.instance or ''}"): chosen.get(
            (rule.code, f"{fact.subject}#{fact.instance or ''}"), implicit[rule.code]
        )
        for rule in (*pack.rules, pack.group)
        for fact in facts
        if fact.subject == rule.subject
    }


def _lean(pack: Pack) -> RuleEngine:
    """An engine where every rule's first outcome fires no action (otherwise fires one)."""
    implicit = {rule.code: rule.outcomes[0].index for rule in (*pack.rules, pack.group)}
    engine = RuleEngine(pack, f"thr_lean_{next(_NAMES)}", implicit)
    engine.register()
    engine.full = RuleEngine(pack, f"thr_full_{next(_NAMES)}")
    engine.full.register()
    return engine


def _mistyped(fact: Fact, number: int) -> Fact:
    """The fact with each value of another type: text for a number, a number for text..."""
    swap = [7, "7", True, 7.5][number % 4]
    values = {k: (swap if type(v) is not type(swap) else "other") for k, v in fact.values.items()}
    return Fact(fact.subject, fact.instance, values, fact.display)


def test_a_lean_engine_reads_every_fact_as_the_full_engine_does(pack: Pack) -> None:
    lean = _lean(pack)
    assert lean.full.implicit == {r.code: r.otherwise.index for r in (*pack.rules, pack.group)}
    assert any(lean.implicit[r.code] != r.otherwise.index for r in pack.rules)
    names = [
        "p01-on-time",
        "p05-overdose",
        "p07-grade3-no-dose-action",
        "p10-late-progression-treated",
    ]
    cases = [_facts(pack, n) for n in names]
    # Values of the wrong type compare one way or the other, never both or neither.
    cases += [[_mistyped(f, i) for f in facts] for i, facts in enumerate(cases)]
    for facts in cases:
        with lean.full.session() as session:
            full = _read(pack, facts, session.assert_facts(facts), lean.full.implicit)
        with lean.session() as session:
            fired = session.assert_facts(facts)
            assert session.implicit is lean.implicit
        assert _read(pack, facts, fired, lean.implicit) == full
        # Fewer actions: most facts take their rule's first outcome here without one.
        assert {(c, f) for c, _i, f in fired} != set(full)


def test_a_fact_missing_a_field_is_checked_by_the_full_engine(pack: Pack) -> None:
    lean = _lean(pack)
    facts = _facts(pack, "p05-overdose")
    dosing = next(f for f in facts if f.subject == "dosing_period")
    assert "daily_dose" in lean.needs["dosing_period"]
    cut = {k: v for k, v in dosing.values.items() if k != "daily_dose"}
    facts = [Fact(dosing.subject, dosing.instance, cut, dosing.display), *facts]
    facts.remove(dosing)
    with lean.full.session() as session:
        full = _read(pack, facts, session.assert_facts(facts), lean.full.implicit)
    with lean.session() as session:
        fired = session.assert_facts(facts)
    assert _read(pack, facts, fired, lean.implicit) == full
    # Without daily_dose DOS001 cannot hold nor fail: its otherwise, made explicit.
    dos001 = pack.rule("DOS001")
    assert full["DOS001", "dosing_period#/sorafenib/0"] == dos001.otherwise.index
    assert ("DOS001", dos001.otherwise.index, "dosing_period#/sorafenib/0") in fired


def test_a_warmed_up_cohort_run_equals_each_patient_checked_alone(pack: Pack) -> None:
    names = sorted(p.stem for p in EXAMPLES.glob("p*.json"))
    models = [m for m in (load_record(_example(n), n)[0] for n in names) if m is not None]
    assert len(models) >= 12
    facts_per_round = sum(len(_facts(pack, n)) for n in names)
    rounds = WARM_FACTS // facts_per_round + 2  # the lean engine is compiled in round one
    tasks = [(m, f"{r}:{m.patient_id}", None) for r in range(rounds) for m in models]
    together = check_records(tasks, pack, AS_OF)
    assert engine_for(pack).session(lean=True).implicit != engine_for(pack).implicit
    assert together == [check_record(m, pack, AS_OF, source) for m, source, _n in tasks]


# --- outcomes recalled per fact content (pitfall 32) -----------------------------------------


def _fresh(pack: Pack) -> RuleEngine:
    engine = RuleEngine(pack, f"thr_recall_{next(_NAMES)}")
    engine.register()
    return engine


def _alone(pack: Pack, engine: RuleEngine, facts: list[Fact]) -> dict[tuple[str, str], int]:
    with engine.session() as session:
        return _read(pack, facts, session.assert_facts(facts), engine.implicit)


def _dosing(pack: Pack, daily_dose: Any, instance: str = "/sorafenib/0") -> Fact:
    fact = next(f for f in _facts(pack, "p05-overdose") if f.subject == "dosing_period")
    return Fact(fact.subject, instance, {**fact.values, "daily_dose": daily_dose}, fact.display)


def test_a_fact_seen_before_gets_what_durable_rules_concluded_for_it(pack: Pack) -> None:
    engine = _fresh(pack)
    groups = [_facts(pack, "p05-overdose"), _facts(pack, "p01-on-time")]
    with engine.session() as session:
        first = session.assert_groups(groups)
    every = [fact for facts in groups for fact in facts]
    assert all(engine.recalled.get(Recalled.content(f)) is not None for f in every)
    with engine.session() as session:
        again = session.assert_groups(groups)  # every fact recalled, none asserted
    for facts, fired, recalled in zip(groups, first, again, strict=True):
        alone = _alone(pack, _fresh(pack), facts)
        assert _read(pack, facts, recalled, engine.implicit) == alone
        assert _read(pack, facts, fired, engine.implicit) == alone
    # P05's first period, 1200 mg a day against the pack's 800: DOS001's outcome 0, not met.
    period = ("DOS001", "dosing_period#/sorafenib/0")
    assert _read(pack, groups[0], again[0], engine.implicit)[period] == 0
    assert _read(pack, groups[1], again[1], engine.implicit)[period] != 0


def test_contents_differ_wherever_the_engine_could_tell_them_apart(pack: Pack) -> None:
    # 1200, 1200.0, "1200" and True are four facts to the engine, so four contents; the
    # outcome recalled for each is what a session of its own concludes for it.
    variants = [1200, 1200.0, "1200", True, 800.0]
    facts = [_dosing(pack, value, f"/sorafenib/{n}") for n, value in enumerate(variants)]
    assert len({Recalled.content(f) for f in facts}) == len(variants)
    engine = _fresh(pack)
    with engine.session() as session:
        session.assert_groups([[fact] for fact in facts])
    with engine.session() as session:
        recalled = session.assert_groups([[fact] for fact in facts])
    for fact, fired in zip(facts, recalled, strict=True):
        assert _read(pack, [fact], fired, engine.implicit) == _alone(pack, _fresh(pack), [fact])
    names = ["int", "float", "text", "bool", "800"]
    dos001 = {}
    for name, fact, fired in zip(names, facts, recalled, strict=True):
        read = _read(pack, [fact], fired, engine.implicit)
        dos001[name] = read["DOS001", f"dosing_period#{fact.instance}"]
    assert dos001["int"] == dos001["float"] == 0  # above 800 mg a day, as a number either way
    assert dos001["800"] == pack.rule("DOS001").otherwise.index


def test_at_most_per_subject_contents_are_kept(pack: Pack) -> None:
    engine = _fresh(pack)
    facts = [_dosing(pack, 100 + n, f"/sorafenib/{n}") for n in range(PER_SUBJECT + 3)]
    with engine.session() as session:
        session.assert_groups([facts])
    kept = [engine.recalled.get(Recalled.content(f)) is not None for f in facts]
    assert kept == [True] * PER_SUBJECT + [False] * 3


def test_a_no_instance_finding_handed_to_every_patient_cannot_be_changed(pack: Pack) -> None:
    # Without an AE, AE001 is not applicable: one finding made once for the rule and shared,
    # so no caller may add to its evidence for the next patient.
    record = {**_example("p01-on-time"), "adverse_events": []}
    tasks = [(_model(record), source, None) for source in ("a", "b")]
    first, second = _checked(check_records(tasks, pack, AS_OF))
    (ae001,) = [f for f in first.findings if f.rule == "AE001"]
    assert str(ae001.status) == "not_applicable"
    with pytest.raises(TypeError):
        ae001.evidence["note"] = "for patient a only"  # type: ignore[index]
    assert ae001.to_dict()["evidence"] == {}
    assert [f.evidence for f in second.findings if f.rule == "AE001"] == [{}]
