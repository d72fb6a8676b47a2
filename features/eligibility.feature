@eligibility
Feature: Eligibility of the prospective arm
  A patient of the sorafenib arm is eligible with unresectable hepatocellular
  carcinoma, a first TACE, progression within 6 calendar months of that TACE,
  and a second TACE on or after the progression date.

  Background:
    Given a patient in the sorafenib arm

  Rule: ELG001 - unresectable hepatocellular carcinoma

    Scenario: Unresectable hepatocellular carcinoma qualifies
      Given an unresectable hepatocellular carcinoma
      And TACE #1 on 2011-09-01
      When the record is checked as of 2012-01-01
      Then ELG001 is met
      And the explanation says "Diagnosis is hepatocellular carcinoma, unresectable."

    Scenario: A resectable tumour does not qualify
      Given a resectable hepatocellular carcinoma
      And TACE #1 on 2011-09-01
      When the record is checked as of 2012-01-01
      Then ELG001 is not met
      And the explanation says "resectable"
      And the patient is ineligible

    Scenario: Another cancer does not qualify
      Given an unresectable cholangiocarcinoma
      And TACE #1 on 2011-09-01
      When the record is checked as of 2012-01-01
      Then ELG001 is not met
      And the explanation says "Diagnosis is 'cholangiocarcinoma', unresectable; the study needs unresectable hepatocellular carcinoma."

  Rule: ELG002 - a first TACE

    Scenario: A first TACE is recorded
      Given an unresectable hepatocellular carcinoma
      And TACE #1 on 2011-09-01
      When the record is checked as of 2012-01-01
      Then ELG002 is met
      And the explanation says "TACE #1 on 2011-09-01"

    Scenario: No TACE at all
      Given an unresectable hepatocellular carcinoma
      When the record is checked as of 2012-01-01
      Then ELG002 is not met
      And the explanation says "No TACE recorded"
      And ELG003 is not applicable
      And the patient is ineligible

    Scenario: TACE #1 is the earliest TACE, whatever the order of entry
      Given an unresectable hepatocellular carcinoma
      And TACE #2 on 2012-03-01
      And TACE #1 on 2011-09-01
      And progression on CT on 2012-02-10
      When the record is checked as of 2012-04-01
      Then ELG002 is met
      And the explanation says "TACE #1 on 2011-09-01"
      And ELG004 is met

  Rule: ELG003 - progression within 6 calendar months of TACE #1

    @boundary
    Scenario Outline: Progression on the last day of the window is in time, one day later is not
      Given an unresectable hepatocellular carcinoma
      And TACE #1 on <tace1>
      And progression on CT on <progression>
      When the record is checked as of 2012-12-31
      Then ELG003 is <status>
      And the explanation says "<explanation>"

      Examples:
        | tace1      | progression | status  | explanation                         |
        | 2011-09-01 | 2012-03-01  | met     | window ending 2012-03-01            |
        | 2011-09-01 | 2012-03-02  | not met | 1 day after the 6-month window      |
        | 2011-08-31 | 2012-02-29  | met     | window ending 2012-02-29            |
        | 2011-08-31 | 2012-03-01  | not met | window ended on 2012-02-29          |
        | 2011-09-01 | 2011-12-15  | met     | 105 days after TACE #1              |

    Scenario: Recurrence counts as progression
      Given an unresectable hepatocellular carcinoma
      And TACE #1 on 2011-09-01
      And stable disease on CT on 2011-11-01
      And recurrence on MRI on 2012-01-20
      When the record is checked as of 2012-06-01
      Then ELG003 is met
      And the explanation says "Progression on 2012-01-20"

    Scenario: Only the first progression after TACE #1 counts
      Given an unresectable hepatocellular carcinoma
      And TACE #1 on 2011-09-01
      And progression on CT on 2012-04-10
      And progression on CT on 2012-06-10
      When the record is checked as of 2012-12-31
      Then ELG003 is not met
      And the explanation says "2012-04-10"

    @pending
    Scenario: No progression yet while the window is open
      Given an unresectable hepatocellular carcinoma
      And TACE #1 on 2011-09-01
      And stable disease on CT on 2011-12-01
      When the record is checked as of 2012-02-01
      Then ELG003 is pending
      And the explanation says "runs to 2012-03-01"
      And the patient is pending

    @pending @boundary
    Scenario Outline: Without progression the window stays open up to its last day
      Given an unresectable hepatocellular carcinoma
      And TACE #1 on 2011-09-01
      When the record is checked as of <as of>
      Then ELG003 is <status>

      Examples:
        | as of      | status  |
        | 2012-03-01 | pending |
        | 2012-03-02 | not met |

    @pending
    Scenario: A progression dated after the as-of date has not happened yet
      Given an unresectable hepatocellular carcinoma
      And TACE #1 on 2011-09-01
      And progression on CT on 2012-02-20
      When the record is checked as of 2012-02-01
      Then ELG003 is pending

    @not_evaluable
    Scenario: A progression known only to the month straddles the deadline
      Given an unresectable hepatocellular carcinoma
      And TACE #1 on 2011-09-15
      And progression on CT on 2012-03
      When the record is checked as of 2012-12-31
      Then ELG003 is not evaluable
      And the explanation says "ELG003 cannot be decided: progression date 2012-03 is partial; please give the day"
      And the patient is undetermined

    Scenario: A progression known only to the month, wholly inside the window
      Given an unresectable hepatocellular carcinoma
      And TACE #1 on 2011-09-15
      And progression on CT on 2012-02
      When the record is checked as of 2012-12-31
      Then ELG003 is met

  Rule: ELG004 - a second TACE on or after the progression date

    @boundary
    Scenario Outline: TACE #2 on the progression date is accepted, the day before is not
      Given an unresectable hepatocellular carcinoma
      And TACE #1 on 2011-09-01
      And progression on CT on 2012-02-10
      And TACE #2 on <tace2>
      When the record is checked as of 2012-06-01
      Then ELG004 is <status>

      Examples:
        | tace2      | status  |
        | 2012-02-10 | met     |
        | 2012-03-01 | met     |
        | 2012-02-09 | not met |

    @pending
    Scenario: Progression, and TACE #2 has not happened yet
      Given an unresectable hepatocellular carcinoma
      And TACE #1 on 2011-09-01
      And progression on CT on 2012-02-10
      When the record is checked as of 2012-02-20
      Then ELG004 is pending
      And the explanation says "TACE #2 has not happened yet"
      And the patient is pending

    Scenario: The patient died after progression without a second TACE
      Given an unresectable hepatocellular carcinoma
      And TACE #1 on 2011-09-01
      And progression on CT on 2012-02-10
      And death on 2012-04-02
      When the record is checked as of 2012-06-01
      Then ELG004 is not met
      And the patient is ineligible

    Scenario: Without progression ELG003 decides, not ELG004
      Given an unresectable hepatocellular carcinoma
      And TACE #1 on 2011-09-01
      When the record is checked as of 2012-02-01
      Then ELG004 is not applicable

  Rule: TACE order under partial dates - a partial date that may overlap another leaves the numbering open

    Scenario: A TACE known only to its year beside a full date leaves the order open
      Given an unresectable hepatocellular carcinoma
      And TACE #1 on 2011-07-04
      And TACE #2 on 2011
      And progression on CT on 2013-03-01
      When the record is checked as of 2014-01-01
      Then ELG002 is met
      And ELG003 is not evaluable
      And the explanation says "the order of the TACEs is open: 2011 (any day of 2011) may be before or after 2011-07-04, or on the same day; give the full date"
      And ELG004 is not evaluable
      And the explanation says "the order of the TACEs is open"
      And the patient is undetermined

    Scenario: Undecided even when either order would exclude the patient
      # Progression in March 2013 is late whichever TACE is #1 (the latest window ends
      # 2012-06-30), yet which entry is TACE #1 is open and the site must give the date.
      Given an unresectable hepatocellular carcinoma
      And TACE #1 on 2011
      And TACE #2 on 2011-07-04
      And progression on CT on 2013-03-01
      When the record is checked as of 2014-01-01
      Then ELG003 is not evaluable
      And the explanation says "ELG003 cannot be decided"

    Scenario: A year that cannot overlap the other dates is ordered
      Given an unresectable hepatocellular carcinoma
      And TACE #1 on 2011
      And TACE #2 on 2012-03-01
      When the record is checked as of 2012-06-01
      Then ELG002 is met
      And the explanation says "TACE #1 on 2011"
      And the explanation does not say "order of the TACEs"

  Rule: Eligibility of the patient

    Scenario: All entry criteria met
      Given an unresectable hepatocellular carcinoma
      And TACE #1 on 2011-09-01
      And progression on CT on 2012-02-10
      And TACE #2 on 2012-03-01
      When the record is checked as of 2012-06-01
      Then ELG001 is met
      And ELG002 is met
      And ELG003 is met
      And ELG004 is met
      And the patient is eligible
