"""Each TF1 program in ``progs/`` runs unchanged through ``jgraph.run`` (as a user
runs an existing script: ``python -m jgraph.run prog.py args``) and prints what real
TF1 printed (``expected.json``, from ``record.py``), within the tolerance the
program states.

The programs run in forked children of one warm launcher (``zygote.py``) that
has imported jgraph once; ``test_alias_package_on_pythonpath`` starts a fresh
interpreter with the alias package on ``PYTHONPATH``.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from programs import EXPECTED_FILE, Program, all_programs, compare, portable

ROOT = Path(__file__).resolve().parents[2]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
MNIST_DIR = os.environ.get("JGRAPH_MNIST_DIR") or (
    str(SHARED_MNIST) if SHARED_MNIST.is_dir() else None
)
EXPECTED = json.loads(EXPECTED_FILE.read_text())
PROGRAMS = all_programs()


def _env() -> dict[str, str]:
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "PYTHONWARNINGS": "ignore"}
    if MNIST_DIR is not None:
        env["JGRAPH_MNIST_DIR"] = MNIST_DIR
    return env


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} exited with {result.returncode}:\n"
            f"{result.stderr[-4000:]}"
        )
    return result.stdout


class _Launcher:
    """This worker's warm launcher (started on first use, ended at exit)."""

    process: subprocess.Popen | None = None

    @classmethod
    def run(cls, argv: list[str], cwd: Path, timeout: float = 300) -> str:
        if cls.process is None:
            cls.process = subprocess.Popen(
                [sys.executable, str(Path(__file__).parent / "zygote.py")],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=_env(),
                text=True,
            )
            atexit.register(cls.process.kill)
        out, err = cwd / ".stdout", cwd / ".stderr"
        job = {
            "argv": argv,
            "cwd": str(cwd),
            "env": _env(),
            "stdout": str(out),
            "stderr": str(err),
            "timeout": timeout,
        }
        assert cls.process.stdin is not None and cls.process.stdout is not None
        cls.process.stdin.write(json.dumps(job) + "\n")
        cls.process.stdin.flush()
        rc = json.loads(cls.process.stdout.readline())["rc"]
        if rc != 0:
            raise AssertionError(
                f"jgraph.run {' '.join(argv)} exited with {rc}:\n"
                f"{err.read_text()[-4000:]}"
            )
        return out.read_text()


def _params() -> list[object]:
    params = []
    for program in PROGRAMS:
        marks = []
        if program.xfail:
            marks.append(pytest.mark.xfail(strict=True, reason=program.xfail))
        if "mnist" in program.path.read_text() and MNIST_DIR is None:
            marks.append(pytest.mark.skip(reason="needs MNIST (set JGRAPH_MNIST_DIR)"))
        params.append(pytest.param(program, id=program.name, marks=marks))
    return params


@pytest.mark.parametrize("program", _params())
def test_program_prints_what_tf1_printed(program: Program, tmp_path: Path) -> None:
    assert program.name in EXPECTED, f"run record.py for {program.name}"
    expected_runs = EXPECTED[program.name]["runs"]
    assert len(expected_runs) == len(program.runs)
    for args, expected in zip(program.runs, expected_runs, strict=True):
        actual = portable(
            _Launcher.run([str(program.path), *args], tmp_path), MNIST_DIR
        )
        problems = compare(expected, actual, program.rtol, program.atol)
        assert not problems, (
            f"{program.name} {args} ({program.why}):\n"
            + "\n".join(problems[:10])
            + f"\n--- TF1 printed:\n{expected}\n--- jgraph printed:\n{actual}"
        )


def test_alias_package_on_pythonpath(tmp_path: Path) -> None:
    # The other supported way: the `tensorflow` alias package on PYTHONPATH.
    alias = _run([sys.executable, "-m", "jgraph.run", "--alias-path"], tmp_path, _env())
    program = next(p for p in PROGRAMS if p.name == "linear_regression")
    env = {**_env(), "PYTHONPATH": alias.strip()}
    actual = _run([sys.executable, str(program.path)], tmp_path, env)
    problems = compare(
        EXPECTED[program.name]["runs"][0], actual, program.rtol, program.atol
    )
    assert not problems, problems


def test_every_program_has_expectations() -> None:
    missing = [p.name for p in PROGRAMS if p.name not in EXPECTED]
    assert not missing, f"record.py has not recorded: {missing}"
    assert len(PROGRAMS) >= 40
