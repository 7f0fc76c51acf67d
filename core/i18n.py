"""Every sentence the bot sends comes from gettext catalogues in `locales/`.

Message ids are stable keys (`menu.title`, `media.unsupported`); each language, English
included, has its own catalogue. Several domains (one `.po` file per feature, e.g.
`messages.po`, `eligibility.po`) are merged per language so features own their texts.
The `.po` files are read with Babel at start-up (no `.mo` is written anywhere), so editors
only ever touch `.po`, and an installed package needs nothing compiled beside it.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from babel.messages.pofile import read_po

from core.config import shipped_locales_dir

LANGUAGES: tuple[str, ...] = ("kk", "ru", "en")


class MissingTranslation(KeyError):
    pass


def read_catalogues(locales_dir: Path) -> Mapping[str, Mapping[str, str]]:
    """language → {message id: text} from every `<lang>/LC_MESSAGES/*.po` under `locales_dir`.

    Untranslated and fuzzy entries are left out, as a compiled `.mo` would leave them out.
    Parsed once per process while the files stay unchanged (tests and tools build many
    translators), and shared by them: read-only.
    """
    files = tuple((str(path), path.stat().st_mtime_ns) for path in sorted(locales_dir.glob("*/LC_MESSAGES/*.po")))
    return _parse(files)


@lru_cache(maxsize=4)
def _parse(files: tuple[tuple[str, int], ...]) -> Mapping[str, Mapping[str, str]]:
    catalogues: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    ids: dict[str, str] = {}  # one string per message id, not one per language
    for po_path in (Path(name) for name, _mtime in files):
        lang = po_path.parts[-3]
        if lang not in catalogues:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=lang)
        for message in catalog:
            if message.id and isinstance(message.id, str) and message.string and not message.fuzzy:
                catalogues[lang][ids.setdefault(message.id, message.id)] = message.string
    return MappingProxyType({lang: MappingProxyType(texts) for lang, texts in catalogues.items()})


class Translator:
    def __init__(self, locales_dir: Path | None = None, default_language: str = "kk"):
        self.default_language = default_language
        self._catalogues = read_catalogues(Path(locales_dir) if locales_dir else shipped_locales_dir())

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
