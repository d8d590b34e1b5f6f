"""Progress of a pass: a bar on a terminal, one plain line per cell otherwise (CI logs)."""

from __future__ import annotations

import sys
from typing import TextIO

from parity import findings
from parity.runner import Cell

BAR_WIDTH = 30


class Progress:
    """Counts finished cells (route x persona) out of ``total``."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()

    def __call__(self, cell: Cell) -> None:
        self.done += 1
        worst = findings.worst(cell.gaps)
        state = cell.status if cell.status != "ran" else (worst.words if worst else "no gap")
        if self.tty:
            filled = BAR_WIDTH * self.done // self.total
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            text = f"\rparity [{bar}] {self.done}/{self.total} {cell.route} ({cell.persona})"
            self.stream.write(f"{text[:110]:<110}")
            if self.done >= self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"parity: [{self.done}/{self.total}] {cell.route} {cell.persona}: {state}\n")
        self.stream.flush()
