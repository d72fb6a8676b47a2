@control_arm
Feature: Historical TACE-alone control arm
  A control received no sorafenib, and had a TACE #3 less than 6 calendar
  months after TACE #2 (strictly under: exactly 6 months is not under).

  Background:
    Given a control patient
    And an unresectable hepatocellular carcinoma
    And TACE #1 on 2010-01-10

  Rule: CTL001 - no sorafenib

    Scenario: TACE alone
      Given TACE #2 on 2010-06-15
      And TACE #3 on 2010-10-01
      When the record is checked as of 2013-01-31
      Then CTL001 is met
      And the patient is eligible

    Scenario: A control who received sorafenib
      Given TACE #2 on 2010-06-15
      And TACE #3 on 2010-10-01
      And sorafenib 400 mg BID from 2010-10-20 to 2011-01-20
      When the record is checked as of 2013-01-31
      Then CTL001 is not met
      And the explanation says "a TACE-alone control must have none"
      And the patient is ineligible

  Rule: CTL002 - TACE #3 under 6 months after TACE #2

    @boundary
    Scenario Outline: Interval between TACE #2 and TACE #3
      Given TACE #2 on <tace2>
      And TACE #3 on <tace3>
      When the record is checked as of 2013-01-31
      Then CTL002 is <status>

      Examples:
        | tace2      | tace3      | status  |
        | 2010-06-15 | 2010-12-14 | met     |
        | 2010-06-15 | 2010-12-15 | not met |
        | 2010-06-15 | 2011-02-01 | not met |
        | 2010-08-31 | 2011-02-27 | met     |
        | 2010-08-31 | 2011-02-28 | not met |

    Scenario: Exactly 6 months is not under 6 months
      Given TACE #2 on 2010-06-15
      And TACE #3 on 2010-12-15
      When the record is checked as of 2013-01-31
      Then CTL002 is not met
      And the explanation says "not under 6 months"
      And the group is unassigned

    Scenario: Only two TACEs
      Given TACE #2 on 2010-06-15
      When the record is checked as of 2013-01-31
      Then CTL002 is not met
      And the explanation says "Only 2 TACE procedures"

    Scenario: Controls are not judged by the prospective arm's rules
      Given TACE #2 on 2010-06-15
      And TACE #3 on 2010-10-01
      When the record is checked as of 2013-01-31
      Then CTL002 is met
      And DAT001 is met
      And there is no ELG001 finding

    Scenario: A year-only TACE that may fall between the others leaves CTL002 open
      Given TACE #2 on 2010-09-01
      And TACE #3 on 2010
      When the record is checked as of 2013-01-31
      Then CTL002 is not evaluable
      And the explanation says "2010 (any day of 2010) may be before or after 2010-01-10, 2010-09-01, or on the same day; give the full date"
      And the group is unassigned
