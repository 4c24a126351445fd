-- Recipes (issue 16): one row per recipe run (file + its text's hash), one row per stage.
-- A rerun of the same recipe text on the same home finds its row by content_sha256 and
-- continues: DONE stages are skipped, a stage with a run resumes that run.
-- results: the final stage x task table (tab-separated text) once the recipe has finished.
CREATE TABLE recipes (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(300) NOT NULL,
  path VARCHAR(2000) NOT NULL,
  content_sha256 VARCHAR(64) NOT NULL,
  status VARCHAR(20) NOT NULL,
  results CHARACTER LARGE OBJECT,
  created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP NOT NULL,
  finished_at TIMESTAMP WITH TIME ZONE
);
CREATE INDEX recipes_content ON recipes(content_sha256);

-- status: PENDING, RUNNING, DONE, FAILED. run_id: the training run of a training stage;
-- checkpoint: the model the stage produced (training) or evaluated (eval);
-- eval_result_ids: comma-separated primary eval_results ids of an eval stage.
CREATE TABLE recipe_stages (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  recipe_id BIGINT NOT NULL REFERENCES recipes(id) ON DELETE CASCADE,
  idx INT NOT NULL,
  name VARCHAR(300) NOT NULL,
  algorithm VARCHAR(20) NOT NULL,
  status VARCHAR(20) NOT NULL,
  run_id BIGINT REFERENCES runs(id) ON DELETE SET NULL,
  checkpoint VARCHAR(2000),
  eval_result_ids VARCHAR(4000),
  error CHARACTER LARGE OBJECT,
  UNIQUE (recipe_id, idx)
);
