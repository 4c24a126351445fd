-- Datasets (issue 5): examples are stored in-row. Measured on 2 cores (40k GSM8K-sized rows,
-- one transaction): CLOB data inserted ~3x slower than CHARACTER VARYING (8-15 s against
-- 2.6-3.6 s), and a LIKE over CLOB search text read every value from LOB storage (1.2-4 s
-- against 0.15-0.8 s per query on 100k rows).
ALTER TABLE examples ALTER COLUMN data SET DATA TYPE CHARACTER VARYING(1000000000);

-- search_text holds the lowercased flattened text (cut at 1,000,000 characters): search is a
-- LIKE per term over it, in SQL.
ALTER TABLE examples ALTER COLUMN search_text SET DATA TYPE CHARACTER VARYING(1000000);

-- A 64-bit fingerprint of an example's canonical content (not its meta): duplicates share it.
ALTER TABLE examples ADD COLUMN content_hash BIGINT;
