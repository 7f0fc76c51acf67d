"""Every sentence the bot sends comes from gettext catalogues in `locales/`.

Message ids are stable keys (`menu.title`, `media.unsupported`); each language, English
included, has its own catalogue. Several domains (one `.po` file per feature, e.g.
`messages.po`, `eligibility.po`) are merged per language so features own their texts.
The `.po` files are compiled to `.mo` at start-up, so editors only ever touch `.po`.
"""
from __future__ import annotations

import gettext
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES: tuple[str, ...] = ("kk", "ru", "en")
DEFAULT_LOCALES_DIR = Path(__file__).resolve().parents[1] / "locales"


class MissingTranslation(KeyError):
    pass


def compile_catalogues(locales_dir: Path = DEFAULT_LOCALES_DIR) -> list[Path]:
    """Compile every stale `.po` under `locales_dir` to `.mo`; return the `.mo` paths."""
    compiled = []
    for po_path in sorted(locales_dir.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=po_path.parts[-3])
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)
        compiled.append(mo_path)
    return compiled


class Translator:
    def __init__(self, locales_dir: Path = DEFAULT_LOCALES_DIR, default_language: str = "kk"):
        self.default_language = default_language
        self._catalogues: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
        compile_catalogues(locales_dir)
        for mo_path in sorted(locales_dir.glob("*/LC_MESSAGES/*.mo")):
            lang = mo_path.parts[-3]
            if lang not in self._catalogues:
                continue
            with mo_path.open("rb") as mo_file:
                translations = gettext.GNUTranslations(mo_file)
            # _catalog is GNUTranslations' parsed table; reading it keeps lookups a dict hit.
            for key, text in translations._catalog.items():  # noqa: SLF001
                if isinstance(key, str) and key and text:
                    self._catalogues[lang][key] = text

    def language(self, lang: str | None) -> str:
        return lang if lang in self._catalogues else self.default_language

    def has(self, key: str, lang: str) -> bool:
        return key in self._catalogues.get(lang, {})

    def keys(self, lang: str) -> set[str]:
        return set(self._catalogues.get(lang, {}))

    def t(self, lang: str | None, key: str, **params: object) -> str:
        """The text for `key` in `lang` with `{placeholders}` filled.

        A key missing in `lang` falls back to the default language, then English, so a
        half-translated catalogue degrades to another language rather than to a key.
        """
        lang = self.language(lang)
        for candidate in (lang, self.default_language, "en"):
            text = self._catalogues[candidate].get(key)
            if text is not None:
                return text.format(**params) if params else text
        raise MissingTranslation(key)
