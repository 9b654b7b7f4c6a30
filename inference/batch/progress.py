"""A batch's progress: a tqdm bar on a terminal, one plain line per photo otherwise (a log, a
pipe, the GUI reading it)."""
from __future__ import annotations

import sys
from typing import Any, TextIO

from inference.batch.folder import Item


class Progress:
    """``done(item, result)`` once per photo that ran; ``close()`` at the end."""

    def __init__(self, total: int, skipped: int, stream: TextIO | None = None,
                 bar: bool | None = None) -> None:
        self.total, self.count = total, 0
        self.stream = stream or sys.stdout
        if bar is None:
            bar = sys.stderr.isatty()
        self._bar = None
        if bar and total:
            from tqdm import tqdm
            self._bar = tqdm(total=total, unit="photo", file=sys.stderr, dynamic_ncols=True,
                             desc="batch")
        if skipped:
            self._line(f"{skipped} photo(s) up to date, skipped")

    def _line(self, text: str) -> None:
        if self._bar is not None:
            self._bar.write(text, file=sys.stderr)
        else:
            print(text, file=self.stream, flush=True)

    def done(self, item: Item, result: dict[str, Any]) -> None:
        self.count += 1
        if self._bar is not None:
            self._bar.update(1)
            if result["status"] != "done":
                self._line(f"failed: {item.rel}: {result['reason']}")
            return
        what = "done" if result["status"] == "done" else f"failed: {result['reason']}"
        self._line(f"[{self.count}/{self.total}] {item.rel}: {what}")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
