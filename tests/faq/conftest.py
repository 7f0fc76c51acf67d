import pytest

from faq.matcher import Matcher


@pytest.fixture(scope="session")
def matcher() -> Matcher:
    return Matcher.from_directory()
