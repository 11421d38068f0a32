-- Tally results database, schema version 2: indexes for readers.
--
-- Applied by tally-store.c in one transaction, after which it sets
-- PRAGMA user_version = 2. Never edit a released migration.
--
-- results_run_test_attempt: "final attempt" checks (is there a later
-- attempt of this test in this run?) and per-run outcome counts, both
-- answered from the index alone (it covers outcome) for `tally show`,
-- the viewer's run list and its result pages.
CREATE INDEX results_run_test_attempt ON results (run_id, test_id, attempt, outcome);

-- `tally history PATH` without --program: tests by path alone (the
-- UNIQUE (program, path) index starts with program).
CREATE INDEX tests_path ON tests (path);
