-- Ids the user sees stay dense: H2 hands out identity values from a cache of 32, and after a
-- process that did not close the database cleanly (a kill, a crash) the next id jumped by up
-- to 32 (runs 1, 2, 3, then 33). Without a cache each id is taken in its own transaction.
-- Bulk tables (examples, chat messages, labels, instances) keep their cache: their ids are
-- internal.
ALTER TABLE runs ALTER COLUMN id SET NO CACHE;
ALTER TABLE datasets ALTER COLUMN id SET NO CACHE;
ALTER TABLE models ALTER COLUMN id SET NO CACHE;
ALTER TABLE checkpoints ALTER COLUMN id SET NO CACHE;
ALTER TABLE conversations ALTER COLUMN id SET NO CACHE;
ALTER TABLE jobs ALTER COLUMN id SET NO CACHE;
ALTER TABLE annotation_sessions ALTER COLUMN id SET NO CACHE;
ALTER TABLE eval_results ALTER COLUMN id SET NO CACHE;

-- Runs can be tagged: one row per (run, tag); the name is the runs.name column.
CREATE TABLE run_tags (
  run_id  BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  tag     VARCHAR(100) NOT NULL,
  PRIMARY KEY (run_id, tag)
);
