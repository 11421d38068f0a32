-- Resource use of each attempt: CPU time (user + system, µs) of the
-- process that ran it while it ran, and that process's peak resident set
-- (KiB) when the test ended. NULL when not measured (older rows, a test
-- that crashed before it could report, a process reaped before it could
-- be read).
ALTER TABLE results ADD COLUMN cpu_us INTEGER;
ALTER TABLE results ADD COLUMN max_rss_kb INTEGER;

-- Cached listings: what `PROGRAM --tally-list` or `PROGRAM -l` printed,
-- reused while the file is the same (path, size, mtime and ELF build id)
-- and it is started the same way (key: the flag, arguments, environment
-- and working directory). See engine/tally-listing-cache.c.
CREATE TABLE listings (
  key       TEXT PRIMARY KEY,
  path      TEXT NOT NULL,
  size      INTEGER NOT NULL,
  mtime_ns  INTEGER NOT NULL,
  build_id  TEXT,
  listed_at INTEGER NOT NULL,
  data      BLOB NOT NULL
);
