"""Files that are not UTF-8 text are named for what they are (issue 9, item 5).

UTF-16 and UTF-32 (with or without a byte order mark), gzip, a BOM inside a JSON
Lines file, and CR-only line ends each get a message naming the cause.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.records import read_sources

RECORD = {"schema_version": "1", "patient_id": "E-1", "cohort": "tace_alone_control"}
TEXT = json.dumps(RECORD)


def _errors(path: Path) -> list[tuple[str, str, str]]:
    found = []
    for item in read_sources([path]):
        if item.error is not None:
            found.append((item.error.source, item.error.location, item.error.message))
    return found


ENCODINGS = [
    ("utf-16", "UTF-16"),
    ("utf-16-le", "UTF-16"),
    ("utf-16-be", "UTF-16"),
    ("utf-32", "UTF-32"),
    ("utf-32-le", "UTF-32"),
    ("utf-32-be", "UTF-32"),
]


@pytest.mark.parametrize(("codec", "name"), ENCODINGS)
def test_a_utf16_or_utf32_json_file_is_named(tmp_path: Path, codec: str, name: str) -> None:
    path = tmp_path / "r.json"
    path.write_bytes(TEXT.encode(codec))
    assert _errors(path) == [(str(path), "", f"the file is {name}; export it as UTF-8")]


@pytest.mark.parametrize(("codec", "name"), ENCODINGS)
def test_every_line_of_a_utf16_or_utf32_jsonl_file_names_it(
    tmp_path: Path, codec: str, name: str
) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(f"{TEXT}\n{TEXT}\n".encode(codec))
    errors = _errors(path)
    assert errors, "nothing was said about a UTF-16/32 file"
    assert {message for _, _, message in errors} == {f"the file is {name}; export it as UTF-8"}


def test_a_gzip_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_bytes(gzip.compress(TEXT.encode()))
    [(_, location, message)] = _errors(path)
    assert location == ""
    assert message.startswith("the file is gzip-compressed; decompress it first")


def test_a_bom_on_a_later_jsonl_line_is_named_and_the_other_lines_are_read(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + TEXT.encode() + b"\n\xef\xbb\xbf" + TEXT.encode() + b"\n")
    items = list(read_sources([path]))
    assert items[0].record == RECORD  # a BOM at the very start of a file is fine
    assert items[1].error is not None
    assert items[1].error.source == f"{path}:2"
    assert "line 2 starts with a byte order mark" in items[1].error.message


def test_cr_only_line_ends_are_named(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(f"{TEXT}\r{TEXT}\r{TEXT}\r".encode())
    [(_, _, message)] = _errors(path)
    assert "CR-only line ends (classic Mac OS)" in message


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(ENCODINGS),
    st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFFFF).filter(
            lambda c: not 0xD800 <= ord(c) <= 0xDFFF
        ),
        max_size=30,
    ),
)
def test_any_record_in_utf16_or_utf32_is_named(tmp_path_factory, encoding, term) -> None:
    codec, name = encoding
    path = tmp_path_factory.mktemp("enc") / "r.json"
    path.write_bytes(json.dumps({**RECORD, "site_id": term}, ensure_ascii=False).encode(codec))
    assert [m for _, _, m in _errors(path)] == [f"the file is {name}; export it as UTF-8"]
