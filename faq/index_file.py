"""The FAQ matcher's built index as a cache file, so bot processes load it instead of building.

Building the index (tokenising and stemming every example, counting n-grams) takes ~1.5 s
of one core, in every worker at start and, in a thread competing with the conversations for
the GIL, whenever an editor adds an example from the console. So a child process
(`python -m faq.index_file build TOPICS_DIR CACHE_DIR`) builds the matcher (the classifier
is trained or taken from its own cache, faq/classifier.py) and writes the index with the
classifier's weights to `faq-index-KEY.index`; the bot reads the arrays straight into place
(faq/packed.py) in ~0.1 s. KEY hashes the topics' examples, keywords and titles and the
FAQ's own code, so an edited topic or a changed matcher never loads a stale index.

Anything wrong with the file or the child (unreadable, another layout, the build failed)
falls back to building in the process, as before, with a warning.
"""
from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import sys
from pathlib import Path

from faq import packed
from faq.classifier import MODEL_SECTIONS, LinearModel, default_cache_dir
from faq.content import DEFAULT_TOPICS_DIR, Topic, load_topics, reload_topics, topics_in
from faq.matcher import Matcher

log = logging.getLogger(__name__)

MAGIC = b"zhasbot-faq-index\n"
INDEX_VERSION = "1"
BUILD_TIMEOUT_S = 600
# The code whose change changes the index: any edit of these files makes a new key.
_CODE = ("matcher.py", "normalize.py", "stopwords.py", "classifier.py", "terms.py", "content.py", "packed.py")


def index_key(topics: list[Topic]) -> str:
    digest = hashlib.sha256(f"index v{INDEX_VERSION}\n".encode())
    here = Path(__file__).resolve().parent
    for name in _CODE:
        digest.update((here / name).read_bytes())
    for topic in topics:
        digest.update(json.dumps(
            [topic.id, topic.kind, topic.group, topic.examples_key, topic.keywords, topic.title],
            ensure_ascii=False, sort_keys=True).encode())
    return digest.hexdigest()[:24]


def index_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"faq-index-{key}.index"


def _layout() -> list[str | None]:
    return [typecode for _, typecode in Matcher.INDEX_SECTIONS] + [typecode for _, typecode in MODEL_SECTIONS]


def save(matcher: Matcher, path: Path, key: str) -> None:
    meta, sections = matcher.index_state()
    model = matcher._classifier
    values = [sections[name] for name, _ in Matcher.INDEX_SECTIONS]
    for name, _ in MODEL_SECTIONS:
        values.append(getattr(model, name) if model is not None else b"")
    header = {"key": key, "meta": meta, "classes": model.classes if model is not None else None}
    path.parent.mkdir(parents=True, exist_ok=True)
    packed.write(path, MAGIC, header, values)


def load(path: Path, topics: list[Topic], key: str, **kwargs) -> Matcher:
    """The matcher saved at `path` for these topics (ValueError if the file is not that)."""
    header, values = packed.read(path, MAGIC, _layout())
    if header.get("key") != key:
        raise ValueError(f"{path} holds another index")
    count = len(Matcher.INDEX_SECTIONS)
    sections = {name: value for (name, _), value in zip(Matcher.INDEX_SECTIONS, values[:count])}
    model = None
    if header.get("classes") is not None:
        model = LinearModel(classes=list(header["classes"]),
                            **{name: value for (name, _), value in zip(MODEL_SECTIONS, values[count:])})
        model.drop_vocabulary()  # the index is saved by the child that builds it, never here
    del values
    try:
        return Matcher.from_index_state(topics, header["meta"], sections, model, **kwargs)
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path}: {exc}") from None


def load_matcher(directory: str | Path | None = None, cache_dir: str | Path | None = None, *,
                 reload: bool = False) -> Matcher:
    """The matcher for the topics in `directory` (None: the shipped ones), from its index
    file, built by a child process when there is none yet. The topics are the process's one
    copy, shared with the answers; `reload` reads the files again first (after an edit)."""
    if reload:
        reload_topics()
    topics = topics_in(directory)
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    key = index_key(topics)
    path = index_path(cache, key)
    if not path.exists():
        try:
            _build_in_child(directory, cache)
        except (OSError, subprocess.SubprocessError) as exc:
            detail = getattr(exc, "stderr", None) or exc
            log.warning("FAQ index build in a child process failed (%s): building here",
                        str(detail).strip()[-2000:])
            return Matcher(load_topics(directory), model_cache_dir=cache)
    try:
        return load(path, topics, key)
    except (OSError, ValueError) as exc:
        log.warning("FAQ index %s unusable (%s): building here", path, exc)
        path.unlink(missing_ok=True)
        return Matcher(load_topics(directory), model_cache_dir=cache)


def _build_in_child(directory: str | Path | None, cache: Path) -> None:
    command = [sys.executable, "-m", "faq.index_file", "build", str(directory or DEFAULT_TOPICS_DIR), str(cache)]
    subprocess.run(command, check=True, timeout=BUILD_TIMEOUT_S, capture_output=True, text=True,
                   cwd=Path(__file__).resolve().parents[1])


def _main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] != "build":
        print("usage: python -m faq.index_file build TOPICS_DIR CACHE_DIR", file=sys.stderr)
        return 2
    topics = load_topics(argv[1])
    cache = Path(argv[2])
    matcher = Matcher(topics, model_cache_dir=cache, keep_feature_names=True)
    key = index_key(topics)
    save(matcher, index_path(cache, key), key)
    print(key)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
