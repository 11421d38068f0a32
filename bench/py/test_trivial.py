"""trivial: each test awaits one callback scheduled on its own event loop."""
import asyncio

import pytest

from conftest import n_tests


@pytest.mark.asyncio
@pytest.mark.parametrize("i", range(n_tests("trivial")))
async def test_trivial(i):
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    loop.call_soon(fut.set_result, True)
    assert await fut
