"""The bundled example records, written out by ``tacecheck examples DIR``.

An installed wheel carries them inside the package (``protocol/_data/examples``);
a source checkout reads the repository's ``examples/`` folder, as
:mod:`protocol._resources` does for the schemas and packs.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from protocol.records.folders import RECORD_SUFFIXES

__all__ = ["ExamplesError", "examples_dir", "write_examples", "write_integrations"]

_PACKAGE = Path(__file__).resolve().parent


class ExamplesError(Exception):
    """The examples cannot be written; the message says where and why."""


def examples_dir() -> Path:
    """The folder holding the bundled examples."""
    for candidate in (_PACKAGE / "_data" / "examples", _PACKAGE.parent / "examples"):
        if candidate.is_dir():
            return candidate
    raise ExamplesError(
        f"tacecheck cannot find its examples/ folder (looked in {_PACKAGE / '_data'} "
        f"and {_PACKAGE.parent}); reinstall the package"
    )


def _files(folder: Path) -> list[Path]:
    """The example records (the top folder's record files), so ``check DIR`` reads them all."""
    return sorted(
        path.relative_to(folder)
        for path in folder.iterdir()
        if path.is_file()
        and path.suffix.lower() in RECORD_SUFFIXES
        and not path.name.startswith(".")
    )


def _copy_new(source: Path, target: Path, files: list[Path], kind: str, what: str) -> list[Path]:
    """Copy ``files`` (relative to ``source``) below ``target``, all or none written over
    nothing: a clash anywhere is refused before a file is written."""
    clashes = [name for name in files if os.path.lexists(target / name)]
    if clashes:
        raise ExamplesError(
            f"{target / clashes[0]} already exists ({len(clashes)} of the {len(files)} {kind} "
            "would be written over); give an empty or new folder"
        )
    written = []
    try:
        for name in files:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / name, target / name)
            written.append(target / name)
    except OSError as error:
        raise ExamplesError(f"cannot write {what} to {target}: {error.strerror}") from None
    return written


def write_examples(target: str | Path) -> list[Path]:
    """Copy every example into ``target`` (made if need be); never writes over a file."""
    source = examples_dir()
    return _copy_new(source, Path(target), _files(source), "example files", "the examples")


def write_integrations(target: str | Path, source: Path | None = None) -> list[Path]:
    """Copy the shipped REDCap, SDTM and FHIR material (the REDCap data dictionary and
    example export, the mappings, SDTM and FHIR example datasets) into ``target``; never
    writes over a file. A pip-installed user gets them here, with the paths the README uses
    (``integrations/redcap/tamai_mapping.yaml`` inside ``target``)."""
    from protocol._resources import integrations_dir

    try:
        source = source or integrations_dir()  # the installed copy, unless another is named
    except FileNotFoundError as error:
        raise ExamplesError(str(error)) from None
    # Hidden files and caches are left out, judged below the folder (an installed package
    # may itself live under a hidden folder such as .venv).
    files = sorted(
        name
        for name in (path.relative_to(source) for path in source.rglob("*") if path.is_file())
        if not any(part.startswith(".") or part == "__pycache__" for part in name.parts)
    )
    if not files:
        raise ExamplesError(f"{source} holds no files; reinstall the package")
    return _copy_new(source, Path(target) / "integrations", files, "files", "the integrations")
