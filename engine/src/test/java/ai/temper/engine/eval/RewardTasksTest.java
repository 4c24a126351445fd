package ai.temper.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.TorchRuntime;
import ai.temper.engine.Workbench;
import ai.temper.engine.data.DatasetImporter;
import ai.temper.engine.data.Decontaminator;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.Stories260K;
import ai.temper.engine.store.EvalRepository.Instance;
import ai.temper.engine.store.EvalRepository.Result;
import ai.temper.engine.train.TrainConfig;
import ai.temper.engine.train.TrainKind;
import ai.temper.engine.train.TrainResult;
import ai.temper.engine.train.TrainingRuns;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tasks judged by a reward model (one trained here for a few steps on the sample pairs):
 * its pairwise accuracy, and the win rate of stories260K's answers against references; and a
 * suite's contamination report on a training set that holds two of its instances.
 */
class RewardTasksTest {
  @TempDir Path home;

  @Test
  void rewardModelAccuracyAndJudgedWinRate() throws Exception {
    Stories260K.assumePresent();
    TorchRuntime.configure(1);
    try (Workbench wb = Workbench.open(home)) {
      TrainConfig c = TrainConfig.defaults(TrainKind.RM).withSets(List.of(
          "model_name_or_path=" + Stories260K.MODEL,
          "dataset_mixer_list=samples/prefs-kindness.jsonl,1.0", "max_seq_length=96",
          "max_train_steps=3", "per_device_train_batch_size=4", "eval_steps=0",
          "save_steps=0", "learning_rate=1e-3"));
      TrainingRuns runs = wb.runs();
      TrainResult rm = runs.run(runs.create(c), JobContext.none());
      Path suite = home.resolve("rm.yaml");
      Files.writeString(suite, """
          name: rm
          tasks:
            - name: pairs
              type: rm_accuracy
              data: %s
              limit: 12
            - name: alpaca-mini
              type: win_rate
              data: %s
              format: chat
              judge: %s
              max_new_tokens: 12
              limit: 4
          """.formatted(Path.of("samples/prefs-kindness.jsonl").toAbsolutePath(),
          Path.of("samples/chat-stories.jsonl").toAbsolutePath(), rm.checkpoint()));
      Evaluator ev = new Evaluator(wb);
      // the reward model is the evaluated model of the accuracy task
      Evaluator.TaskOutcome acc = ev.run(rm.checkpoint().toString(), EvalSuite.load(suite),
          Evaluator.Options.defaults().withBatchSize(4), JobContext.none()).tasks().get(0);
      assertThat(acc.status()).as(String.valueOf(acc.error()))
          .isEqualTo(Evaluator.Status.COMPUTED);
      Result accuracy = acc.metrics().get(0);
      assertThat(accuracy.metric()).isEqualTo("accuracy");
      List<Instance> pairs = wb.db().evals().instances(accuracy.id());
      assertThat(pairs).hasSize(12);
      ObjectMapper json = new ObjectMapper();
      double right = 0;
      for (Instance i : pairs) {
        var meta = json.readTree(i.meta());
        double expected = meta.get("reward_chosen").asDouble()
            > meta.get("reward_rejected").asDouble() ? 1 : 0;
        assertThat(i.score()).isEqualTo(expected);
        right += expected;
      }
      assertThat(accuracy.value()).isEqualTo(right / 12);

      // stories260K answers, the reward model judges against the reference answers
      Evaluator.TaskOutcome win = ev.run(Stories260K.MODEL.toString(), EvalSuite.load(suite),
          Evaluator.Options.defaults(), JobContext.none()).tasks().get(1);
      assertThat(win.status()).as(String.valueOf(win.error()))
          .isEqualTo(Evaluator.Status.COMPUTED);
      assertThat(win.metrics()).extracting(Result::metric)
          .containsExactly("win_rate", "lc_win_rate", "win_probability");
      for (Result m : win.metrics()) {
        assertThat(m.value()).isBetween(0.0, 1.0);
      }
      List<Instance> answers = wb.db().evals().instances(win.metrics().get(0).id());
      assertThat(answers).hasSize(4);
      assertThat(answers.get(0).target()).isNotBlank();
      assertThat(answers.get(0).input()).contains("<|user|>"); // the chat template's prompt
    }
  }

  @Test
  void aSuiteReportsHowContaminatedATrainingSetIs() throws Exception {
    try (Workbench wb = Workbench.open(home)) {
      List<String> cloze = Files.readAllLines(Path.of("resources/eval/data/story-cloze.jsonl"));
      ObjectMapper json = new ObjectMapper();
      List<String> rows = new ArrayList<>();
      for (int i = 0; i < 2; i++) { // two evaluation prompts leaked into training data
        String prompt = json.readTree(cloze.get(i)).get("prompt").asText();
        rows.add(json.writeValueAsString(java.util.Map.of("text", prompt + " happy.")));
      }
      for (int i = 0; i < 8; i++) {
        rows.add(json.writeValueAsString(java.util.Map.of("text", "A different text number "
            + i + " about rockets, numbers and the weather on the moon today.")));
      }
      Path train = home.resolve("train.jsonl");
      Files.write(train, rows);
      new DatasetImporter(wb.db()).importFile(train, new DatasetImporter.Options("train", null,
          null), JobContext.none());
      SuiteContamination.Report r = new SuiteContamination(wb.db()).run(
          EvalSuite.resolve("stories"), "train", Decontaminator.Settings.DEFAULT, false,
          JobContext.none());
      assertThat(r.result().flagged()).isEqualTo(2);
      assertThat(r.result().rate()).isEqualTo(0.2);
      assertThat(r.taskSets()).containsKeys("story-cloze", "story-ppl")
          .doesNotContainKey("story-cloze-unseen");
      assertThat(r.result().evalInstancesHit().get(r.taskSets().get("story-cloze")))
          .isGreaterThanOrEqualTo(2);
      // a second report reuses the staged evaluation sets
      assertThat(new SuiteContamination(wb.db()).run(EvalSuite.resolve("stories"), "train",
          Decontaminator.Settings.DEFAULT, false, JobContext.none()).result().flagged())
          .isEqualTo(2);
    }
  }
}
