"""Reading configuration: one YAML loader for every file, and where each file is found.

Every error names the file and, where YAML knows it, the line (`report.yaml:14: ...`), so a
typo in a season file stops the bot at start-up with a message an editor can act on.

The defaults ship inside the package (`config/` and `locales/` in the checkout, mapped to
`core.defaults` and `core.locales` by pyproject.toml); a deployment's own directory
(`CONFIG_DIR`) overrides any default file by putting a file of the same name there.
"""
from __future__ import annotations

from contextlib import ExitStack
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

# libyaml's loader when PyYAML was built with it (it is in the wheels); same results, faster.
_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_keep_open = ExitStack()  # holds extracted resources (zip installs) for the life of the process


class ConfigError(ValueError):
    """A configuration file is missing or wrong; the message starts with `file:line:`."""

    def __init__(self, path: str | Path, message: str | None = None, line: int | None = None):
        if message is None:  # one argument: a message that says where by itself
            self.path, self.line, self.problem = None, None, str(path)
            super().__init__(str(path))
            return
        self.path = Path(path)
        self.line = line
        self.problem = message
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: {message}")


class YamlMap(dict):
    """A YAML mapping that remembers the line of each key (1-based), for error messages."""

    line: int | None = None

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int | None:
        return self.lines.get(key, self.line)


class YamlList(list):
    """A YAML sequence that remembers the line of each item (1-based)."""

    line: int | None = None

    def __init__(self, *args: Any):
        super().__init__(*args)
        self.lines: list[int] = []

    def line_of(self, index: int) -> int | None:
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


class _LineLoader(_BASE_LOADER):  # type: ignore[misc, valid-type]
    pass


def _construct_map(loader: Any, node: yaml.MappingNode) -> YamlMap:
    loader.flatten_mapping(node)
    mapping = YamlMap()
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = key_node.start_mark.line + 1
    return mapping


def _construct_list(loader: Any, node: yaml.SequenceNode) -> YamlList:
    items = YamlList(loader.construct_object(child, deep=True) for child in node.value)
    items.line = node.start_mark.line + 1
    items.lines = [child.start_mark.line + 1 for child in node.value]
    return items


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_list)


def load_yaml(path: str | Path, *, lines: bool = True, error: type[ConfigError] = ConfigError) -> Any:
    """The YAML document in `path`; `ConfigError` (file and line) if missing or malformed.

    With `lines`, mappings and lists are `YamlMap`/`YamlList` (plain dict/list subclasses)
    that remember their lines, so a checker can say where a wrong value is (`error_at`).
    Large content files pass `lines=False` for plain objects and libyaml's full speed.
    `error` is the ConfigError subclass to raise (each config file has its own).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(path, f"cannot be read: {exc}") from None
    try:
        return yaml.load(text, Loader=_LineLoader if lines else _BASE_LOADER)  # noqa: S506 (safe loaders)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(part for part in (exc.context, exc.problem) if part) or "not valid YAML"
        raise error(path, f"not valid YAML: {problem}", mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise error(path, f"not valid YAML: {exc}") from None


def load_mapping(path: str | Path, *, error: type[ConfigError] = ConfigError) -> YamlMap:
    """A YAML file whose top level is a mapping (an empty file is an empty mapping)."""
    data = load_yaml(path, error=error)
    if data is None:
        return YamlMap()
    if not isinstance(data, dict):
        raise error(path, "expected a mapping (key: value) at the top level", 1)
    return data


def line_of(node: Any, key: Any = None) -> int | None:
    """The line of `key` in a loaded mapping/list (or of the node itself), if known."""
    if key is not None and hasattr(node, "line_of"):
        return node.line_of(key)
    return getattr(node, "line", None)


def error_at(path: str | Path, node: Any, key: Any, message: str,
             error: type[ConfigError] = ConfigError) -> ConfigError:
    """A ConfigError (or subclass `error`) pointing at `key` of a loaded mapping/list (`node`)."""
    return error(path, message, line_of(node, key))


def _shipped_dir(package: str) -> Path:
    """The directory of a data package shipped with ZhasBot, as a real filesystem path."""
    root = resources.files(package)
    if isinstance(root, Path):  # an ordinary install or the checkout
        return root
    return _keep_open.enter_context(resources.as_file(root))  # zipped install (Python >= 3.12)


def shipped_config_dir() -> Path:
    """`config/` of the checkout, installed as `core.defaults`: the default of every config file."""
    return _shipped_dir("core.defaults")


def shipped_locales_dir() -> Path:
    """`locales/` of the checkout, installed as `core.locales`: the gettext catalogues (`.po`)."""
    return _shipped_dir("core.locales")


def config_file(name: str, *, config_dir: str | Path | None = None, explicit: str | Path | None = None) -> Path:
    """Where config file `name` (e.g. "report.yaml") is read from.

    An explicit path (a `*_FILE` setting or a `--config` option) wins; then the deployment's
    `config_dir` if it has a file of that name; then the default shipped with the package.
    """
    if explicit:
        return Path(explicit)
    if config_dir:
        own = Path(config_dir) / name
        if own.exists():
            return own
    return shipped_config_dir() / name
