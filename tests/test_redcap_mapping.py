"""The shipped REDCap data dictionary, and mappings checked against dictionary and record."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml

from protocol.redcap import DictionaryError, MappingError, load_dictionary, load_mapping
from protocol.redcap.dictionary import API_COLUMNS, DESIGNER_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "integrations" / "redcap"
DICTIONARY = HERE / "tamai_data_dictionary.csv"
MAPPING = HERE / "tamai_mapping.yaml"


def _dictionary_rows() -> tuple[list[str], list[list[str]]]:
    with DICTIONARY.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    return header, rows


# -- the shipped dictionary ------------------------------------------------------------------


def test_the_dictionary_has_the_online_designers_eighteen_columns():
    header, rows = _dictionary_rows()
    assert header == [
        "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
        "Choices, Calculations, OR Slider Labels", "Field Note",
        "Text Validation Type OR Show Slider Number", "Text Validation Min",
        "Text Validation Max", "Identifier?", "Branching Logic (Show field only if...)",
        "Required Field?", "Custom Alignment", "Question Number (surveys only)",
        "Matrix Group Name", "Matrix Ranking?", "Field Annotation",
    ]  # fmt: skip
    assert all(len(row) == 18 for row in rows)
    assert rows[0][:4] == ["record_id", "enrolment_diagnosis", "Enrolment", "text"]


def test_the_dictionary_has_the_studys_forms_and_the_validations_a_site_would_set():
    dictionary = load_dictionary(DICTIONARY)
    assert dictionary.forms == (
        "enrolment_diagnosis", "tace", "imaging", "sorafenib_dosing", "adverse_events",
        "withdrawal", "follow_up", "tacecheck_findings",
    )  # fmt: skip
    validations = {item.validation for item in dictionary.fields.values()}
    assert {"date_ymd", "date_dmy", "number"} <= validations
    assert dictionary.fields["sor_freq"].type == "radio"
    assert list(dictionary.fields["sor_freq"].choices) == ["QD", "BID", "TID", "QOD"]
    assert dictionary.fields["ae_serious"].type == "checkbox"
    # Each partial-capable date has its precision radio right after it, on the same form.
    names = list(dictionary.fields)
    for name in ("dx_date", "tace_date", "img_date", "sor_start", "sor_end", "ae_onset"):
        follower = dictionary.fields[names[names.index(name) + 1]]
        assert (follower.name, follower.type, follower.form) == (
            f"{name}_prec", "radio", dictionary.fields[name].form,
        )  # fmt: skip
    site_b = load_dictionary(HERE / "site_b_data_dictionary.csv")
    assert "integer" in {item.validation for item in site_b.fields.values()}


def test_both_header_styles_and_the_api_json_read_the_same(tmp_path):
    _, rows = _dictionary_rows()
    api_csv = tmp_path / "metadata.csv"
    with api_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(API_COLUMNS)
        writer.writerows(rows)
    api_json = tmp_path / "metadata.json"
    api_json.write_text(json.dumps([dict(zip(API_COLUMNS, row, strict=True)) for row in rows]))
    designer = load_dictionary(DICTIONARY)
    for other in (load_dictionary(api_csv), load_dictionary(api_json)):
        assert [
            (f.name, f.form, f.type, f.validation, f.choices) for f in other.fields.values()
        ] == [(f.name, f.form, f.type, f.validation, f.choices) for f in designer.fields.values()]
    assert dict(zip(DESIGNER_COLUMNS, API_COLUMNS, strict=True))["Identifier?"] == "identifier"


def test_a_file_that_is_not_a_dictionary_says_so(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("record_id,cohort\nP01,1\n", encoding="utf-8")
    with pytest.raises(DictionaryError, match="not a REDCap data dictionary"):
        load_dictionary(path)
    bad = tmp_path / "dict.csv"
    bad.write_text(
        ",".join(API_COLUMNS) + "\nx,f,,radio,X,no code here,,,,,,,,,,,,\n", encoding="utf-8"
    )
    with pytest.raises(DictionaryError, match=r"row 2, field 'x': choice 'no code here'"):
        load_dictionary(bad)


# -- mappings ----------------------------------------------------------------------------------


def test_the_shipped_mapping_reads_every_field_of_the_dictionary():
    # Every field is either read into the record or, like the write-back instrument
    # tacecheck_findings, named as ignored: none is silently left out.
    mapping = load_mapping(MAPPING)
    assert mapping.used_fields() | mapping.ignored == set(mapping.dictionary.fields)
    assert not mapping.used_fields() & mapping.ignored
    assert set(mapping.missing_codes) == {"UNK", "NASK", "NA", "NAVU", "-5"}
    assert mapping.list_instruments().keys() == {
        "tace", "imaging", "sorafenib_dosing", "adverse_events",
    }  # fmt: skip


def _broken(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))
    data["dictionary"] = str(DICTIONARY)
    change(data)
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _problems(path: Path) -> list[tuple[str, str]]:
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    return caught.value.problems


def test_a_mapping_field_not_in_the_dictionary_is_named_with_its_place(tmp_path):
    def change(data):
        data["record"]["tace"]["items"]["date"]["field"] = "tace_dt"

    assert _problems(_broken(tmp_path, change)) == [
        ("record.tace.items.date.field", "field 'tace_dt' is not in the data dictionary")
    ]


def test_every_choice_must_be_mapped_to_a_value_the_record_accepts(tmp_path):
    def change(data):
        choices = data["record"]["tace"]["items"]["technique"]["choices"]
        del choices["3"]
        choices["2"] = "beads"

    problems = _problems(_broken(tmp_path, change))
    assert (
        "record.tace.items.technique.choices",
        "choice(s) '3' of field 'tace_technique' have no canonical value in the mapping",
    ) in problems
    assert any(
        where == "record.tace.items.technique.choices.2" and "'beads' is not a value" in what
        for where, what in problems
    )


def test_a_list_field_must_be_on_its_instrument_and_single_values_off_lists(tmp_path):
    def change(data):
        data["record"]["imaging"]["items"]["modality"]["field"] = "tace_technique"
        data["record"]["site_id"] = {"field": "ae_term"}

    problems = dict(_problems(_broken(tmp_path, change)))
    assert (
        "is on form 'tace', not on the repeating instrument 'imaging'"
        in (problems["record.imaging.items.modality"])
    )
    assert "on the repeating instrument 'adverse_events'" in problems["record.site_id"]


def test_schema_problems_name_their_place(tmp_path):
    def change(data):
        data["record"]["cohort"]["choises"] = data["record"]["cohort"].pop("choices")
        data["record"]["tace"]["items"]["date"]["precision"]["choices"]["1"] = "days"
        data["version"] = 2

    assert _problems(_broken(tmp_path, change)) == [
        ("record.cohort", "Additional properties are not allowed ('choises' was unexpected)"),
        (
            "record.tace.items.date.precision.choices.1",
            "'days' is not one of ['day', 'month', 'year']",
        ),
        ("version", "expected the number 1"),
    ]


def test_canonical_names_and_required_fields_are_checked(tmp_path):
    def change(data):
        data["record"]["smoking"] = {"field": "site_id"}
        del data["record"]["cohort"]

    problems = _problems(_broken(tmp_path, change))
    assert ("record.smoking", "'smoking' is not a field of the canonical patient record") in (
        problems
    )
    assert ("record", "the canonical field 'cohort' is required but not mapped") in problems


def test_a_missing_data_code_may_not_be_a_choice_code(tmp_path):
    def change(data):
        data["missing_data_codes"] = ["UNK", "9"]  # 9 is ae_related's "Not assessed"

    problems = _problems(_broken(tmp_path, change))
    assert any("choice code '9' of field 'ae_related'" in what for _, what in problems)


def test_a_mapping_whose_dictionary_is_missing_says_which_file(tmp_path):
    def change(data):
        data["dictionary"] = str(tmp_path / "nowhere.csv")

    ((where, what),) = _problems(_broken(tmp_path, change))
    assert where == "dictionary" and "nowhere.csv" in what and "cannot read" in what
