-- Who owns a running run, beyond its pid: the boot and the start time of
-- the runner process ("BOOT_ID/START_TICKS"). A pid alone is reused: a
-- runner killed as PID 1 of a container has a live PID 1 in the next one.
ALTER TABLE runs ADD COLUMN owner TEXT;
