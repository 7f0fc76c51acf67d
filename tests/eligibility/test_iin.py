from datetime import date

import pytest

from core.iin import IinError, age_band, find_iins, iin_hash, mask_iins, parse_iin
from tests.eligibility.iin_vectors import W1, control, find_first11, make_iin


def test_valid_iin_gives_birth_date_and_sex():
    iin = make_iin("010203", 5)
    info = parse_iin(iin)
    assert info.iin == iin
    assert info.birth_date == date(2001, 2, 3)
    assert info.sex == "male"
    assert info.century_digit == 5
    assert info.century == 2000


def test_known_vector_computed_by_hand():
    # 9 5 0 3 1 5 3 0 0 1 2 with w=1..11: 9+10+0+12+5+30+21+0+0+10+22 = 119; 119 mod 11 = 9
    assert sum(int(d) * w for d, w in zip("95031530012", W1)) % 11 == 9
    info = parse_iin("950315300129")
    assert info.birth_date == date(1995, 3, 15)
    assert info.sex == "male"


@pytest.mark.parametrize(
    ("digit", "year", "sex"),
    [(1, 1899, "male"), (2, 1899, "female"), (3, 1999, "male"), (4, 1999, "female"),
     (5, 2099, "male"), (6, 2099, "female")],
)
def test_century_digit_gives_century_and_sex(digit, year, sex):
    # 2099 is in the future: the IIN parser checks form, not plausibility of age.
    info = parse_iin(make_iin("991231", digit))
    assert info.birth_date == date(year, 12, 31)
    assert info.sex == sex
    assert info.century_digit == digit


@pytest.mark.parametrize("digit", [0, 7, 8, 9])
def test_century_digit_out_of_range(digit):
    with pytest.raises(IinError) as err:
        parse_iin(f"010203{digit}12340")
    assert err.value.reason == "century"


def test_spaces_and_dashes_are_ignored():
    iin = make_iin("000229", 5)  # 29 Feb 2000 exists
    spaced = f"{iin[:6]} {iin[6:9]}-{iin[9:]}"
    assert parse_iin(spaced).birth_date == date(2000, 2, 29)


def test_bad_control_digit():
    iin = make_iin("880101", 3)
    wrong = iin[:11] + str((int(iin[11]) + 1) % 10)
    with pytest.raises(IinError) as err:
        parse_iin(wrong)
    assert err.value.reason == "checksum"


def test_second_weight_sequence_is_used():
    first11 = find_first11("900515", 4, second_sequence=True, unissued=False)
    k = control(first11)
    assert k is not None and k != 10
    info = parse_iin(first11 + str(k))
    assert info.birth_date == date(1990, 5, 15)
    assert info.sex == "female"
    # The first sequence alone gives 10, which is never a control digit; every other
    # last digit than k must be refused.
    for other in set(range(10)) - {k}:
        with pytest.raises(IinError) as err:
            parse_iin(first11 + str(other))
        assert err.value.reason == "checksum"


def test_unissued_number():
    first11 = find_first11("900515", 3, second_sequence=False, unissued=True)
    for last in range(10):
        with pytest.raises(IinError) as err:
            parse_iin(first11 + str(last))
        assert err.value.reason == "unissued"


@pytest.mark.parametrize(
    "yymmdd",
    ["010230",  # 30 February
     "010231",  # 31 February
     "010229",  # 29 February 2001: not a leap year
     "011301",  # month 13
     "010001",  # month 00
     "010100",  # day 00
     "010431"],  # 31 April
)
def test_impossible_dates(yymmdd):
    # The control digit is right, so only the date can be the reason.
    with pytest.raises(IinError) as err:
        parse_iin(make_iin(yymmdd, 5))
    assert err.value.reason == "date"


@pytest.mark.parametrize("text", ["12345678901", "1234567890123", "1", "95031530012 9 9"])
def test_wrong_length(text):
    with pytest.raises(IinError) as err:
        parse_iin(text)
    assert err.value.reason == "length"


@pytest.mark.parametrize(
    "text",
    ["95031530012a", "IIN950315300129", "", "   ", "95031530012.9",
     "٩٥٠٣١٥٣٠٠١٢٩",  # Arabic-Indic digits: isdigit() is True for these
     "９５０３１５３００１２９",  # full-width digits
     "95031530012٩"],
)
def test_letters_and_unicode_digits_are_format_errors(text):
    with pytest.raises(IinError) as err:
        parse_iin(text)
    assert err.value.reason == "format"


def test_iin_error_is_a_value_error():
    with pytest.raises(ValueError):
        parse_iin("nope")


def test_find_iins_returns_valid_ones_only():
    good = make_iin("950315", 3)
    bad = good[:11] + str((int(good[11]) + 1) % 10)
    other = make_iin("030708", 6)
    text = f"мой ИИН {good}, брата {bad}, сестры {other[:6]} {other[6:]}; тел 87011234567"
    assert find_iins(text) == [good, other]


def test_find_iins_ignores_longer_numbers():
    good = make_iin("950315", 3)
    assert find_iins("card 4" + good) == []
    assert find_iins(good + "1") == []


def test_mask_iins_masks_plausible_numbers():
    good = make_iin("950315", 3)
    bad_checksum = good[:11] + str((int(good[11]) + 1) % 10)
    text = f"ИИН {good}, ещё {bad_checksum}."
    masked = mask_iins(text)
    assert good not in masked and bad_checksum not in masked
    assert masked == f"ИИН **********{good[-2:]}, ещё **********{bad_checksum[-2:]}."


def test_mask_iins_masks_separated_digits_and_keeps_other_numbers():
    good = make_iin("950315", 3)
    spaced = f"{good[:6]} {good[6:]}"
    assert mask_iins(f"iin: {spaced}") == f"iin: **********{good[-2:]}"
    # Not a date in the first six digits (month 13), an 11-digit phone, a 13-digit number.
    for keep in ["991399123456", "87011234567", "9503153001291", "call 8 701 123 45 67"]:
        assert mask_iins(keep) == keep


def test_mask_iins_is_generous_about_century_and_29_february():
    assert mask_iins("010229912345") == "**********45"  # century digit 9, 29 Feb in 2001
    assert mask_iins("x 000101000000 y") == "x **********00 y"


def test_iin_hash_is_keyed_and_normalised():
    iin = make_iin("950315", 3)
    first = iin_hash(iin, b"k1")
    assert len(first) == 64 and iin not in first
    assert iin_hash(f"{iin[:6]} {iin[6:]}", b"k1") == first
    assert iin_hash(iin, b"k2") != first
    with pytest.raises(ValueError):
        iin_hash(iin, b"")


@pytest.mark.parametrize(
    ("age", "band"),
    [(0, "under-13"), (12, "under-13"), (13, "13-16"), (16, "13-16"), (17, "17-22"), (22, "17-22"),
     (23, "23-27"), (27, "23-27"), (28, "28-32"), (32, "28-32"), (33, "33-45"), (45, "33-45"),
     (46, "46-58"), (58, "46-58"), (59, "59+"), (70, "59+")],
)
def test_age_band(age, band):
    assert age_band(age) == band
