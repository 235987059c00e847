"""The TF1 programs under ``progs/`` are scripts run as subprocesses, never imported
by pytest (``--doctest-modules`` would import, and so run, them)."""

collect_ignore_glob = ["progs/*.py", "tf1_runner.py", "record.py", "zygote.py"]
