"""Shared by the pytest contender of bench/run: workload sizes.

Same knobs as the C programs (bench/bench-common.h): BENCH_N is the number
of tests; each test file is one workload.
"""
import os

DEFAULTS = {"trivial": 10000, "sleep": 400, "logging": 2000, "cpu": 200}


def n_tests(workload):
    return int(os.environ.get("BENCH_N", DEFAULTS[workload]))
