"""Write the fuzzer's seed corpus: the bundled examples and malformed inputs, each behind a
mode byte (0 decode, 1 JSON Lines file, 2 .json file; see fuzz_reader.py).

    python fuzz/seed_corpus.py /tmp/tacecheck-corpus
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

__all__ = ["seed"]

ROOT = Path(__file__).resolve().parent.parent


def seed(out: Path) -> int:
    """Write one file per (input, mode) into ``out``; return how many."""
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    sources = sorted((ROOT / "examples").glob("*.json"))
    sources += sorted(p for p in (ROOT / "tests" / "malformed").iterdir() if p.is_file())
    for path in sources:
        raw = path.read_bytes()
        bodies = [raw]
        with contextlib.suppress(ValueError, RecursionError):
            bodies.append(json.dumps(json.loads(raw)).encode("utf-8"))  # one line
        for number, body in enumerate(bodies):
            for mode in range(3):
                (out / f"{path.stem}-{number}-{mode}").write_bytes(bytes([mode]) + body)
                count += 1
    return count


if __name__ == "__main__":
    print(seed(Path(sys.argv[1])), "seed inputs written")
