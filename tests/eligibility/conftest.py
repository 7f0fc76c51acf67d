from datetime import date

import pytest

from core.programme import load_programme
from eligibility.rules import Answers, Rules

COUNTED_ON = date(2026, 10, 22)


@pytest.fixture
def section() -> dict:
    return {
        "min_age": 18,
        "max_age": 35,
        "age_counted_on": COUNTED_ON,
        "regions": ["almaty", "mangystau"],
        "neet": {
            "employed_allowed": False,
            "studying_allowed": ["no", "part-time"],
            "training_allowed": False,
        },
        "documents": ["id", "registration", "neet"],
        "application_window": {"opens": date(2026, 10, 9), "closes": COUNTED_ON},
    }


@pytest.fixture
def rules(section) -> Rules:
    return Rules.from_config(section)


@pytest.fixture
def programme_rules() -> Rules:
    return Rules.from_config(load_programme()["eligibility"])


def answers(**changes) -> Answers:
    """An eligible person's answers, with `changes` applied."""
    base = dict(
        citizen=True,
        birth_date=date(2000, 5, 17),
        region="almaty",
        employed=False,
        studying="no",
        training=False,
        documents=frozenset({"id", "registration", "neet"}),
        applied_already=False,
    )
    base.update(changes)
    return Answers(**base)
