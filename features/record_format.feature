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

  Scenario Outline: A date outside 1900-01-01 to 2999-12-31 is an input error
    Given a patient in the sorafenib arm
    And TACE #1 on <date>
    When the record is checked as of 2012-06-01
    Then the record is refused with an error mentioning "outside the accepted range of dates"
    And the error points at "/tace/0/date"

    Examples:
      | date       |
      | 1899-12-31 |
      | 3000-01-01 |

  Scenario: A patient given twice in one run is checked once
    Given a patient in the sorafenib arm
    And an unresectable hepatocellular carcinoma
    And TACE #1 on 2011-09-01
    And the same record in the files "first.json" and "second.json"
    When the files are checked as one run as of 2012-06-01
    Then the run reports an input error for "second.json" naming the first source "first.json"
    And the run counts 1 patient
