"""Measuring records and running protocol packs in durable_rules."""

from protocol.engine.checker import as_of_for, check_record, eligibility_of
from protocol.engine.durable_adapter import EngineError

__all__ = ["EngineError", "as_of_for", "check_record", "eligibility_of"]
