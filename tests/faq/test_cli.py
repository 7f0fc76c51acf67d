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
    assert out.getvalue().startswith("OK:")

    broken = tmp_path / "topics"
    broken.mkdir()
    (broken / "x.yaml").write_text("topics:\n  - id: x\n    kind: topic\n", encoding="utf-8")
    args = _parse(["faq", "validate", "--topics", str(broken)])
    out = io.StringIO()
    assert args.func(args, stdout=out) == 1
    assert f"{broken / 'x.yaml'}:2: " in out.getvalue()
