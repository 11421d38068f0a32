-- The latest passing durations of each test, newest first (d1 .. d5),
-- kept up to date when a run finishes: ordering longest-first and
-- balancing shards read one row per test instead of the whole history.
CREATE TABLE recent_durations (
  test_id INTEGER PRIMARY KEY REFERENCES tests (id) ON DELETE CASCADE,
  d1 INTEGER,
  d2 INTEGER,
  d3 INTEGER,
  d4 INTEGER,
  d5 INTEGER
);

-- Filled from the existing results by tally-store.c (rebuild_recent_durations),
-- which a merge runs too.
