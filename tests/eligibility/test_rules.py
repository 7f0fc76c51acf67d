import copy
import itertools
from datetime import date

import pytest

from eligibility.rules import Answers, Rules, age_on, anniversary, evaluate
from tests.eligibility.conftest import COUNTED_ON, answers


# ---------------------------------------------------------------- configuration


def test_programme_file_parses(programme_rules):
    assert programme_rules.min_age == 18 and programme_rules.max_age == 35
    assert programme_rules.age_counted_on == date(2026, 10, 22)
    assert programme_rules.regions == ("almaty", "mangystau")
    assert programme_rules.studying_allowed == {"no"}  # NEET as the report defines it: no study at all
    assert programme_rules.employed_allowed is False and programme_rules.training_allowed is False
    assert programme_rules.documents == ("id", "registration", "neet")
    assert (programme_rules.opens, programme_rules.closes) == (date(2026, 10, 9), date(2026, 10, 22))


def test_dates_may_be_strings(section):
    section["age_counted_on"] = "2026-10-22"
    assert Rules.from_config(section).age_counted_on == date(2026, 10, 22)


def _broken(section, path, value):
    broken = copy.deepcopy(section)
    target = broken
    for part in path[:-1]:
        target = target[part]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return broken


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        (("min_age",), "18", "eligibility.min_age"),
        (("max_age",), True, "eligibility.max_age"),
        (("max_age",), 10, "eligibility.max_age"),
        (("max_age",), KeyError, "eligibility.max_age"),
        (("age_counted_on",), "22.10.2026", "eligibility.age_counted_on"),
        (("regions",), ["almaty", "astana"], "eligibility.regions"),
        (("regions",), [], "eligibility.regions"),
        (("regions",), "almaty", "eligibility.regions"),
        (("neet", "studying_allowed"), [False, "part-time"], "eligibility.neet.studying_allowed"),
        (("neet", "studying_allowed"), ["part-time"], "eligibility.neet.studying_allowed"),
        (("neet", "employed_allowed"), "no", "eligibility.neet.employed_allowed"),
        (("neet", "training_allowed"), KeyError, "eligibility.neet.training_allowed"),
        (("neet", "training_alowed"), False, "eligibility.neet.training_alowed"),
        (("neet",), None, "eligibility.neet"),
        (("documents",), ["id", "diploma"], "eligibility.documents"),
        (("application_window", "closes"), date(2026, 10, 1), "eligibility.application_window.closes"),
        (("application_window", "opens"), KeyError, "eligibility.application_window.opens"),
    ],
)
def test_bad_config_names_the_key(section, path, value, named):
    with pytest.raises(ValueError) as err:
        Rules.from_config(_broken(section, path, value))
    assert str(err.value).startswith(named + ":"), str(err.value)


def test_answers_are_validated():
    with pytest.raises(ValueError):
        answers(region="astana")
    with pytest.raises(ValueError):
        answers(studying="sometimes")
    with pytest.raises(ValueError):
        answers(documents={"id", "diploma"})
    assert answers(documents=["id"]).documents == frozenset({"id"})


# ---------------------------------------------------------------- age


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2000, 10, 22), date(2018, 10, 21), 17),
        (date(2000, 10, 22), date(2018, 10, 22), 18),
        (date(2000, 1, 1), date(2000, 1, 1), 0),
        (date(2000, 2, 29), date(2018, 2, 27), 17),
        (date(2000, 2, 29), date(2018, 2, 28), 18),  # common year: 28 Feb
        (date(2000, 2, 29), date(2018, 3, 1), 18),
        (date(2000, 2, 29), date(2020, 2, 28), 19),  # leap year: waits for 29 Feb
        (date(2000, 2, 29), date(2020, 2, 29), 20),
    ],
)
def test_age_on(born, on, age):
    assert age_on(born, on) == age


def test_anniversary_of_29_february():
    assert anniversary(date(2008, 2, 29), 18) == date(2026, 2, 28)
    assert anniversary(date(2008, 2, 29), 16) == date(2024, 2, 29)


@pytest.mark.parametrize(
    ("birth_date", "ok", "key"),
    [
        # The day before the 18th birthday → too young; on it → fine.
        (date(2008, 10, 23), False, "elig.reason.age_under"),
        (date(2008, 10, 22), True, None),
        # The day before the 36th birthday → fine; on it → too old.
        (date(1990, 10, 23), True, None),
        (date(1990, 10, 22), False, "elig.reason.age_over"),
    ],
)
def test_age_boundaries_on_counting_date(rules, birth_date, ok, key):
    verdict = evaluate(rules, answers(birth_date=birth_date))
    assert (verdict.verdict == "eligible") is ok
    if not ok:
        assert [(r.criterion, r.key) for r in verdict.reasons] == [("age", key)]


def test_age_boundaries_with_29_february_birthdays(section):
    # Counting on 28 Feb 2026 (common year): born 29 Feb 2008 turns 18 that day.
    section["age_counted_on"] = date(2026, 2, 28)
    rules = Rules.from_config(section)
    assert evaluate(rules, answers(birth_date=date(2008, 2, 29))).verdict == "eligible"
    # Born 1 March 1990: the 36th birthday is tomorrow, still 35.
    old = evaluate(rules, answers(birth_date=date(1990, 3, 1)))
    assert old.verdict == "eligible" and old.age == 35
    section["age_counted_on"] = date(2026, 2, 27)
    rules = Rules.from_config(section)
    young = evaluate(rules, answers(birth_date=date(2008, 2, 29)))
    assert young.criteria == ["age"] and young.age == 17
    assert young.reasons[0].params["adult_date"] == date(2026, 2, 28)


def test_29_february_36th_birthday(section):
    # 1992 is a leap year; 2028 too: born 29 Feb 1992, turns 36 on 29 Feb 2028.
    section["age_counted_on"] = date(2028, 2, 28)
    rules = Rules.from_config(section)
    assert evaluate(rules, answers(birth_date=date(1992, 2, 29))).verdict == "eligible"
    section["age_counted_on"] = date(2028, 2, 29)
    rules = Rules.from_config(section)
    assert evaluate(rules, answers(birth_date=date(1992, 2, 29))).criteria == ["age"]


def test_age_reason_params(rules):
    young = evaluate(rules, answers(birth_date=date(2009, 3, 3)))
    assert young.reasons[0].params == {
        "age": 17, "date": COUNTED_ON, "min_age": 18, "adult_date": date(2027, 3, 3),
    }
    old = evaluate(rules, answers(birth_date=date(1980, 1, 1)))
    params = old.reasons[0].params
    assert params["over_age"] == 36 and params["max_age"] == 35 and params["date"] == COUNTED_ON
    assert params["over_date"] == date(2016, 1, 1)
    assert old.age == 46


# ---------------------------------------------------------------- other criteria


@pytest.mark.parametrize(("region", "ok"), [("almaty", True), ("mangystau", True), ("other", False)])
def test_every_region(rules, region, ok):
    verdict = evaluate(rules, answers(region=region))
    assert (verdict.verdict == "eligible") is ok
    if not ok:
        assert verdict.reasons[0].criterion == "region"
        assert verdict.reasons[0].params == {"regions": ("almaty", "mangystau")}


def test_not_citizen(rules):
    verdict = evaluate(rules, answers(citizen=False))
    assert verdict.verdict == "not_eligible"
    assert [(r.criterion, r.key) for r in verdict.reasons] == [("citizenship", "elig.reason.not_citizen")]


@pytest.mark.parametrize(
    ("employed", "studying", "training"),
    list(itertools.product([False, True], ["no", "part-time", "full-time"], [False, True])),
)
def test_every_neet_combination(rules, employed, studying, training):
    verdict = evaluate(rules, answers(employed=employed, studying=studying, training=training))
    expected = []
    if employed:
        expected.append(("employment", "elig.reason.employed"))
    if studying == "full-time":
        expected.append(("education", "elig.reason.studying_full_time"))
    if training:
        expected.append(("training", "elig.reason.training"))
    assert [(r.criterion, r.key) for r in verdict.reasons] == expected
    assert verdict.verdict == ("not_eligible" if expected else "eligible")


def test_part_time_study_can_be_disallowed(section):
    section["neet"]["studying_allowed"] = ["no"]
    verdict = evaluate(Rules.from_config(section), answers(studying="part-time"))
    assert [(r.criterion, r.key) for r in verdict.reasons] == [
        ("education", "elig.reason.studying_part_time")
    ]


@pytest.mark.parametrize(
    ("have", "missing"),
    [
        (set(), ("id", "registration", "neet")),
        ({"id"}, ("registration", "neet")),
        ({"id", "neet"}, ("registration",)),
        ({"registration", "neet"}, ("id",)),
    ],
)
def test_missing_documents_only_need_documents(rules, have, missing):
    verdict = evaluate(rules, answers(documents=frozenset(have)))
    assert verdict.verdict == "needs_documents"
    assert verdict.missing_documents == missing
    assert [(r.criterion, r.key, r.params) for r in verdict.reasons] == [
        ("documents", "elig.reason.documents", {"documents": missing})
    ]


def test_no_documents_required(section):
    section["documents"] = []
    verdict = evaluate(Rules.from_config(section), answers(documents=frozenset()))
    assert verdict.verdict == "eligible"


def test_applied_already_is_not_eligible(rules):
    verdict = evaluate(rules, answers(applied_already=True))
    assert verdict.verdict == "not_eligible"
    assert verdict.criteria == ["duplicate"]
    assert verdict.reasons[0].key == "elig.reason.applied_already"


def test_every_failure_is_listed(rules):
    verdict = evaluate(rules, Answers(
        citizen=False,
        birth_date=date(2010, 1, 1),
        region="other",
        employed=True,
        studying="full-time",
        training=True,
        documents=frozenset({"id"}),
        applied_already=True,
    ))
    assert verdict.verdict == "not_eligible"
    assert verdict.criteria == [
        "duplicate", "citizenship", "age", "region", "employment", "education", "training",
        "documents",
    ]
    assert verdict.age == 16


def test_documents_and_another_failure_is_not_eligible(rules):
    verdict = evaluate(rules, answers(region="other", documents=frozenset()))
    assert verdict.verdict == "not_eligible"
    assert verdict.criteria == ["region", "documents"]


def test_eligible_has_no_reasons(rules):
    verdict = evaluate(rules, answers())
    assert verdict.verdict == "eligible" and verdict.reasons == [] and verdict.age == 26
