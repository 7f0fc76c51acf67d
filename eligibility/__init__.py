"""Eligibility check for ZHAS PROJECT: IIN parsing, the season's rules, verdicts and texts.

Pure Python (no aiogram, twilio or SQLAlchemy), so every channel, the CLI and reports
share one implementation.
"""
from core.iin import IinError, IinInfo, age_band, find_iins, iin_hash, mask_iins, parse_iin
from eligibility.rules import Answers, Reason, Rules, Verdict, age_on, evaluate
from eligibility.texts import Step, next_steps, next_steps_keys, render_reason, render_step

__all__ = [
    "Answers", "IinError", "IinInfo", "Reason", "Rules", "Step", "Verdict",
    "age_band", "age_on", "evaluate", "find_iins", "iin_hash", "mask_iins", "next_steps",
    "next_steps_keys", "parse_iin", "render_reason", "render_step",
]
