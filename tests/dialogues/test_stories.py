"""Every dialogue story (tests/dialogues/*.yaml) on each of its channels, over the real bot.

One bot per module (HTTP on loopback, SQLite); each story is a new person. See runner.py
for the story format.
"""
import pytest
import pytest_asyncio

from fakes.dialogues import StoryBench, load_stories

STORIES = load_stories()
CASES = [(story, channel) for story in STORIES for channel in story.channels]

@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bench(tmp_path_factory):
    async with StoryBench(tmp_path_factory.mktemp("stories")) as running:
        yield running


def test_there_are_enough_stories_in_every_language():
    assert len(STORIES) >= 60
    languages = {story.language for story in STORIES}
    assert {"kk", "ru", "en"} <= languages


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("story", "channel"), CASES, ids=[story.id_for(channel) for story, channel in CASES])
async def test_story(bench, story, channel):
    outcome = await bench.run(story, channel)
    assert outcome.passed, "\n".join(outcome.failures)
