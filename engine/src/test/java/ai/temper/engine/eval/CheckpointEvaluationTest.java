package ai.temper.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.TorchRuntime;
import ai.temper.engine.Workbench;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.Stories260K;
import ai.temper.engine.store.EvalRepository.Result;
import ai.temper.engine.train.TrainConfig;
import ai.temper.engine.train.TrainKind;
import ai.temper.engine.train.TrainingRuns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** eval_suite in a training config: every saved checkpoint is evaluated as the run goes. */
class CheckpointEvaluationTest {
  @TempDir Path home;

  @Test
  void eachSavedCheckpointIsEvaluatedOnTheSuite() throws Exception {
    Stories260K.assumePresent();
    TorchRuntime.configure(1);
    Path suite = home.resolve("suite.yaml");
    Files.writeString(suite, """
        name: ckpt
        tasks:
          - name: cloze
            data: resource:eval/data/story-cloze.jsonl
            scorer: prefix
            format: plain
            max_new_tokens: 3
            limit: 4
          - name: ppl
            type: perplexity
            data: resource:eval/data/stories-heldout.jsonl
            limit: 3
        """);
    try (Workbench wb = Workbench.open(home)) {
      TrainConfig c = TrainConfig.defaults(TrainKind.SFT).withSets(List.of(
          "model_name_or_path=" + Stories260K.MODEL, "dataset_mixer_list="
              + Path.of("samples/chat-stories.jsonl") + ",16", "max_seq_length=128",
          "max_train_steps=4", "per_device_train_batch_size=4", "save_steps=2",
          "eval_steps=0", "learning_rate=1e-3", "eval_suite=" + suite));
      TrainingRuns runs = wb.runs();
      long run = runs.create(c);
      runs.run(run, JobContext.none());
      List<Result> primaries = wb.db().evals().list().stream().filter(Result::isPrimary)
          .filter(r -> r.runId() != null && r.runId() == run).toList();
      assertThat(primaries).extracting(Result::step).containsExactlyInAnyOrder(2L, 2L, 4L, 4L);
      assertThat(primaries).extracting(Result::task)
          .containsExactlyInAnyOrder("cloze", "ppl", "cloze", "ppl");
      // the checkpoints are library models: results hang off their entries
      assertThat(primaries).allMatch(r -> r.modelId() != null);
      // training changed the model: the two checkpoints differ in perplexity
      List<Double> ppl = primaries.stream().filter(r -> r.task().equals("ppl"))
          .map(Result::value).toList();
      assertThat(ppl.get(0)).isNotEqualTo(ppl.get(1));
    }
  }
}
