@adverse_events
Feature: Adverse events
  Every adverse event is looked at. Grade 3 or worse (CTCAE) raises a safety
  flag, and one that began on sorafenib needs the dose reduced, interrupted or
  withdrawn, which the dosing record must then show.

  Background:
    Given a patient in the sorafenib arm
    And an unresectable hepatocellular carcinoma
    And TACE #1 on 2011-09-01
    And progression on CT on 2012-02-10
    And TACE #2 on 2012-03-01

  Rule: AE001 - grade 3 or higher raises the safety flag

    @boundary
    Scenario Outline: Grade of the adverse event
      Given sorafenib 400 mg BID from 2012-03-10 to 2012-08-01
      And a grade <grade> adverse event "hand-foot skin reaction" on 2012-05-10 with action drug_interrupted
      When the record is checked as of 2012-12-31
      Then AE001 is <status>
      And the explanation says "<explanation>"

      Examples:
        | grade | status  | explanation                                                  |
        | 1     | met     | is below grade 3                                             |
        | 2     | met     | is below grade 3                                             |
        | 3     | not met | Safety flag: hand-foot skin reaction, grade 3, began 2012-05-10 |
        | 4     | not met | grade 4                                                      |

    Scenario: One finding per adverse event
      Given sorafenib 400 mg BID from 2012-03-10 to 2012-08-01
      And a grade 1 adverse event "fatigue" on 2012-04-01
      And a grade 3 adverse event "hypertension" on 2012-05-10 with action drug_interrupted
      When the record is checked as of 2012-12-31
      Then adverse event 1's AE001 is met
      And adverse event 2's AE001 is not met
      And the explanation says "hypertension"

    Scenario: No adverse events recorded
      Given sorafenib 400 mg BID from 2012-03-10 to 2012-08-01
      When the record is checked as of 2012-12-31
      Then AE001 is not applicable

  Rule: AE002 - a severe adverse event on sorafenib needs a dose action

    Scenario Outline: Action taken for a grade 3 adverse event on sorafenib
      Given sorafenib 400 mg BID from 2012-03-10 to 2012-08-01
      And a grade 3 adverse event "hand-foot skin reaction" on 2012-05-10 with action <action>
      When the record is checked as of 2012-12-31
      Then AE002 is <status>

      Examples:
        | action           | status  |
        | dose_reduced     | met     |
        | drug_interrupted | met     |
        | drug_withdrawn   | met     |
        | dose_not_changed | not met |
        | unknown          | not met |

    @boundary
    Scenario Outline: Grade 2 needs no dose action, grade 3 does
      Given sorafenib 400 mg BID from 2012-03-10 to 2012-08-01
      And a grade <grade> adverse event "hand-foot skin reaction" on 2012-05-10 with action dose_not_changed
      When the record is checked as of 2012-12-31
      Then AE002 is <status>

      Examples:
        | grade | status         |
        | 2     | not applicable |
        | 3     | not met        |

    @boundary
    Scenario Outline: On sorafenib means within a dosing period, both ends inclusive
      Given sorafenib 400 mg BID from 2012-03-10 to 2012-08-01
      And a grade 3 adverse event "hypertension" on <onset> with action dose_not_changed
      When the record is checked as of 2012-12-31
      Then AE002 is <status>

      Examples:
        | onset      | status         |
        | 2012-03-09 | not applicable |
        | 2012-03-10 | not met        |
        | 2012-08-01 | not met        |
        | 2012-08-02 | not applicable |

    Scenario: An ongoing period runs to the as-of date
      Given sorafenib 400 mg BID from 2012-03-10
      And a grade 3 adverse event "hypertension" on 2012-05-10 with action dose_not_changed
      When the record is checked as of 2012-06-01
      Then AE002 is not met
      And the explanation says "on sorafenib"

    Scenario: An adverse event marked unrelated to sorafenib
      Given sorafenib 400 mg BID from 2012-03-10 to 2012-08-01
      And a grade 3 adverse event "fall" on 2012-05-10 with action dose_not_changed, unrelated to sorafenib
      When the record is checked as of 2012-12-31
      Then AE002 is not applicable
      And the explanation says "unrelated"

  Rule: AE003 - the dose action shows in the dosing record

    Scenario: A dose reduction followed by a lower dose
      Given sorafenib 400 mg BID from 2012-03-10 to 2012-05-12
      And a grade 3 adverse event "hand-foot skin reaction" on 2012-05-10 with action dose_reduced
      And sorafenib 400 mg QD from 2012-05-13 to 2012-08-01 with reason adverse_event
      When the record is checked as of 2012-12-31
      Then AE003 is met

    Scenario: An interruption shows as a gap in the dosing
      Given sorafenib 400 mg BID from 2012-03-10 to 2012-05-12
      And a grade 3 adverse event "hand-foot skin reaction" on 2012-05-10 with action drug_interrupted
      And sorafenib 400 mg BID from 2012-05-25 to 2012-08-01 with reason resumption
      When the record is checked as of 2012-12-31
      Then AE003 is met

    Scenario: A reduction the dosing record does not show
      Given sorafenib 400 mg BID from 2012-03-10 to 2012-05-12
      And a grade 3 adverse event "hand-foot skin reaction" on 2012-05-10 with action dose_reduced
      And sorafenib 400 mg BID from 2012-05-13 to 2012-08-01 with reason other
      When the record is checked as of 2012-12-31
      Then AE003 is not met
      And the explanation says "the dosing record does not show it"

    Scenario: An interruption while the same dose is still ongoing
      Given sorafenib 400 mg BID from 2012-03-10
      And a grade 3 adverse event "hypertension" on 2012-05-10 with action drug_interrupted
      When the record is checked as of 2012-06-30
      Then AE003 is not met

    Scenario: Dosing that stops after the adverse event shows the interruption
      Given sorafenib 400 mg BID from 2012-03-10 to 2012-05-12
      And a grade 3 adverse event "hypertension" on 2012-05-10 with action drug_interrupted
      When the record is checked as of 2012-12-31
      Then AE003 is met
      And the explanation says "dosing stopped after 2012-05-12"

    Scenario Outline: The verdict does not depend on the order the dosing periods are listed in
      Given sorafenib <first>
      And sorafenib <second>
      And a grade 3 adverse event "hypertension" on 2012-05-08 with action drug_interrupted
      When the record is checked as of 2012-12-31
      Then AE003 is met
      And the explanation says "dosing paused after 2012-05-10 until 2012-05-20"

      Examples:
        | first                                     | second                                    |
        | 400 mg BID from 2012-03-10 to 2012-05-10  | 200 mg BID from 2012-05-20 to 2012-08-01  |
        | 200 mg BID from 2012-05-20 to 2012-08-01  | 400 mg BID from 2012-03-10 to 2012-05-10  |

    Scenario: No dose change asked for
      Given sorafenib 400 mg BID from 2012-03-10 to 2012-08-01
      And a grade 2 adverse event "fatigue" on 2012-05-10 with action dose_not_changed
      When the record is checked as of 2012-12-31
      Then AE003 is not applicable
