"""logging: each test logs 50 records (debug, info, one warning) and
asserts with caplog that the warning was captured."""
import logging

import pytest

from conftest import n_tests

RECORDS = 50
log = logging.getLogger("Bench")


def level(i):
    if i == RECORDS // 2:
        return logging.WARNING
    return logging.DEBUG if i % 2 == 0 else logging.INFO


@pytest.mark.asyncio
@pytest.mark.parametrize("i", range(n_tests("logging")))
async def test_logging(i, caplog):
    caplog.set_level(logging.DEBUG, logger="Bench")
    for r in range(RECORDS):
        log.log(level(r), "record %u of the logging workload: value=%u", r, r * 7)
    warnings = [rec for rec in caplog.records
                if rec.levelno == logging.WARNING and rec.name == "Bench"]
    assert len(warnings) == 1
    assert len(caplog.records) == RECORDS
