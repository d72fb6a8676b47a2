"""The tacecheck service: an HTTP JSON API that is the system of record for checks.

``tacecheck serve`` runs it (FastAPI on uvicorn); ``tacecheck db upgrade``
creates its schema (Alembic); ``tacecheck user add`` issues tokens. See
:mod:`protocol.service.store` for versions and :mod:`protocol.service.audit`
for the audit trail.
"""

from protocol.service.commands import add_commands, run_command

__all__ = ["add_commands", "run_command"]
