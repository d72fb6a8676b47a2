@not_collected
Feature: A section the source did not collect is unknown, not empty
  A sponsor's SDTM folder often has no PR (procedures) or RS (response) dataset. Read
  as empty, it would say "no TACE" and "no progression", and the checker would report
  ineligible patients and deviations that never happened. So every rule that needs a
  section that was not collected is not evaluable, and says which section and why; a
  rule that needs only what was collected answers as usual. The patient stays
  unassigned until the missing data come.

  Background:
    Given a patient in the sorafenib arm
    And an unresectable hepatocellular carcinoma

  Scenario: Without TACE and imaging, eligibility and the sorafenib start cannot be decided
    Given sorafenib 400 mg BID from 2012-03-15 to 2012-09-30
    And the source did not collect TACE procedures (no PR dataset)
    And the source did not collect tumour response assessments (no RS dataset)
    When the record is checked as of 2013-06-30
    Then ELG001 is met
    And ELG002 is not evaluable
    And the explanation says "it needs TACE procedures, not collected for this patient (no PR dataset)"
    And ELG003 is not evaluable
    And the explanation says "it needs TACE procedures and tumour response assessments"
    And ELG004 is not evaluable
    And TRT001 is not evaluable
    And TRT002 is not evaluable
    And DOS001 is met
    And DOS002 is met
    And the patient is undetermined
    And the group is unassigned
    And the group reason says "not collected for this patient (no PR dataset; no RS dataset)"
    And there is no TTP

  Scenario: Without dosing, a grade 3 adverse event is still flagged
    Given TACE #1 on 2011-09-01
    And progression on CT on 2011-12-20
    And TACE #2 on 2012-01-10
    And a grade 3 adverse event "hypertension" on 2012-05-10
    And the source did not collect sorafenib dosing (no EX dataset)
    When the record is checked as of 2013-06-30
    Then AE001 is not met
    And AE002 is not evaluable
    And the explanation says "it needs sorafenib dosing, not collected for this patient (no EX dataset)"
    And the patient is eligible
    And TRT001 is not evaluable
    And the group is unassigned

  Scenario: An ineligibility the collected data prove stands
    Given a resectable hepatocellular carcinoma
    And sorafenib 400 mg BID from 2012-03-15 to 2012-09-30
    And the source did not collect TACE procedures (no PR dataset)
    When the record is checked as of 2013-06-30
    Then ELG001 is not met
    And the patient is ineligible
    And TRT002 is not met
    And the explanation says "although the patient is ineligible"
