"""Words for stored codes: what a manager reads instead of `webchat`, `mangystau`, `59+`.

Codes stay in the database, in JSON keys and in CLI flags; everything rendered for people
goes through `Labels`. Most labels are catalogue entries `label.<kind>.<code>` (labels.po);
the shell adds what lives in other content files — FAQ topic titles, survey titles — as
`extra` (kind → code → language → text), since reports may not import those packages.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from core.i18n import Translator

Extra = Mapping[str, Mapping[str, Mapping[str, str]]]


class Labels:
    def __init__(self, translator: Translator, lang: str, extra: Extra | None = None):
        self.translator = translator
        self.lang = translator.language(lang)
        self.extra = extra or {}
        # Exports ask for the same few labels hundreds of thousands of times.
        self._memo: dict[tuple[str, str], str] = {}

    def t(self, key: str, **params: object) -> str:
        return self.translator.t(self.lang, key, **params)

    def __call__(self, kind: str, code: object) -> str:
        """The label of `code`; an empty code is "not given"; an unknown one stays as it is.

        Outcomes like `eligibility:eligible` read as "Eligibility check: Eligible".
        """
        text = "" if code is None else str(code)
        known = self._memo.get((kind, text))
        if known is None:
            known = self._memo[(kind, text)] = self._label(kind, text)
        return known

    def _label(self, kind: str, text: str) -> str:
        if text in ("", "unknown"):
            return self.t("label.unknown")
        texts = self.extra.get(kind, {}).get(text)
        if texts:
            return texts.get(self.lang) or texts.get("ru") or next(iter(texts.values()))
        if kind == "yes_no":
            return self.t(f"label.{text}")
        if kind == "response_time" and text.endswith("h"):  # "<1h", "1-4h": buckets of hours
            return self.t("label.hours", hours=text[:-1].replace("-", "–"))
        key = f"label.{kind}.{text}"
        if self.translator.has(key, self.lang):
            return self.t(key)
        if kind == "topic" and text.startswith("phone:"):  # a phone-line menu choice
            return f"{self('channel', 'phone')}: {self('phone_menu', text[6:])}"
        if kind == "author" and ":" in text:  # "operator:aigerim", "system:notify"
            head, _, name = text.partition(":")
            return f"{self(kind, head)} {name}" if head == "operator" else self(kind, head)
        if kind == "outcome" and ":" in text:
            head, _, tail = text.partition(":")
            return f"{self(kind, head)}: {self('verdict', tail)}"
        return text

    def given(self, kind: str, code: object) -> str:
        """The label of `code`, or "" where there is none (an empty cell, not "not given")."""
        return "" if code is None or code == "" else self(kind, code)

    def kind(self, kind: str, *, given: bool = False) -> dict[object, str]:
        """`self(kind, code)` (or `given(kind, code)`) as a dict: `labels[code]`, each code looked
        up once. For a loop over many rows, where a call per value costs more than the label."""
        return _KindLabels(self, kind, given)

    def yes_no(self, value: bool) -> str:
        return self("yes_no", "yes" if value else "no")

    def header(self, columns: Iterable[str]) -> list[str]:
        """Column headings of an export (`export.col.<code>`)."""
        return [self.t(f"export.col.{code}") if self.translator.has(f"export.col.{code}", self.lang) else code
                for code in columns]


class _KindLabels(dict):
    def __init__(self, labels: Labels, kind: str, given: bool):
        super().__init__({None: "", "": ""} if given else {})
        self.labels = labels
        self.kind = kind

    def __missing__(self, code: object) -> str:
        label = self[code] = self.labels(self.kind, code)
        return label
