@groups
Feature: Analysis group and endpoints
  Eligible patients of the sorafenib arm go to sorafenib_ge_4m when sorafenib
  ran at least 4 calendar months (first start to last end, or to the as-of date
  while ongoing), else to sorafenib_lt_4m; controls meeting CTL001 and CTL002
  go to tace_alone. TTP and OS run from the index TACE (TACE #2, or TACE #3
  for controls), in months of 30.4375 days.

  Rule: Sorafenib exposure of 4 calendar months

    Background:
      Given a patient in the sorafenib arm
      And an unresectable hepatocellular carcinoma
      And TACE #1 on 2011-09-01
      And progression on CT on 2011-12-20
      And TACE #2 on 2012-01-10

    @boundary
    Scenario Outline: Exactly 4 calendar months reaches the threshold, one day less does not
      Given sorafenib 400 mg BID from 2012-01-25 to <end>
      When the record is checked as of 2012-12-31
      Then the patient is eligible
      And the group is <group>

      Examples:
        | end        | group           |
        | 2012-05-25 | sorafenib_ge_4m |
        | 2012-05-24 | sorafenib_lt_4m |
        | 2012-03-15 | sorafenib_lt_4m |
        | 2012-10-01 | sorafenib_ge_4m |

    @boundary
    Scenario Outline: Ongoing sorafenib counts up to the as-of date
      Given sorafenib 400 mg BID from 2012-01-25
      When the record is checked as of <as of>
      Then the group is <group>

      Examples:
        | as of      | group           |
        | 2012-05-25 | sorafenib_ge_4m |
        | 2012-05-24 | sorafenib_lt_4m |

    Scenario: Exposure runs from the first start to the last end, across periods
      Given sorafenib 400 mg BID from 2012-01-25 to 2012-03-10
      And a grade 3 adverse event "hand-foot skin reaction" on 2012-03-08 with action drug_interrupted
      And sorafenib 400 mg QD from 2012-03-20 to 2012-05-25 with reason adverse_event
      When the record is checked as of 2012-12-31
      Then the group is sorafenib_ge_4m
      And the group reason says "2012-01-25 to 2012-05-25"

    Scenario: A patient who never received sorafenib is not assigned
      When the record is checked as of 2012-12-31
      Then the patient is eligible
      And the group is unassigned
      And the group reason says "never received sorafenib"
      And there is no TTP
      And there is no OS

  Rule: Only eligible patients are assigned

    Scenario: An ineligible patient treated with sorafenib is not assigned
      Given a patient in the sorafenib arm
      And an unresectable hepatocellular carcinoma
      And TACE #1 on 2011-09-01
      And progression on CT on 2012-04-10
      And TACE #2 on 2012-04-20
      And sorafenib 400 mg BID from 2012-05-01 to 2012-10-01
      When the record is checked as of 2012-12-31
      Then the group is unassigned
      And the group reason says "ineligible"
      And there is no TTP

    Scenario: A control meeting CTL001 and CTL002 is TACE alone
      Given a control patient
      And an unresectable hepatocellular carcinoma
      And TACE #1 on 2010-01-10
      And TACE #2 on 2010-06-15
      And TACE #3 on 2010-12-01
      When the record is checked as of 2013-01-31
      Then the group is tace_alone

    Scenario: A control who received sorafenib is not assigned
      Given a control patient
      And an unresectable hepatocellular carcinoma
      And TACE #1 on 2010-01-10
      And TACE #2 on 2010-06-15
      And TACE #3 on 2010-12-01
      And sorafenib 400 mg BID from 2010-12-20 to 2011-03-01
      When the record is checked as of 2013-01-31
      Then the group is unassigned

  Rule: Time to progression and overall survival

    Background:
      Given a patient in the sorafenib arm
      And an unresectable hepatocellular carcinoma
      And TACE #1 on 2011-09-01
      And progression on CT on 2011-12-20
      And TACE #2 on 2012-01-10
      And sorafenib 400 mg BID from 2012-01-25 to 2012-06-30

    Scenario: TTP ends at the next TACE, OS at death
      Given TACE #3 on 2012-07-01
      And death on 2013-01-05
      When the record is checked as of 2013-12-31
      Then TTP is 5.7 months with an event
      And TTP is 5.68 months with an event
      And OS is 11.86 months with an event

    Scenario: Without a next TACE or death, both are censored at last contact
      Given last contact on 2013-06-01
      When the record is checked as of 2013-12-31
      Then TTP is 16.69 months censored
      And OS is 16.69 months censored

    Scenario: Without a next TACE, TTP is censored at death
      Given death on 2013-01-05
      And last contact on 2012-12-20
      When the record is checked as of 2013-12-31
      Then TTP is 11.86 months censored
      And OS is 11.86 months with an event

    Scenario: A TACE after the as-of date has not happened yet
      Given TACE #3 on 2013-06-01
      And last contact on 2013-01-05
      When the record is checked as of 2013-01-31
      Then TTP is 11.86 months censored

    Scenario: A control's TTP runs from TACE #3 to TACE #4
      Given a control patient
      And an unresectable hepatocellular carcinoma
      And TACE #1 on 2010-01-10
      And TACE #2 on 2010-06-15
      And TACE #3 on 2010-12-01
      And TACE #4 on 2011-04-15
      And last contact on 2012-02-01
      When the record is checked as of 2013-01-31
      Then the group is tace_alone
      And TTP is 4.44 months with an event
      And OS is 14.03 months censored
