"""sleep: each test awaits a 25 ms timer on its own event loop."""
import asyncio

import pytest

from conftest import n_tests


@pytest.mark.asyncio
@pytest.mark.parametrize("i", range(n_tests("sleep")))
async def test_sleep(i):
    await asyncio.sleep(0.025)
