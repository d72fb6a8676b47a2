@dosing
Feature: Sorafenib dosing
  Sorafenib 400-800 mg per day (total daily dose, inclusive), once or twice daily.
  A dose below 400 mg/day is allowed only as a reduction after an adverse event
  of grade 2 or worse. Each dosing period is judged on its own.

  Background:
    Given a patient in the sorafenib arm
    And an unresectable hepatocellular carcinoma
    And TACE #1 on 2011-09-01
    And progression on CT on 2012-02-10
    And TACE #2 on 2012-03-01

  Rule: DOS001 - at most 800 mg per day

    @boundary
    Scenario Outline: Daily dose against the maximum
      Given sorafenib <dose> mg <frequency> from 2012-03-10 to 2012-08-01
      When the record is checked as of 2012-12-31
      Then DOS001 is <status>
      And the explanation says "<daily dose>"

      Examples:
        | dose | frequency | daily dose  | status  |
        | 400  | BID       | 800 mg/day  | met     |
        | 800  | QD        | 800 mg/day  | met     |
        | 801  | QD        | 801 mg/day  | not met |
        | 600  | BID       | 1200 mg/day | not met |
        | 300  | TID       | 900 mg/day  | not met |

    Scenario: Only the period above the maximum is a deviation
      Given sorafenib 600 mg BID from 2012-03-10 to 2012-04-30
      And sorafenib 400 mg BID from 2012-05-01 to 2012-08-01 with reason other
      When the record is checked as of 2012-12-31
      Then period 1's DOS001 is not met
      And the explanation says "above the maximum of 800 mg/day"
      And period 2's DOS001 is met

    Scenario: No sorafenib, no dose to check
      When the record is checked as of 2012-03-10
      Then DOS001 is not applicable
      And the explanation says "No dosing periods"

  Rule: DOS002 - at least 400 mg per day, unless a justified reduction

    @boundary
    Scenario Outline: Daily dose against the minimum
      Given sorafenib <dose> mg <frequency> from 2012-03-10 to 2012-08-01
      When the record is checked as of 2012-12-31
      Then DOS002 is <status>

      Examples:
        | dose | frequency | status  |
        | 400  | QD        | met     |
        | 200  | BID       | met     |
        | 400  | BID       | met     |
        | 399  | QD        | not met |
        | 200  | QD        | not met |
        | 400  | QOD       | not met |

    Scenario: A reduction after a grade 3 adverse event is justified
      Given sorafenib 400 mg BID from 2012-03-10 to 2012-05-12
      And a grade 3 adverse event "hand-foot skin reaction" on 2012-05-10 with action dose_reduced
      And sorafenib 200 mg QD from 2012-05-13 to 2012-08-01 with reason adverse_event
      When the record is checked as of 2012-12-31
      Then period 2's DOS002 is met
      And the explanation says "justified reduction"
      And period 1's DOS002 is met

    Scenario: A reduction without a justifying adverse event
      Given sorafenib 400 mg BID from 2012-03-10 to 2012-05-12
      And sorafenib 200 mg QD from 2012-05-13 to 2012-08-01 with reason other
      When the record is checked as of 2012-12-31
      Then period 2's DOS002 is not met
      And the explanation says "its reason is 'other', not an adverse-event reduction"

    @boundary
    Scenario Outline: Only an adverse event of grade 2 or worse justifies a reduction
      Given sorafenib 400 mg BID from 2012-03-10 to 2012-05-12
      And a grade <grade> adverse event "fatigue" on 2012-05-10 with action dose_reduced
      And sorafenib 200 mg QD from 2012-05-13 to 2012-08-01 with reason adverse_event
      When the record is checked as of 2012-12-31
      Then period 2's DOS002 is <status>
      And the explanation says "<explanation>"

      Examples:
        | grade | status  | explanation                                                      |
        | 2     | met     | as a justified reduction after grade 2 fatigue from 2012-05-10   |
        | 1     | not met | no grade 2+ adverse event began on or before its start: fatigue is grade 1 (below 2) |

    Scenario: The adverse event must come before the reduction
      Given sorafenib 400 mg BID from 2012-03-10 to 2012-05-12
      And sorafenib 200 mg QD from 2012-05-13 to 2012-08-01 with reason adverse_event
      And a grade 3 adverse event "diarrhoea" on 2012-06-01 with action dose_not_changed
      When the record is checked as of 2012-12-31
      Then period 2's DOS002 is not met
      And the explanation says "its reason is adverse_event, but no grade 2+ adverse event began on or before its start: diarrhoea (grade 3) began 2012-06-01, after the period"
      And the explanation does not say "(reason: adverse_event)"

    Scenario: Every other day without a justifying adverse event names the events considered
      Given sorafenib 400 mg BID from 2012-03-10 to 2012-05-12
      And a grade 1 adverse event "fatigue" on 2012-05-10 with action dose_reduced
      And sorafenib 400 mg QOD from 2012-05-13 to 2012-08-01 with reason adverse_event
      When the record is checked as of 2012-12-31
      Then period 2's DOS004 is not met
      And the explanation says "QOD is allowed only as an adverse-event reduction; its reason is adverse_event, but no grade 2+ adverse event began on or before its start: fatigue is grade 1 (below 2)."

  Rule: DOS003 - an adverse-event dose reduction is logged for review

    Scenario: A justified reduction is a non-important deviation
      Given sorafenib 400 mg BID from 2012-03-10 to 2012-05-12
      And a grade 3 adverse event "hand-foot skin reaction" on 2012-05-10 with action dose_reduced
      And sorafenib 200 mg QD from 2012-05-13 to 2012-08-01 with reason adverse_event
      When the record is checked as of 2012-12-31
      Then period 2's DOS003 is not met
      And the explanation says "logged for review"
      And period 1's DOS003 is not applicable
      And the explanation says "not a reduction"

    Scenario: An unjustified reduction is DOS002's business
      Given sorafenib 200 mg QD from 2012-03-10 to 2012-08-01
      When the record is checked as of 2012-12-31
      Then DOS003 is not applicable
      And the explanation says "see DOS002"
      And DOS002 is not met

  Rule: DOS004 - once or twice daily

    Scenario Outline: Frequency of a dosing period
      Given sorafenib <dose> mg <frequency> from 2012-03-10 to 2012-08-01
      When the record is checked as of 2012-12-31
      Then DOS004 is <status>

      Examples:
        | dose | frequency | status  |
        | 400  | BID       | met     |
        | 400  | QD        | met     |
        | 200  | TID       | not met |
        | 400  | QOD       | not met |

    Scenario: Every other day as an adverse-event reduction
      Given sorafenib 400 mg BID from 2012-03-10 to 2012-05-12
      And a grade 3 adverse event "hand-foot skin reaction" on 2012-05-10 with action dose_reduced
      And sorafenib 400 mg QOD from 2012-05-13 to 2012-08-01 with reason adverse_event
      When the record is checked as of 2012-12-31
      Then period 2's DOS004 is met
      And period 2's DOS003 is not met
      And period 2's DOS002 is met
