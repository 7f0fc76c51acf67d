"""`zhasbot voice validate`: every prompt per language, Kazakh recordings found and missing."""
import json

from bot.cli import main
from fakes.season import confirmed_programme_file


def test_validate_lists_prompts_and_missing_kazakh_recordings(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "prompts"
    folder.mkdir()
    (folder / "greeting.mp3").write_bytes(b"ID3")
    (folder / "menu.apply.wav").write_bytes(b"RIFF")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VOICE_PROMPTS_DIR", str(folder))
    monkeypatch.setenv("PROGRAMME_FILE", str(confirmed_programme_file()))  # a season with its dates
    assert main(["voice", "validate", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    kazakh = {p["prompt"]: p for p in report["prompts"] if p["language"] == "kk"}
    assert kazakh["greeting"]["recording"] == "greeting.mp3"
    assert kazakh["menu.apply"]["recording"] == "menu.apply.wav"
    assert kazakh["menu.operator"]["missing_recording"] and kazakh["info.apply"]["missing_recording"]
    for lang in ("kk", "ru", "en"):
        prompts = {p["prompt"] for p in report["prompts"] if p["language"] == lang}
        assert {"greeting", f"language.{lang}", "menu.apply", "menu.status", "menu.operator", "info.apply",
                "closed", "voicemail", "goodbye"} <= prompts
    russian = {p["prompt"]: p["text"] for p in report["prompts"] if p["language"] == "ru"}
    assert "22 октября 2026" in russian["info.apply"]  # the FAQ answer with this season's deadline
    assert main(["voice", "validate", "--strict"]) == 1
    text = capsys.readouterr().out
    assert "MISSING recording — spoken in Russian" in text and "menu.operator.mp3" in text


def test_a_broken_menu_is_an_error_naming_the_file(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "voice.yaml"
    bad.write_text("languages: {'1': kk}\nmenu:\n  - {key: '1', id: apply, kind: info}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VOICE_FILE", str(bad))
    assert main(["voice", "validate"]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "names the FAQ topics" in err
