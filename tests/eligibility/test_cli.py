import argparse
import json
from pathlib import Path

import pytest
import yaml

from bot.cli.eligibility import register
from tests.eligibility.iin_vectors import make_iin

ELIGIBLE = [
    "--citizen", "yes", "--birth-date", "2000-05-17", "--region", "almaty", "--employed", "no",
    "--studying", "no", "--training", "no", "--documents", "id,registration,neet",
]


def run(argv, capsys):
    parser = argparse.ArgumentParser(prog="zhasbot")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["eligibility", "check", *argv])
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_eligible(capsys):
    code, out, err = run([*ELIGIBLE, "--json"], capsys)
    assert code == 0 and err == ""
    assert json.loads(out) == {"verdict": "eligible", "reasons": [], "age": 26}


def test_json_shape_with_reasons(capsys):
    argv = [
        "--citizen", "no", "--birth-date", "1990-10-22", "--region", "other", "--employed", "yes",
        "--studying", "full-time", "--training", "yes", "--documents", "id",
        "--applied-already", "yes", "--json", "--lang", "ru",
    ]
    code, out, _ = run(argv, capsys)
    data = json.loads(out)
    assert code == 0
    assert set(data) == {"verdict", "reasons", "age"}
    assert data["verdict"] == "not_eligible" and data["age"] == 36
    assert [r["criterion"] for r in data["reasons"]] == [
        "duplicate", "citizenship", "age", "region", "employment", "education", "training",
        "documents",
    ]
    assert all(set(r) == {"criterion", "message"} for r in data["reasons"])
    assert "22 октября 2026 года" in data["reasons"][2]["message"]
    assert "\\u" not in out  # ensure_ascii=False: Cyrillic printed as is


def test_json_needs_documents_with_iin(capsys):
    iin = make_iin("000517", 5)
    argv = [*ELIGIBLE[:2], "--iin", iin, *ELIGIBLE[4:-2], "--documents", "id", "--json"]
    code, out, _ = run(argv, capsys)
    data = json.loads(out)
    assert code == 0 and data["verdict"] == "needs_documents" and data["age"] == 26
    assert data["reasons"][0]["criterion"] == "documents"
    assert "address certificate" in data["reasons"][0]["message"]


def test_plain_output_in_kazakh(capsys):
    code, out, _ = run([*ELIGIBLE, "--lang", "kk"], capsys)
    assert code == 0
    assert out.splitlines()[0] == "Сіз өтінім бере аласыз!"
    assert "www.zhasproject.com" in out


@pytest.mark.parametrize(
    ("iin", "reason"),
    [("12345", "length"), ("95031530012x", "format"), ("950315300128", "checksum")],
)
def test_bad_iin_exits_2_without_traceback(capsys, iin, reason):
    argv = [*ELIGIBLE[:2], "--iin", iin, *ELIGIBLE[4:]]
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    assert f"invalid IIN ({reason})" in err and "Traceback" not in err


def test_bad_programme_file_exits_2(capsys, tmp_path: Path):
    broken = tmp_path / "programme.yaml"
    data = yaml.safe_load(Path("config/programme.yaml").read_text(encoding="utf-8"))
    data["eligibility"]["max_age"] = "thirty-five"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code, _, err = run([*ELIGIBLE, "--programme", str(broken)], capsys)
    assert code == 2 and "eligibility.max_age" in err


def test_birth_date_and_iin_are_exclusive(capsys):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(["eligibility", "check", *ELIGIBLE, "--iin", make_iin("000517", 5)])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "value"),
    [("--documents", "id,diploma"), ("--citizen", "maybe"), ("--region", "astana"),
     ("--birth-date", "17.05.2000"), ("--lang", "de")],
)
def test_bad_arguments_are_usage_errors(option, value):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    argv = list(ELIGIBLE)
    if option in argv:
        argv[argv.index(option) + 1] = value
    else:
        argv += [option, value]
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(["eligibility", "check", *argv])
    assert exc.value.code == 2
