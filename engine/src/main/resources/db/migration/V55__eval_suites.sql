-- Evaluation suites (issue 11). One task result is a primary metric row of eval_results, its
-- other metrics as rows pointing at it (primary_id), and its instances (eval_instances,
-- result_id = the primary row); all of it is written in one transaction.
-- cache_key: SHA-256 of the model files' hash, the task definition and its data's hash: an
--            identical evaluation is found by it and reused.
-- unseen:    the task belongs to a suite's unseen (held-out) part.
-- ci_low/ci_high: 95% bootstrap interval of the metric over instances.
ALTER TABLE eval_results ADD COLUMN cache_key VARCHAR(64);
ALTER TABLE eval_results ADD COLUMN model_hash VARCHAR(64);
ALTER TABLE eval_results ADD COLUMN model_name VARCHAR(300);
ALTER TABLE eval_results ADD COLUMN unseen BOOLEAN DEFAULT FALSE NOT NULL;
ALTER TABLE eval_results ADD COLUMN primary_id BIGINT;
ALTER TABLE eval_results ADD CONSTRAINT eval_results_primary FOREIGN KEY (primary_id)
  REFERENCES eval_results(id) ON DELETE CASCADE;
ALTER TABLE eval_results ADD COLUMN ci_low DOUBLE PRECISION;
ALTER TABLE eval_results ADD COLUMN ci_high DOUBLE PRECISION;
ALTER TABLE eval_results ADD COLUMN run_id BIGINT;
ALTER TABLE eval_results ADD CONSTRAINT eval_results_run FOREIGN KEY (run_id)
  REFERENCES runs(id) ON DELETE SET NULL;
ALTER TABLE eval_results ADD COLUMN step BIGINT;
ALTER TABLE eval_results ADD COLUMN seconds DOUBLE PRECISION;
CREATE INDEX eval_results_key ON eval_results(cache_key);
CREATE INDEX eval_results_model ON eval_results(model_id);

-- extracted: the answer the scorer read from the output; meta: per-instance numbers (JSON).
ALTER TABLE eval_instances ADD COLUMN extracted CHARACTER LARGE OBJECT;
ALTER TABLE eval_instances ADD COLUMN meta CHARACTER LARGE OBJECT;
CREATE INDEX eval_instances_result ON eval_instances(result_id, idx);
