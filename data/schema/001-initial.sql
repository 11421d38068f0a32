-- Tally results database, schema version 1.
--
-- Applied by tally-store.c in one transaction, after which it sets
-- PRAGMA user_version = 1. Never edit a released migration: add
-- 002-….sql instead. Times are µs since the epoch; durations are µs.
-- Outcomes are the strings of tally_outcome_to_string().

CREATE TABLE runs (
  id          INTEGER PRIMARY KEY,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,
  status      TEXT NOT NULL,          -- running, passed, failed, interrupted, error
  argv        TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
  workers     INTEGER NOT NULL DEFAULT 0,
  seed        INTEGER,
  shard       TEXT,                   -- "K/N", or NULL
  host        TEXT,
  pid         INTEGER                 -- the runner, to detect a dead one
);
CREATE INDEX runs_status ON runs (status);
CREATE INDEX runs_started ON runs (started_at);

CREATE TABLE tests (
  id      INTEGER PRIMARY KEY,
  program TEXT NOT NULL,
  path    TEXT NOT NULL,
  file    TEXT,
  line    INTEGER,
  UNIQUE (program, path)
);

-- The markers of the test's latest registration, in declaration order.
CREATE TABLE markers (
  test_id  INTEGER NOT NULL REFERENCES tests (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  name     TEXT NOT NULL,
  value    TEXT,
  PRIMARY KEY (test_id, name)
);
CREATE INDEX markers_name ON markers (name, value);

-- One row per attempt. Inserted as 'running' when the test starts and
-- updated when it ends, so a killed runner leaves 'running' rows that the
-- next open turns into 'interrupted'. message is TEXT when it is valid
-- UTF-8 without NUL, a BLOB otherwise.
CREATE TABLE results (
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  test_id     INTEGER NOT NULL REFERENCES tests (id),
  attempt     INTEGER NOT NULL DEFAULT 1,
  outcome     TEXT NOT NULL,
  started_at  INTEGER,
  duration_us INTEGER,
  worker      INTEGER,
  message     BLOB,
  file        TEXT,
  line        INTEGER,
  signal      INTEGER,
  exit_status INTEGER
);
-- The viewer's table (results of run R, by outcome) and history (test T
-- across runs).
CREATE INDEX results_run_outcome ON results (run_id, outcome);
CREATE INDEX results_test_run ON results (test_id, run_id);

-- level is the GLogLevelFlags bit (G_LOG_LEVEL_ERROR = 4 … DEBUG = 128):
-- smaller is more severe, so "warning and worse" is level <= 16. message
-- is TEXT when valid UTF-8 without NUL, a BLOB otherwise.
CREATE TABLE logs (
  result_id INTEGER NOT NULL REFERENCES results (id) ON DELETE CASCADE,
  seq       INTEGER NOT NULL,
  time_us   INTEGER,
  level     INTEGER NOT NULL,
  domain    TEXT,
  message   BLOB,
  file      TEXT,
  line      INTEGER,
  func      TEXT,
  thread    INTEGER,
  fields    TEXT                      -- JSON object, or NULL
);
CREATE UNIQUE INDEX logs_result_seq ON logs (result_id, seq);

-- Captured stdout (1) and stderr (2), in chunks numbered from 0.
CREATE TABLE outputs (
  result_id INTEGER NOT NULL REFERENCES results (id) ON DELETE CASCADE,
  stream    INTEGER NOT NULL,
  seq       INTEGER NOT NULL,
  data      BLOB NOT NULL
);
CREATE UNIQUE INDEX outputs_result_stream_seq ON outputs (result_id, stream, seq);

-- Small runner state that outlives a run, such as where --sw stopped.
CREATE TABLE state (
  key   TEXT PRIMARY KEY,
  value TEXT
);
