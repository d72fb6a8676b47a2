"""Run every Gherkin feature in features/ (the protocol's behaviour, readable by a clinician).

Steps live in tests/steps/ (star-imported by tests/conftest.py). Set TACECHECK_PACK to a
pack folder to run the features against another pack (e.g. a mutated copy).
"""

from pytest_bdd import scenarios

scenarios("")
