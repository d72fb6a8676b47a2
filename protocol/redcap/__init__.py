"""REDCap: the study's data dictionary, mappings to the canonical record, reading exports.

::

    from protocol.redcap import load_mapping, read_redcap, redcap_records
    mapping = load_mapping("integrations/redcap/tamai_mapping.yaml")
    for item in redcap_records(["export.csv"], mapping):  # Assembled, or RecordError
        ...
    raws = read_redcap(["export.csv"], mapping)  # RawRecord items for the cohort runner
"""

from protocol.redcap.assembly import Assembled
from protocol.redcap.dictionary import Dictionary, DictionaryError, Field, load_dictionary
from protocol.redcap.mapping import Mapping, MappingError
from protocol.redcap.mapping_file import load_mapping
from protocol.redcap.provenance import Origin, Provenance
from protocol.redcap.reader import read_redcap, records_from_api, redcap_records

__all__ = [
    "Assembled",
    "Dictionary",
    "DictionaryError",
    "Field",
    "Mapping",
    "MappingError",
    "Origin",
    "Provenance",
    "load_dictionary",
    "load_mapping",
    "read_redcap",
    "records_from_api",
    "redcap_records",
]
