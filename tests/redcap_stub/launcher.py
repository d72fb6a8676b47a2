"""The service as ``tacecheck serve`` builds it, plus the REDCap trigger router, on uvicorn.

``python tests/redcap_stub/launcher.py --db URL --port N --redcap-config FILE``: exactly
``protocol.service.app.create_app`` and one ``app.include_router(redcap_router(...))``,
the lines the service adds for ``serve --redcap-config FILE``.
"""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn

from protocol.redcap.live_config import ConfigError, load_live_config
from protocol.redcap.trigger import redcap_router
from protocol.service.app import create_app
from protocol.service.database import Database

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redcap-config", required=True)
    args = parser.parse_args(argv)
    try:
        config = load_live_config(args.redcap_config)
    except ConfigError as error:
        print(f"tacecheck: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app(Database(args.db))
    app.include_router(redcap_router(config))
    uvicorn.run(app, host="127.0.0.1", port=args.port, access_log=False, log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
