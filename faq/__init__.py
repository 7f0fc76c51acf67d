"""FAQ answering in Kazakh, Russian and English with an honest fallback.

    matcher = load_matcher()                      # once, at start-up (faq/index_file.py; or
                                                  # Matcher.from_directory() to build it here)
    result = matcher.match(text)                  # MatchResult(topic|None, score, lang, alternatives)
    render_answer(result.topic, "kk", facts)      # facts = load_programme()["facts"]
"""
from faq.content import (
    ContentError, Group, Topic, get_topic, load_groups, load_topics, render_answer, title,
)
from faq.matcher import Matcher, MatchResult
from faq.normalize import detect_language, normalize
from faq.validate import Issue, validate

__all__ = [
    "ContentError", "Group", "Issue", "MatchResult", "Matcher", "Topic", "detect_language",
    "get_topic", "load_groups", "load_topics", "normalize", "render_answer", "title", "validate",
]
