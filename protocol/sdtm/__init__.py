"""CDISC SDTM: reading a folder of domains into canonical records, and writing the DV domain.

::

    from protocol.sdtm import load_mapping, read_sdtm, sdtm_records, write_dv
    mapping = load_mapping("integrations/sdtm/tamai_mapping.yaml")
    for item in sdtm_records("study/sdtm", mapping):  # Assembled, or RecordError
        item.provenance.describe("/sorafenib/0/start_date")  # SDTM EX, USUBJID P02, ...
    raws = read_sdtm("study/sdtm", mapping)  # RawRecord items for the cohort runner
    write_dv(report["patients"], pack, "out/dv.xpt")  # or dv.json / dv.ndjson
"""

from protocol.sdtm.assembly import Assembled
from protocol.sdtm.datasets import Column, Dataset, read_dataset, read_folder
from protocol.sdtm.mapping import Mapping, MappingError, default_mapping_path, load_mapping
from protocol.sdtm.provenance import Origin, Provenance
from protocol.sdtm.reader import read_sdtm, sdtm_reader, sdtm_records

__all__ = [
    "Assembled",
    "Column",
    "Dataset",
    "Mapping",
    "MappingError",
    "Origin",
    "Provenance",
    "default_mapping_path",
    "load_mapping",
    "read_dataset",
    "read_folder",
    "read_sdtm",
    "sdtm_reader",
    "sdtm_records",
]
