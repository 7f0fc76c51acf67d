"""A second process that masks texts (`privacy.mask_texts`) while the first writes: a long
export's masking runs on the machine's other core.

A plain child interpreter that imports core.privacy and nothing else, fed batches over its
stdin and answering each on its stdout, in order. Not multiprocessing's spawn: that re-runs
the parent's main module in the child (for `zhasbot journal export`, the whole CLI: +24 MB
and 0.15 s before the first batch) and starts a resource-tracker process beside it (13 MB).
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import sys
from collections import deque
from datetime import date
from pathlib import Path

from core.privacy import mask_texts

_LENGTH = 4  # bytes of the length in front of each pickled message
# Where `core` lives, for the child's import (the parent may have found it through its cwd;
# the child, run with -P, does not look in its cwd).
_ROOT = str(Path(__file__).resolve().parents[1])


def _frame(value: object) -> bytes:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return len(data).to_bytes(_LENGTH, "big") + data


def serve() -> None:
    """The child's loop: (texts, today, keep_phones) in, the masked texts out, until EOF."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while len(head := stdin.read(_LENGTH)) == _LENGTH:
        texts, today, keep_phones = pickle.loads(stdin.read(int.from_bytes(head, "big")))
        stdout.write(_frame(mask_texts(texts, today, keep_phones)))
        stdout.flush()


def _ended() -> RuntimeError:
    return RuntimeError("the masking process ended before answering")


class MaskingProcess:
    """`process = await MaskingProcess.start(today, keep)`; `await process.mask(texts)` (any
    number asked before the first answer: answers come in the order asked); `await process.close()`."""

    def __init__(self, process: asyncio.subprocess.Process, today: date, keep_phones: frozenset[str]):
        self._process = process
        self._today = today
        self._keep_phones = keep_phones
        self._waiting: deque[asyncio.Future[list[str]]] = deque()
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def start(cls, today: date, keep_phones: frozenset[str]) -> "MaskingProcess":
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, (_ROOT, os.environ.get("PYTHONPATH")))))
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-P", "-c", "from core.masking_process import serve; serve()",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env)
        return cls(process, today, keep_phones)

    def mask(self, texts: list[str | None]) -> "asyncio.Future[list[str]]":
        answer = asyncio.get_running_loop().create_future()
        if self._reader.done():  # the child is gone: nobody would answer
            answer.set_exception(_ended())
            return answer
        self._waiting.append(answer)
        self._process.stdin.write(_frame((texts, self._today, self._keep_phones)))
        return answer

    async def _read(self) -> None:
        try:
            while True:
                head = await self._process.stdout.readexactly(_LENGTH)
                texts = pickle.loads(await self._process.stdout.readexactly(int.from_bytes(head, "big")))
                answer = self._waiting.popleft()
                if not answer.done():
                    answer.set_result(texts)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            error = _ended()
            error.__cause__ = exc
            while self._waiting:
                answer = self._waiting.popleft()
                if not answer.done():
                    answer.set_exception(error)

    async def close(self) -> None:
        """Ends the child: at once if answers are still awaited (an export that stopped early)."""
        if self._waiting:
            self._reader.cancel()
            for answer in self._waiting:
                answer.cancel()
            self._process.kill()
        else:
            self._process.stdin.close()
        await self._process.wait()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
