@sorafenib_start
Feature: Sorafenib start after the second TACE
  Sorafenib starts within 3 weeks of TACE #2: day 0 (the TACE date) to day 21
  inclusive. Only patients who meet the entry criteria may receive it.

  Background:
    Given a patient in the sorafenib arm
    And an unresectable hepatocellular carcinoma
    And TACE #1 on 2011-09-01

  Rule: TRT001 - first dose on day 0-21 after TACE #2

    @boundary
    Scenario Outline: Start day against the 3-week window
      Given progression on CT on 2012-02-10
      And TACE #2 on 2012-03-01
      And sorafenib 400 mg BID from <start> to 2012-08-01
      When the record is checked as of 2012-12-31
      Then TRT001 is <status>
      And the explanation says "<explanation>"

      Examples:
        | start      | status  | explanation                  |
        | 2012-03-01 | met     | day 0 after TACE #2          |
        | 2012-03-14 | met     | day 13 after TACE #2         |
        | 2012-03-22 | met     | day 21 after TACE #2         |
        | 2012-03-23 | not met | 22 days after TACE #2        |
        | 2012-03-27 | not met | 5 days late                  |
        | 2012-02-28 | not met | before TACE #2               |

    @pending
    Scenario: No sorafenib yet, the window is still open
      Given progression on CT on 2012-02-10
      And TACE #2 on 2012-03-01
      When the record is checked as of 2012-03-17
      Then TRT001 is pending
      And the explanation says "due by 2012-03-22"
      And the explanation says "5 days left"

    @pending @boundary
    Scenario Outline: Without sorafenib the window closes after day 21
      Given progression on CT on 2012-02-10
      And TACE #2 on 2012-03-01
      When the record is checked as of <as of>
      Then TRT001 is <status>

      Examples:
        | as of      | status  |
        | 2012-03-22 | pending |
        | 2012-03-23 | not met |

    @pending
    Scenario: A start dated after the as-of date has not happened yet
      Given progression on CT on 2012-02-10
      And TACE #2 on 2012-03-01
      And sorafenib 400 mg BID from 2012-03-20
      When the record is checked as of 2012-03-10
      Then TRT001 is pending

    @not_evaluable
    Scenario: A start known only to the month
      Given progression on CT on 2012-02-10
      And TACE #2 on 2012-03-01
      And sorafenib 400 mg BID from 2012-03 to 2012-09-27
      When the record is checked as of 2012-12-31
      Then TRT001 is not evaluable
      And the explanation says "0-30 days"

    Scenario: Nothing is due before TACE #2
      Given progression on CT on 2012-02-10
      When the record is checked as of 2012-03-01
      Then TRT001 is not applicable
      And the explanation says "No TACE #2 yet"

    Scenario: Withdrawal before the window closed
      Given progression on CT on 2012-02-10
      And TACE #2 on 2012-03-01
      And withdrawal from the study on 2012-03-10
      When the record is checked as of 2012-06-01
      Then TRT001 is not applicable

    Scenario: An ineligible patient rightly not treated
      Given progression on CT on 2012-04-10
      And TACE #2 on 2012-04-20
      When the record is checked as of 2012-08-01
      Then the patient is ineligible
      And TRT001 is not applicable
      And TRT002 is met

  Rule: TRT002 - no sorafenib for an ineligible patient

    Scenario: Eligible patient on sorafenib
      Given progression on CT on 2012-02-10
      And TACE #2 on 2012-03-01
      And sorafenib 400 mg BID from 2012-03-20 to 2012-08-01
      When the record is checked as of 2012-12-31
      Then TRT002 is met

    Scenario: Late progression, sorafenib given anyway
      Given progression on CT on 2012-04-10
      And TACE #2 on 2012-04-20
      And sorafenib 400 mg BID from 2012-05-01 to 2012-08-01
      When the record is checked as of 2012-12-31
      Then the patient is ineligible
      And TRT002 is not met
      And the explanation says "ELG003"

    @not_evaluable
    Scenario: Treated while a partial date leaves eligibility undetermined
      Given progression on CT on 2012-03
      And TACE #2 on 2012-04-05
      And sorafenib 400 mg BID from 2012-04-10 to 2012-08-01
      When the record is checked as of 2012-12-31
      Then the patient is undetermined
      And TRT002 is not evaluable
