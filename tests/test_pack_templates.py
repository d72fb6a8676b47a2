"""Plurals in message templates (issue 10): "{days} day{days:s}", "{n:is|are}" - no code."""

from __future__ import annotations

import pytest

from protocol.packs.templates import TemplateError, placeholders, render


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, "1 day"),
        (2, "2 days"),
        (0, "0 days"),
        ("1", "1 day"),
        ("0-1", "0-1 days"),
        (1.0, "1 day"),
    ],
)
def test_suffix_plural(value: object, expected: str) -> None:
    assert render("{days} day{days:s}", {"days": value}) == expected


def test_word_choice_plural() -> None:
    template = "{n} {n:entry|entries} {n:is|are} left"
    assert render(template, {"n": 1}) == "1 entry is left"
    assert render(template, {"n": 3}) == "3 entries are left"


def test_other_format_specs_still_format() -> None:
    assert render("{x:.1f} mg", {"x": 2.25}) == "2.2 mg"


def test_a_choice_with_more_than_two_words_is_refused() -> None:
    with pytest.raises(TemplateError, match="singular\\|plural"):
        placeholders("{n:a|b|c}")
    assert placeholders("{n} day{n:s}, {n:is|are}") == {"n"}
