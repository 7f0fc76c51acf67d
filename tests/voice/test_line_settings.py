"""The line's settings: on only with account, token and number; bad values stop start-up by name."""
import pytest

from bot.settings import SettingsError, load_settings
from voice.config import VoiceConfigError, parse_operators

TWILIO = dict(twilio_account_sid="AC" + "0" * 32, twilio_auth_token="token")


def test_the_line_is_off_without_its_settings():
    assert not load_settings(_env_file=None).voice_enabled
    assert not load_settings(_env_file=None, twilio_voice_number="+77270000000").voice_enabled
    on = load_settings(_env_file=None, twilio_voice_number="+77270000000", public_base_url="https://bot.example.kz",
                       **TWILIO)
    assert on.voice_enabled


def test_bad_line_settings_name_the_setting():
    with pytest.raises(SettingsError, match="PUBLIC_BASE_URL is required for the phone line"):
        load_settings(_env_file=None, twilio_voice_number="+77270000000", **TWILIO)
    with pytest.raises(SettingsError, match="TWILIO_VOICE_NUMBER must look like"):
        load_settings(_env_file=None, twilio_voice_number="8 727 000", public_base_url="https://b.kz", **TWILIO)
    with pytest.raises(SettingsError, match="VOICE_DIAL_MODE"):
        load_settings(_env_file=None, voice_dial_mode="random")


def test_operators_parse_phones_and_client_identities():
    targets = parse_operators("aigerim=+7 701 555 00 01; daniyar=client:daniyar, +77015550003")
    assert [(t.name, t.kind, t.address) for t in targets] == [
        ("aigerim", "number", "+77015550001"), ("daniyar", "client", "daniyar"),
        ("+77015550003", "number", "+77015550003")]
    with pytest.raises(VoiceConfigError, match="VOICE_OPERATORS: 'anna=87015550001'"):
        parse_operators("anna=87015550001")
    with pytest.raises(VoiceConfigError, match="different name"):
        parse_operators("anna=+77015550001, anna=+77015550002")


async def test_a_bad_operator_list_stops_the_bot_with_a_settings_error(tmp_path):
    from tests.conftest import sqlite_url
    from tests.support.app import running_bot

    with pytest.raises(SettingsError, match="VOICE_OPERATORS"):
        async with running_bot(sqlite_url(tmp_path), twilio_voice_number="+77270000000",
                               public_base_url="https://bot.example.kz", voice_operators="anna=12345", **TWILIO):
            pass
