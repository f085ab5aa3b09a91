"""Benchmarks with their budgets (issue #2). Not part of the test run.

Each script measures a figure and a baseline in the same run and prints the ratio, so a slow
machine or a busy neighbour moves both numbers together. Run one with `python -m bench.<name>`
or all with `python -m bench.run_all` (`make bench`). Generated databases and raw results go
to bench/out/ (gitignored)."""
