-- The run a rerun came from (the viewer's Rerun Failed / Selected): the
-- viewer shows a rerun's results merged over its parent's. NULL for a
-- run of its own.
ALTER TABLE runs ADD COLUMN parent_id INTEGER;
