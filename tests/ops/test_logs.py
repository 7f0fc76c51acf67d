"""LOG_FORMAT=json: one JSON object a line, personal data masked like the text format."""
import json
import logging

from bot.logs import setup_logging


def test_json_lines_with_masking(capsys):
    setup_logging("INFO", "json")
    try:
        logging.getLogger("zhasbot.test").info("caller %s asked about grants", "+77011234567")
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("zhasbot.test").exception("failed")
    finally:
        setup_logging("INFO", "text")
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    first, second = (json.loads(line) for line in lines[-2:])
    assert first["level"] == "INFO" and first["logger"] == "zhasbot.test"
    assert "+77011234567" not in first["message"] and "asked about grants" in first["message"]
    assert second["level"] == "ERROR" and "ValueError: boom" in second["exception"]
