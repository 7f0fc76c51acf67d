import re
from pathlib import Path

from core.i18n import LANGUAGES, Translator
from core.messages import Channel

ROOT = Path(__file__).resolve().parents[1]


def test_every_language_has_the_same_keys():
    translator = Translator()
    keys = {lang: translator.keys(lang) for lang in LANGUAGES}
    assert keys["kk"] == keys["ru"] == keys["en"]
    assert "menu.title" in keys["kk"]


def test_every_key_used_in_code_exists():
    translator = Translator()
    used = set()
    pattern = re.compile(r"""(?:say_key|\.t|button)\(\s*(?:[\w.]+,\s*)?["']([a-z_]+\.[a-z_.]+|welcome)["']""")
    for folder in ("bot", "handlers"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert used, "the pattern found no keys: the test would pass vacuously"
    for lang in LANGUAGES:
        missing = {key for key in used if not translator.has(key, lang)}
        assert not missing, (lang, missing)


def test_languages_differ():
    translator = Translator()
    assert translator.t("kk", "menu.title") != translator.t("ru", "menu.title") != translator.t("en", "menu.title")


def test_every_channel_has_a_label():
    # Exports and the console show channels by label; a channel without one showed its code.
    translator = Translator()
    for lang in LANGUAGES:
        missing = {c.value for c in Channel if not translator.has(f"label.channel.{c.value}", lang)}
        assert not missing, (lang, missing)


def test_labels_of_a_kind_as_a_dict_are_the_labels():
    from reports.labels import Labels

    labels = Labels(Translator(), "kk")
    channels, outcomes = labels.kind("channel"), labels.kind("outcome", given=True)
    codes = [c.value for c in Channel] + [None, "", "unknown", "no-such-code"]
    assert [channels[code] for code in codes] == [labels("channel", code) for code in codes]
    assert channels[None] == channels[""] == labels.t("label.unknown") != ""
    assert [outcomes[code] for code in codes + ["eligibility:eligible"]] == \
        [labels.given("outcome", code) for code in codes + ["eligibility:eligible"]]
    assert outcomes[None] == outcomes[""] == ""
