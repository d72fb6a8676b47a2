@record_format
Feature: The patient record format
  A patient record is one JSON object with fixed field names. Unknown fields
  are refused (a typo must not pass silently), with a message saying where.

  Scenario: A well-formed record is accepted
    Given the record:
      """
      {
        "schema_version": "1",
        "patient_id": "P100",
        "cohort": "sorafenib_after_tace",
        "diagnosis": {"condition": "hepatocellular_carcinoma", "date": "2011-05-01", "unresectable": true},
        "tace": [{"date": "2011-09-01"}, {"date": "2012-03-01"}],
        "imaging": [{"date": "2012-02-10", "modality": "CT", "result": "progression"}],
        "sorafenib": [{"start_date": "2012-03-20", "end_date": null, "dose_mg": 400, "frequency": "BID"}]
      }
      """
    When the record is checked as of 2012-06-01
    Then the record is accepted
    And TRT001 is met

  Scenario: A misspelt field is refused with the right name suggested
    Given the record:
      """
      {
        "schema_version": "1",
        "patient_id": "P101",
        "cohort": "sorafenib_after_tace",
        "tace": [{"date": "2011-09-01"}],
        "sorafinib": [{"start_date": "2012-03-20", "end_date": null, "dose_mg": 400, "frequency": "BID"}]
      }
      """
    When the record is checked as of 2012-06-01
    Then the record is refused with an error mentioning "sorafenib"
    And the error points at "/sorafinib"

  Scenario: An impossible date is refused
    Given the record:
      """
      {
        "schema_version": "1",
        "patient_id": "P102",
        "cohort": "sorafenib_after_tace",
        "tace": [{"date": "2011-09-01"}, {"date": "2012-13-01"}]
      }
      """
    When the record is checked as of 2012-06-01
    Then the error points at "/tace/1/date"

  Scenario: An unknown cohort is refused
    Given the record:
      """
      {"schema_version": "1", "patient_id": "P103", "cohort": "sorafenib"}
      """
    When the record is checked as of 2012-06-01
    Then the error points at "/cohort"
