@data_consistency
Feature: Data consistency
  Checks on both arms that become queries to the site: duplicate TACE dates,
  intervals ending before they start, events after death or after the as-of
  date, overlapping dosing periods, and fatal adverse events without a death.

  Background:
    Given a patient in the sorafenib arm
    And an unresectable hepatocellular carcinoma
    And TACE #1 on 2011-09-01
    And progression on CT on 2012-02-10

  Rule: DAT001 - no two TACEs on the same date

    Scenario: TACEs on distinct dates
      Given TACE #2 on 2012-03-01
      When the record is checked as of 2012-06-01
      Then DAT001 is met

    Scenario: Two TACEs on the same date count as one procedure
      Given TACE #2 on 2012-03-01
      And TACE #3 on 2012-03-01
      When the record is checked as of 2012-06-01
      Then DAT001 is not met
      And the explanation says "2012-03-01"
      And TRT001 is not met
      And the explanation says "after TACE #2 (2012-03-01)"

    Scenario: A TACE earlier than the as-of date is counted, a later one is set aside
      Given TACE #2 on 2012-03-01
      And TACE #3 on 2012-09-01
      When the record is checked as of 2012-06-01
      Then DAT001 is met
      And the explanation says "2 TACE entries on 2 distinct dates; 1 TACE entry dated after the as-of date 2012-06-01 is not counted (see DAT004)."

    Scenario: A partial TACE date that may be the same day as another is a query
      Given TACE #2 on 2011-09
      When the record is checked as of 2012-06-01
      Then DAT001 is not evaluable
      And the explanation says "2011-09 at /tace/1 may be the same day as 2011-09-01 at /tace/0; please give the full dates."

    Scenario: A control's duplicate TACE is queried too
      Given a control patient
      And TACE #1 on 2010-01-10
      And TACE #2 on 2010-01-10
      When the record is checked as of 2013-01-31
      Then DAT001 is not met

  Rule: DAT002 - nothing ends before it starts

    Scenario: Dosing period and adverse event in order
      Given TACE #2 on 2012-03-01
      And sorafenib 400 mg BID from 2012-03-10 to 2012-08-01
      And a grade 1 adverse event "fatigue" on 2012-04-01 resolved on 2012-04-20
      When the record is checked as of 2012-12-31
      Then DAT002 is met

    Scenario: A dosing period that ends before it starts
      Given TACE #2 on 2012-03-01
      And sorafenib 400 mg BID from 2012-03-10 to 2012-02-01
      When the record is checked as of 2012-12-31
      Then period 1's DAT002 is not met
      And the explanation says "before it starts"

    Scenario: An adverse event resolved before its onset
      Given TACE #2 on 2012-03-01
      And sorafenib 400 mg BID from 2012-03-10 to 2012-08-01
      And a grade 1 adverse event "fatigue" on 2012-04-20 resolved on 2012-04-01
      When the record is checked as of 2012-12-31
      Then period 1's DAT002 is met
      And adverse event 1's DAT002 is not met

  Rule: DAT003 - nothing after death

    Scenario: Death is the last event
      Given TACE #2 on 2012-03-01
      And death on 2012-10-01
      And last contact on 2012-09-15
      When the record is checked as of 2012-12-31
      Then DAT003 is met

    Scenario: A contact after death
      Given TACE #2 on 2012-03-01
      And death on 2012-10-01
      And last contact on 2012-11-15
      When the record is checked as of 2012-12-31
      Then DAT003 is not met
      And the explanation says "2012-11-15"

    Scenario: No death recorded
      Given TACE #2 on 2012-03-01
      When the record is checked as of 2012-12-31
      Then DAT003 is not applicable

  Rule: DAT004 - nothing after the as-of date

    Scenario: The data cut-off before the as-of date is the date checked against
      Given TACE #2 on 2012-03-01
      And last contact on 2012-11-15
      And data cutoff on 2012-10-31
      When the record is checked as of 2012-12-31
      Then DAT004 is not met
      And the explanation says "as-of date 2012-10-31"
      And the check date is 2012-10-31 because of the data_cutoff_date

    Scenario: An as-of date before the data cut-off is the date checked against
      Given TACE #2 on 2012-03-01
      And data cutoff on 2013-06-30
      When the record is checked as of 2012-12-31
      Then the check date is 2012-12-31 because of the option

    Scenario: With neither an as-of date nor a data cut-off, the check is as of today
      Given TACE #2 on 2012-03-01
      When the record is checked with no as-of date
      Then the check is as of today

    Scenario: Everything dated before the as-of date
      Given TACE #2 on 2012-03-01
      When the record is checked as of 2012-12-31
      Then DAT004 is met

    Scenario: A typo in the year, 2102 for 2012
      Given TACE #2 on 2102-03-01
      When the record is checked as of 2012-12-31
      Then DAT004 is not met
      And the explanation says "2102-03-01"
      And the explanation says "a typo in the year, such as 2102 for 2012?"
      And TRT001 is not applicable

    @boundary
    Scenario Outline: A typo is suggested only more than a year after the data cut-off
      Given TACE #2 on 2012-03-01
      And data cutoff on 2012-10-31
      And last contact on <contact>
      When the record is checked as of 2012-12-31
      Then DAT004 is not met
      And the explanation says "Dated after the as-of date 2012-10-31, so not counted as happened: <contact> at /last_contact_date"
      And the explanation <typo> "a typo in the year"

      Examples:
        | contact    | typo         |
        | 2013-10-31 | does not say |
        | 2013-11-01 | says         |

    Scenario: A date after an earlier as-of date is not called a typo
      Given TACE #2 on 2012-03-01
      And last contact on 2013-06-01
      When the record is checked as of 2012-12-31
      Then DAT004 is not met
      And the explanation does not say "typo"

    @boundary
    Scenario Outline: A date on the as-of date has happened
      Given TACE #2 on 2012-03-01
      And last contact on <contact>
      When the record is checked as of 2012-12-31
      Then DAT004 is <status>

      Examples:
        | contact    | status  |
        | 2012-12-31 | met     |
        | 2013-01-01 | not met |

  Rule: DAT005 - dosing periods do not overlap

    Scenario: No dosing periods: nothing can overlap
      Given TACE #2 on 2012-03-01
      When the record is checked as of 2012-12-31
      Then DAT005 is not applicable
      And the explanation says "No dosing periods recorded"
      And DAT002 is not applicable
      And DAT003 is not applicable
      And DAT006 is not applicable

    Scenario: Consecutive dosing periods
      Given TACE #2 on 2012-03-01
      And sorafenib 400 mg BID from 2012-03-10 to 2012-05-12
      And sorafenib 400 mg QD from 2012-05-13 to 2012-08-01 with reason other
      When the record is checked as of 2012-12-31
      Then DAT005 is met

    Scenario: Overlapping dosing periods
      Given TACE #2 on 2012-03-01
      And sorafenib 400 mg BID from 2012-03-10 to 2012-06-01
      And sorafenib 400 mg QD from 2012-05-13 to 2012-08-01 with reason other
      When the record is checked as of 2012-12-31
      Then DAT005 is not met
      And the explanation says "overlap"

    Scenario: A long listing of overlaps shows three pairs and counts the rest
      Given TACE #2 on 2012-03-01
      And sorafenib 400 mg BID from 2012-03-10 to 2012-06-01
      And sorafenib 400 mg BID from 2012-03-10 to 2012-06-01
      And sorafenib 400 mg BID from 2012-03-10 to 2012-06-01
      And sorafenib 400 mg BID from 2012-03-10 to 2012-06-01
      When the record is checked as of 2012-12-31
      Then DAT005 is not met
      And the explanation says "/sorafenib/0 (2012-03-10 to 2012-06-01) and /sorafenib/3 (2012-03-10 to 2012-06-01); and 3 more pairs."

  Rule: DAT006 - a fatal adverse event has a death date

    Scenario: A grade 5 event with the death recorded
      Given TACE #2 on 2012-03-01
      And sorafenib 400 mg BID from 2012-03-10 to 2012-08-01
      And a grade 5 adverse event "hepatic failure" on 2012-07-30 with action drug_withdrawn
      And death on 2012-08-01
      When the record is checked as of 2012-12-31
      Then DAT006 is met

    Scenario: A grade 5 event without a death date
      Given TACE #2 on 2012-03-01
      And sorafenib 400 mg BID from 2012-03-10 to 2012-08-01
      And a grade 5 adverse event "hepatic failure" on 2012-07-30 with action drug_withdrawn
      When the record is checked as of 2012-12-31
      Then DAT006 is not met
      And the explanation says "no death_date"

    Scenario: A death recorded before the fatal event began
      Given TACE #2 on 2012-03-01
      And sorafenib 400 mg BID from 2012-03-10 to 2012-07-01
      And a grade 5 adverse event "hepatic failure" on 2012-07-30 with action drug_withdrawn
      And death on 2012-07-20
      When the record is checked as of 2012-12-31
      Then DAT006 is not met

    Scenario: Non-fatal events
      Given TACE #2 on 2012-03-01
      And sorafenib 400 mg BID from 2012-03-10 to 2012-08-01
      And a grade 3 adverse event "hypertension" on 2012-05-10 with action drug_interrupted
      When the record is checked as of 2012-12-31
      Then DAT006 is not applicable
