"""cpu: each test spins until it has used 10 ms of thread CPU time."""
import time

import pytest

from conftest import n_tests

CPU_NS = 10 * 1000 * 1000


@pytest.mark.asyncio
@pytest.mark.parametrize("i", range(n_tests("cpu")))
async def test_cpu(i):
    end = time.thread_time_ns() + CPU_NS
    x = 0
    while time.thread_time_ns() < end:
        for j in range(100):
            x += j
