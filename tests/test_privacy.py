import logging

from core.privacy import mask_iins, mask_name, mask_personal, mask_phone, mask_text
from bot.logs import MaskPersonalData


def test_iin_keeps_last_two_digits():
    assert mask_iins("мой ИИН 990315300123, проверьте") == "мой ИИН **********23, проверьте"
    assert mask_iins("order 123456789012345") == "order 123456789012345"  # not 12 digits alone


def test_phone_masking():
    assert mask_phone("+77012345678") == "+7701*****78"
    assert mask_phone(None) == ""
    assert "2345" not in mask_text("позвоните +7 701 234 56 78")


def test_name_masking():
    assert mask_name("Айгерим Садыкова") == "А****** С*******"


def test_log_records_are_masked(caplog):
    logger = logging.getLogger("test.privacy")
    logger.addFilter(MaskPersonalData())
    with caplog.at_level(logging.INFO, logger="test.privacy"):
        logger.info("user %s sent %s", "+77012345678", "990315300123")
    assert "77012345678" not in caplog.text and "990315300123" not in caplog.text


def test_repeated_texts_are_masked_the_same_every_time():
    text = "Мой ИИН 010203456789, родилась 03.02.2001, тел +7 701 234 56 78"
    first = mask_personal(text, phones=True)
    assert "456789" not in first and "03.02.2001" not in first and "234 56 78" not in first
    assert mask_personal(text, phones=True) == first  # served from the cache
    assert mask_personal(text) != first  # phones kept without phones=True: another entry
    assert mask_personal("Сәлем! Құжаттар тізімі: жеке куәлік") == "Сәлем! Құжаттар тізімі: жеке куәлік"
    arabic_indic = "ИИН ٠١٠٢٠٣٤٥٦٧٨٩"
    assert mask_personal(arabic_indic) != arabic_indic
