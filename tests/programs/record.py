"""Records what real TensorFlow prints for each program into ``expected.json``.

Run with a TensorFlow interpreter that has ``tensorflow-cpu`` 2.x, ``tf-keras``
and ``tf-slim`` (the conformance session's; today ``/work/tfvenv`` plus
``pip install --target .tf-extra tf-slim``, put on ``PYTHONPATH``), from the
repository root::

    PYTHONPATH=.tf-extra JGRAPH_MNIST_DIR=/path/to/mnist \\
        /work/tfvenv/bin/python tests/programs/record.py [NAME ...]

Each program runs in a fresh temporary directory (its ``runs:`` one after the
other there) through ``tf1_runner.py``; its stdout is stored. Programs marked
``xfail`` are recorded too, so their expectations are ready when the core lands.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile

from programs import EXPECTED_FILE, Program, all_programs, portable

RUNNER = str(EXPECTED_FILE.parent / "tf1_runner.py")


def _env() -> dict[str, str]:
    # The programs run in temporary directories: make PYTHONPATH absolute.
    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    pythonpath = os.pathsep.join(os.path.abspath(p) for p in paths if p)
    return {**os.environ, "PYTHONPATH": pythonpath}


def _record_batch(programs: list[Program], scratch: str) -> dict[str, object]:
    jobs = []
    for program in programs:
        cwd = tempfile.mkdtemp(dir=scratch)
        jobs.append(
            {
                "name": program.name,
                "path": str(program.path),
                "runs": program.runs,
                "cwd": cwd,
            }
        )
    jobs_file = os.path.join(scratch, f"jobs-{programs[0].name}.json")
    results_file = os.path.join(scratch, f"results-{programs[0].name}.json")
    with open(jobs_file, "w") as f:
        json.dump(jobs, f)
    result = subprocess.run(
        [sys.executable, RUNNER, jobs_file, results_file],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"tf1_runner.py failed:\n{result.stderr[-3000:]}")
    with open(results_file) as f:
        return json.load(f)


def record(names: list[str], workers: int = 2) -> None:
    """Records the named programs (all of them without names), in ``workers``
    TensorFlow processes, and merges them into ``expected.json``."""
    expected = json.loads(EXPECTED_FILE.read_text()) if EXPECTED_FILE.exists() else {}
    from tensorflow import version

    chosen = [p for p in all_programs() if not names or p.name in names]
    shares = [chosen[i::workers] for i in range(workers) if chosen[i::workers]]
    with tempfile.TemporaryDirectory() as scratch:
        with concurrent.futures.ThreadPoolExecutor(len(shares)) as pool:
            batches = list(pool.map(lambda s: _record_batch(s, scratch), shares))
    for results in batches:
        for name, outputs in sorted(results.items()):
            if isinstance(outputs, dict):
                print(f"FAILED {name}:\n{outputs['error']}")
                continue
            runs = [portable(o, os.environ.get("JGRAPH_MNIST_DIR")) for o in outputs]
            expected[name] = {"tensorflow": version.VERSION, "runs": runs}
            print(f"recorded {name}")
    EXPECTED_FILE.write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    record(sys.argv[1:])
