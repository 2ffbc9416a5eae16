"""The one selector that says what a date range costs a user."""

from datetime import date
from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from config.errors import ValidationFailed
from leave.selectors.days import check_holiday_location, holiday_list, leave_cost, round_half, work_pattern_on
from leave.tests.factories import HolidayFactory, WorkPatternFactory

pytestmark = pytest.mark.django_db


def cost(user, start, end, start_half="full", end_half="full"):
    return leave_cost(user=user, start=start, end=end, start_half=start_half, end_half=end_half)


def test_epiphany_is_a_holiday_in_bavaria_but_not_in_berlin():
    bavarian = UserFactory(country="DE", subdivision="BY")
    berliner = UserFactory(country="DE", subdivision="BE")

    in_bavaria = cost(bavarian, date(2027, 1, 5), date(2027, 1, 7))
    in_berlin = cost(berliner, date(2027, 1, 5), date(2027, 1, 7))

    assert in_bavaria.days == 2
    assert [(h.date, h.name, h.source) for h in in_bavaria.holidays] == [(date(2027, 1, 6), "Epiphany", "public")]
    assert in_berlin.days == 3 and in_berlin.holidays == []


def test_weekends_are_skipped_and_reported():
    user = UserFactory()
    friday_to_monday = cost(user, date(2027, 3, 5), date(2027, 3, 8))
    assert friday_to_monday.days == 2
    assert friday_to_monday.non_working_days == [date(2027, 3, 6), date(2027, 3, 7)]
    assert cost(user, date(2027, 3, 6), date(2027, 3, 7)).days == 0


def test_afternoon_of_one_day_to_the_morning_of_the_next_costs_one_day():
    user = UserFactory()
    assert cost(user, date(2027, 3, 2), date(2027, 3, 3), "afternoon", "morning").days == 1
    assert cost(user, date(2027, 3, 2), date(2027, 3, 2), "afternoon").days == Decimal("0.5")
    assert cost(user, date(2027, 3, 2), date(2027, 3, 2), end_half="morning").days == Decimal("0.5")


def test_a_half_day_holiday_costs_half_and_a_half_day_on_it_costs_nothing():
    user = UserFactory(country="DE", subdivision="BY")
    HolidayFactory(date=date(2027, 3, 3), name="Carnival afternoon", half_day=True)

    assert cost(user, date(2027, 3, 3), date(2027, 3, 3)).days == Decimal("0.5")
    assert cost(user, date(2027, 3, 3), date(2027, 3, 3), "afternoon").days == 0
    assert cost(user, date(2027, 3, 3), date(2027, 3, 3), end_half="morning").days == 0
    assert cost(user, date(2027, 3, 2), date(2027, 3, 4)).days == Decimal("2.5")


def test_a_half_day_company_holiday_on_a_public_holiday_still_costs_nothing():
    user = UserFactory(country="DE", subdivision="BY")
    HolidayFactory(date=date(2027, 1, 6), name="Half day", half_day=True)
    assert cost(user, date(2027, 1, 6), date(2027, 1, 6)).days == 0


def test_company_holidays_apply_by_scope():
    bavarian = UserFactory(country="DE", subdivision="BY")
    french = UserFactory(country="FR")
    nowhere = UserFactory()
    HolidayFactory(date=date(2027, 3, 1), name="Everywhere")
    HolidayFactory(date=date(2027, 3, 2), name="Germany", country="DE")
    HolidayFactory(date=date(2027, 3, 3), name="Bavaria", country="DE", subdivision="BY")
    HolidayFactory(date=date(2027, 3, 4), name="Berlin", country="DE", subdivision="BE")

    week = (date(2027, 3, 1), date(2027, 3, 5))
    assert [h.name for h in cost(bavarian, *week).holidays] == ["Everywhere", "Germany", "Bavaria"]
    assert [h.name for h in cost(french, *week).holidays] == ["Everywhere"]
    assert [h.name for h in cost(nowhere, *week).holidays] == ["Everywhere"]


def test_the_work_pattern_decides_working_days_and_can_change_mid_range():
    user = UserFactory()
    # Four days a week (no Fridays) until March, then Monday to Saturday.
    WorkPatternFactory(user=user, valid_from=date(2027, 1, 1), friday=0)
    WorkPatternFactory(user=user, valid_from=date(2027, 3, 1), saturday=Decimal("4"))

    assert cost(user, date(2027, 2, 22), date(2027, 2, 28)).days == 4
    assert cost(user, date(2027, 3, 1), date(2027, 3, 7)).days == 6
    assert cost(user, date(2027, 2, 26), date(2027, 3, 1)).days == 1  # Fri (off), Sat, Sun, Mon
    assert work_pattern_on(user=user, on=date(2027, 2, 1)).friday == 0
    assert work_pattern_on(user=user, on=date(2026, 12, 1)).valid_from is None  # the default


def test_the_default_pattern_comes_from_settings(settings):
    settings.LEAVE_DEFAULT_WEEK_HOURS = [8, 8, 8, 8, 0, 0, 6]
    user = UserFactory()
    assert cost(user, date(2027, 3, 1), date(2027, 3, 7)).days == 5  # Mon-Thu and Sunday


def test_a_range_over_new_year_is_split_by_year():
    user = UserFactory(country="DE", subdivision="BY")
    result = cost(user, date(2026, 12, 30), date(2027, 1, 4))
    # Wed 30, Thu 31 Dec; Fri 1 Jan is New Year's Day; Sat, Sun; Mon 4 Jan.
    assert result.by_year == {2026: 2, 2027: 1}
    assert result.days == 3
    assert result.by_year_json() == {"2026": "2", "2027": "1"}


def test_holiday_list_merges_public_and_company_holidays():
    HolidayFactory(date=date(2027, 1, 6), name="Office closed", half_day=True, country="DE")
    found = holiday_list(country="DE", subdivision="BY", start=date(2027, 1, 1), end=date(2027, 1, 10))
    assert [(h.date, h.source, h.half_day) for h in found] == [
        (date(2027, 1, 1), "public", False),
        (date(2027, 1, 6), "public", False),
        (date(2027, 1, 6), "company", True),
    ]


@pytest.mark.parametrize(
    ("country", "subdivision", "field"),
    [("XX", "", "country"), ("DE", "ZZ", "subdivision"), ("", "BY", "subdivision")],
)
def test_unknown_countries_and_subdivisions_are_refused_naming_the_field(country, subdivision, field):
    with pytest.raises(ValidationFailed) as caught:
        check_holiday_location(country, subdivision)
    assert list(caught.value.fields) == [field]


def test_round_half_rounds_to_half_days():
    assert [round_half(Decimal(x)) for x in ("2.083", "2.25", "2.74", "2.75", "0")] == [
        Decimal("2"),
        Decimal("2.5"),
        Decimal("2.5"),
        Decimal("3"),
        Decimal("0"),
    ]
