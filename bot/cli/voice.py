"""`zhasbot voice validate` — every prompt of the phone line per language, and the missing Kazakh recordings."""
from __future__ import annotations

import argparse
import json
import sys


def cmd_validate(args: argparse.Namespace) -> int:
    from bot.settings import load_settings
    from bot.voice_wiring import build_line, build_prompts
    from core.i18n import MissingTranslation, Translator
    from core.programme import load_programme
    from voice.config import VoiceConfigError

    settings = load_settings()
    try:
        prompts = build_prompts(settings, Translator(default_language=settings.default_language),
                                load_programme(settings.programme_path))
        line = build_line(settings)
        entries = list(prompts.catalogue())
    except (VoiceConfigError, MissingTranslation, ValueError, KeyError) as exc:
        text = f"missing text {exc}" if isinstance(exc, MissingTranslation) else str(exc)
        print(f"error: {text}", file=sys.stderr)
        return 2
    missing = [entry for entry in entries if entry.missing_recording]
    if args.json:
        print(json.dumps({"recordings": str(prompts.recordings), "operators": [t.label for t in line.operators],
                          "prompts": [{"prompt": e.prompt, "language": e.lang, "text": e.text,
                                       "recording": e.recording, "missing_recording": e.missing_recording}
                                      for e in entries]}, ensure_ascii=False, indent=2))
    else:
        print(f"Kazakh recordings are read from {prompts.recordings}/<prompt>.mp3 or .wav")
        for lang in dict.fromkeys(entry.lang for entry in entries):
            print(f"\n[{lang}]")
            for entry in (e for e in entries if e.lang == lang):
                if lang == "kk":
                    how = f"play {entry.recording}" if entry.recording else (
                        "MISSING recording — spoken in Russian" if entry.fixed else "spoken in Russian (changes per call)")
                else:
                    how = "say"
                print(f"  {entry.prompt:<18} {how}: {entry.text[:90]}{'…' if len(entry.text) > 90 else ''}")
        print(f"\n{len(entries)} prompts; {len(missing)} Kazakh recordings missing"
              + (": " + ", ".join(f"{e.prompt}.mp3" for e in missing) if missing else ""))
    return 1 if args.strict and missing else 0


def register(commands) -> None:
    voice = commands.add_parser("voice", help="the phone line (Twilio Voice)")
    sub = voice.add_subparsers(dest="voice_command", required=True)
    validate = sub.add_parser("validate", help="list every prompt per language and the missing Kazakh recordings")
    validate.add_argument("--json", action="store_true", help="machine-readable output")
    validate.add_argument("--strict", action="store_true", help="exit 1 when a Kazakh recording is missing")
    validate.set_defaults(func=cmd_validate)
