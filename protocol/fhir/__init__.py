"""HL7 FHIR R4: reading a Bundle or a Bulk Data export into canonical records.

::

    from protocol.fhir import fhir_reader, load_mapping, patient_records
    mapping = load_mapping("integrations/fhir/tamai_mapping.yaml")
    for item in patient_records("export/", mapping):  # Assembled, or RecordError
        item.provenance.describe("/tace/1/date")  # FHIR Procedure/P02-tace2.performedDateTime
    run_cohort(["bundle.json"], pack, renderer, out, reader=fhir_reader(mapping))
"""

from protocol.fhir.assembly import Assembled
from protocol.fhir.mapping import FhirMapping, FhirMappingError, default_mapping_path, load_mapping
from protocol.fhir.provenance import Origin, Provenance
from protocol.fhir.reader import fhir_reader, patient_records, read_fhir

__all__ = [
    "Assembled",
    "FhirMapping",
    "FhirMappingError",
    "Origin",
    "Provenance",
    "default_mapping_path",
    "fhir_reader",
    "load_mapping",
    "patient_records",
    "read_fhir",
]
