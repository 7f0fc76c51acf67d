import argparse
import io
import json

from bot.cli.faq import register


def _parse(argv):
    parser = argparse.ArgumentParser(prog="zhasbot")
    register(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_match_json_output_shape():
    args = _parse(["faq", "match", "--json"])
    out = io.StringIO()
    rc = args.func(args, stdin=io.StringIO("Какие документы нужны?\nкурс доллара\n\n"), stdout=out)
    assert rc == 0
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 3
    first, declined, empty = lines
    assert set(first) == {"text", "topic", "score", "lang", "alternatives"}
    assert first["text"] == "Какие документы нужны?" and first["topic"] == "documents"
    assert first["lang"] == "ru" and isinstance(first["score"], float)
    assert all(set(a) == {"topic", "score"} for a in first["alternatives"])
    assert declined["topic"] is None
    assert empty["topic"] is None and empty["text"] == ""


def test_match_plain_output():
    args = _parse(["faq", "match"])
    out = io.StringIO()
    args.func(args, stdin=io.StringIO("Рахмет\n"), stdout=out)
    assert out.getvalue().startswith("thanks\t")


def test_validate_command(tmp_path):
    args = _parse(["faq", "validate"])
    out = io.StringIO()
    assert args.func(args, stdout=out) == 0
    assert "\nOK: " in out.getvalue() or out.getvalue().startswith("OK:")

    broken = tmp_path / "topics"
    broken.mkdir()
    (broken / "x.yaml").write_text("topics:\n  - id: x\n    kind: topic\n", encoding="utf-8")
    args = _parse(["faq", "validate", "--topics", str(broken)])
    out = io.StringIO()
    assert args.func(args, stdout=out) == 1
    assert f"{broken / 'x.yaml'}:2: " in out.getvalue()


def _confirmed_call_centre(tmp_path, monkeypatch) -> None:
    """A deployment whose call-centre response times the programme confirmed."""
    from core.config import config_file

    text = config_file("call_centre.yaml").read_text(encoding="utf-8")
    assert "sla_confirmed: false\n" in text
    path = tmp_path / "call_centre.yaml"
    path.write_text(text.replace("sla_confirmed: false\n", "sla_confirmed: true\n"), encoding="utf-8")
    monkeypatch.setenv("CALL_CENTRE_FILE", str(path))


def _programme_with(tmp_path, phone_unconfirmed: bool):
    import yaml

    from core.programme import default_programme_file

    data = yaml.safe_load(default_programme_file().read_text(encoding="utf-8"))
    data["calendar"]["confirmed"] = True  # the season's dates: test_unconfirmed_season_dates_are_a_warning
    if not phone_unconfirmed:
        data.pop("unconfirmed", None)
        data["facts"]["phone"] = "+7 701 111 22 33"
    path = tmp_path / "programme.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_placeholder_phone_is_a_warning_and_an_error_with_strict(tmp_path, monkeypatch):
    _confirmed_call_centre(tmp_path, monkeypatch)
    programme = _programme_with(tmp_path, phone_unconfirmed=True)
    out = io.StringIO()
    args = _parse(["faq", "validate", "--programme", str(programme)])
    assert args.func(args, stdout=out) == 0
    warnings = [line for line in out.getvalue().splitlines() if ": warning: " in line]
    assert warnings and all("{phone}" in line for line in warnings)
    assert any("'contacts'" in line and "feedback.yaml:" in line for line in warnings)
    assert "warning(s)" in out.getvalue().splitlines()[-1]

    out = io.StringIO()
    args = _parse(["faq", "validate", "--strict", "--programme", str(programme)])
    assert args.func(args, stdout=out) == 1
    assert "0 error(s)" in out.getvalue()


def test_unconfirmed_season_dates_are_a_warning():
    """The shipped season's dates are settings the programme has not confirmed: flagged."""
    out = io.StringIO()
    args = _parse(["faq", "validate"])
    assert args.func(args, stdout=out) == 0
    assert any("programme.yaml:" in line and ": warning: calendar:" in line and "not confirmed" in line
               for line in out.getvalue().splitlines()), out.getvalue()


def test_unconfirmed_response_times_are_a_warning(tmp_path, monkeypatch):
    """The shipped SLAs are the call centre's setting, not the programme's: flagged, with the
    line of `sla_confirmed`; once confirmed (as the other tests here), no warning."""
    out = io.StringIO()
    args = _parse(["faq", "validate"])
    assert args.func(args, stdout=out) == 0
    [warning] = [line for line in out.getvalue().splitlines() if ": warning: sla_hours:" in line]
    assert "call_centre.yaml:" in warning and "not confirmed" in warning

    _confirmed_call_centre(tmp_path, monkeypatch)
    out = io.StringIO()
    assert args.func(args, stdout=out) == 0
    assert "sla_hours" not in out.getvalue()


def test_confirmed_phone_passes_strict(tmp_path, monkeypatch):
    _confirmed_call_centre(tmp_path, monkeypatch)
    programme = _programme_with(tmp_path, phone_unconfirmed=False)
    out = io.StringIO()
    args = _parse(["faq", "validate", "--strict", "--programme", str(programme)])
    assert args.func(args, stdout=out) == 0, out.getvalue()
    assert out.getvalue().startswith("OK:")
