"""The export's second masking process: answers in the order asked, exactly what
mask_texts gives here, and it ends when closed, also with answers still awaited."""
import asyncio
from datetime import date

import pytest

from core.masking_process import MaskingProcess
from core.privacy import mask_texts

KEEP = frozenset({"7084042340"})
TODAY = date(2026, 3, 2)


async def test_batches_in_flight_come_back_in_order_masked_as_here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the child finds core wherever the export runs from
    batches = [[f"Меня зовут Айгерим, мой номер +7 701 {n:03d} 88 77, ИИН 990315300{n:03d}", None, "",
                f"Звоните: 8 708 404 23 40 ({n})"] for n in range(5)]
    process = await MaskingProcess.start(TODAY, KEEP)
    try:
        answers = [process.mask(batch) for batch in batches]  # all asked before any answer
        assert [await answer for answer in answers] == [mask_texts(batch, TODAY, KEEP) for batch in batches]
    finally:
        await process.close()
    assert process._process.returncode == 0


async def test_closing_with_answers_awaited_ends_the_process():
    process = await MaskingProcess.start(TODAY, KEEP)
    answer = process.mask(["+7 701 123 45 67"] * 50_000)
    await asyncio.wait_for(process.close(), 10)
    assert process._process.returncode is not None and answer.cancelled()


async def test_a_child_that_dies_fails_the_export_instead_of_hanging_it():
    process = await MaskingProcess.start(TODAY, KEEP)
    try:
        answer = process.mask(["+7 701 123 45 67"] * 50_000)
        process._process.kill()
        with pytest.raises(RuntimeError, match="ended"):
            await asyncio.wait_for(answer, 10)
        with pytest.raises(RuntimeError, match="ended"):
            await asyncio.wait_for(process.mask(["later"]), 10)
    finally:
        await process.close()
