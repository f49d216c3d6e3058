"""What every benchmark hands the suite: named figures with their targets, and the table of them.

A figure is one number a benchmark measured (a latency, a rate, a ratio of two sides measured in
the same run) next to the target the project set for it. `ratio` is measured / target, so it
reads the same for every row: at or below 1 meets a "lower is better" target, at or above 1 a
"higher is better" one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ops.commands.projections import format_table


@dataclass(frozen=True)
class Figure:
    name: str
    measured: float
    unit: str
    target: float
    lower_is_better: bool = True

    @property
    def ratio(self) -> float:
        return self.measured / self.target if self.target else float("inf")

    @property
    def passed(self) -> bool:
        if self.lower_is_better:
            return self.measured <= self.target
        return self.measured >= self.target

    @property
    def target_text(self) -> str:
        return f"{'<=' if self.lower_is_better else '>='} {number(self.target)} {self.unit}"

    def row(self) -> tuple[str, str, str, str, str]:
        return (self.name, f"{number(self.measured)} {self.unit}", self.target_text,
                f"{self.ratio:.3g}", "pass" if self.passed else "FAIL")


@dataclass(frozen=True)
class Failure:
    """A benchmark that could not measure (an error, or a capability this machine lacks)."""
    benchmark: str
    reason: str

    def row(self) -> tuple[str, str, str, str, str]:
        return (self.benchmark, "-", "-", "-", self.reason)


def number(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


HEADERS = ("FIGURE", "MEASURED", "TARGET", "RATIO", "RESULT")


def table(rows: Sequence[Figure | Failure]) -> str:
    return format_table(HEADERS, [r.row() for r in rows])
