-- Where each run ran: program names are relative to it, so a rerun from
-- the viewer starts there and selects the same tests by the same names.
ALTER TABLE runs ADD COLUMN cwd TEXT;
