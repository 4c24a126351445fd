-- Datasets (issue 5). search_text becomes an in-row string: a LIKE over CLOBs read each value
-- from LOB storage and was ~5-10x slower on 100k rows (1.2-4 s against 0.15-0.8 s per query).
-- It holds the lowercased flattened text, cut at 1,000,000 characters.
ALTER TABLE examples ALTER COLUMN search_text SET DATA TYPE CHARACTER VARYING(1000000);

-- A 64-bit fingerprint of an example's canonical content (not its meta): duplicates share it.
ALTER TABLE examples ADD COLUMN content_hash BIGINT;
