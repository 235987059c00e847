"""What the program tests and ``record.py`` share: the programs, their directives,
and how two outputs are compared.

Each program in ``progs/`` is an ordinary TF1 script (``import tensorflow as tf``).
Comment lines at its top tell the harness how to treat it:

``# expect: rtol=R atol=A -- why``
    numbers in its output must match TF1's within ``|a - b| <= atol + rtol * |b|``;
    the text around the numbers must match exactly.
``# runs: ARGS | ARGS``
    run it once per ``|``-separated argument list, in the same working directory
    (e.g. ``train | restore``: a second process reads what the first saved).
``# xfail: core: FEATURE``
    expected to fail until the named core feature lands (the test is
    ``xfail(strict=True)``, so it flips when it does).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

PROGRAMS_DIR = Path(__file__).resolve().parent / "progs"
EXPECTED_FILE = Path(__file__).resolve().parent / "expected.json"

# Outputs are stored and compared with the MNIST directory written as this token,
# so expectations recorded on one machine hold on another.
MNIST_DIR_TOKEN = "$JGRAPH_MNIST_DIR"

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?(?:inf|nan)\b")


@dataclass
class Program:
    """A program and its directives."""

    path: Path
    rtol: float = 0.0
    atol: float = 0.0
    why: str = ""
    runs: list[list[str]] = field(default_factory=lambda: [[]])
    xfail: str | None = None

    @property
    def name(self) -> str:
        return self.path.stem


def load(path: Path) -> Program:
    """Reads the directives at the top of ``path``.

    Raises:
      ValueError: no ``# expect:`` line (every program states its tolerance).
    """
    program = Program(path)
    found = False
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        body = line[1:].strip()
        if body.startswith("expect:"):
            spec, _, why = body[len("expect:") :].partition("--")
            values = dict(part.split("=") for part in spec.split())
            program.rtol = float(values.get("rtol", 0.0))
            program.atol = float(values.get("atol", 0.0))
            program.why = why.strip()
            found = True
        elif body.startswith("runs:"):
            program.runs = [r.split() for r in body[len("runs:") :].split("|")]
        elif body.startswith("xfail:"):
            program.xfail = body[len("xfail:") :].strip()
    if not found:
        raise ValueError(f"{path.name}: no '# expect: rtol=... atol=... -- why' line")
    return program


def all_programs() -> list[Program]:
    return [load(p) for p in sorted(PROGRAMS_DIR.glob("*.py"))]


def portable(output: str, mnist_dir: str | None) -> str:
    """``output`` with the MNIST directory it names replaced by ``MNIST_DIR_TOKEN``."""
    if not mnist_dir:
        return output
    return output.replace(os.path.abspath(mnist_dir), MNIST_DIR_TOKEN)


def _split(text: str) -> tuple[list[str], list[float]]:
    """Each line with its numbers replaced by ``#``, and the numbers."""
    skeleton, numbers = [], []
    for line in text.strip().splitlines():
        numbers += [float(m) for m in _NUMBER.findall(line)]
        skeleton.append(_NUMBER.sub("#", line.rstrip()))
    return skeleton, numbers


def compare(expected: str, actual: str, rtol: float, atol: float) -> list[str]:
    """The differences between TF1's output and jgraph's (empty: they agree)."""
    exp_lines, exp_numbers = _split(expected)
    act_lines, act_numbers = _split(actual)
    problems = []
    for i, (e, a) in enumerate(zip(exp_lines, act_lines, strict=False)):
        if e != a:
            problems.append(f"line {i + 1}: TF1 printed {e!r}, jgraph {a!r}")
    if len(exp_lines) != len(act_lines):
        problems.append(f"TF1 printed {len(exp_lines)} lines, jgraph {len(act_lines)}")
    if problems:
        return problems
    for i, (e, a) in enumerate(zip(exp_numbers, act_numbers, strict=True)):
        same_special = (e != e and a != a) or e == a
        if not same_special and not abs(a - e) <= atol + rtol * abs(e):
            problems.append(
                f"number {i + 1}: TF1 {e!r}, jgraph {a!r} (rtol={rtol}, atol={atol})"
            )
    return problems
