-- The model library (issue 6): what V1's models table lacks to find, show and remove a model.
-- tokenizer_path: a llama2.c checkpoint keeps its tokenizer in a separate file.
-- owned: the files live in the home's model cache (copied, downloaded or created there) and
--        are deleted with the entry; a model added by reference is never deleted from disk.
-- size_bytes: the model's files on disk, summed when it was registered.
ALTER TABLE models ADD COLUMN tokenizer_path VARCHAR(4000);
ALTER TABLE models ADD COLUMN owned BOOLEAN DEFAULT FALSE NOT NULL;
ALTER TABLE models ADD COLUMN size_bytes BIGINT;
CREATE INDEX models_name ON models(name);
CREATE INDEX checkpoints_run_path ON checkpoints(run_id, path);
