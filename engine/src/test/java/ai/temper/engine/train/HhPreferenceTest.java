package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.temper.engine.Workbench;
import ai.temper.engine.chat.ChatEncoder;
import ai.temper.engine.chat.ChatTemplate;
import ai.temper.engine.data.DataFormat;
import ai.temper.engine.data.DatasetImporter;
import ai.temper.engine.data.DatasetImporter.OnError;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.tokenizer.Llama2cTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DPO on the real HH-RLHF pairs (the shared harmless-base test split, imported as a dataset).
 * HH transcripts hold two turns of the same role in a row (9 of its 2,312 rows), which the
 * Tulu template renders differently when last: they must train, and an example a template
 * truly cannot render is skipped, counted and named, never fatal.
 */
class HhPreferenceTest {
  static final Path HH = Path.of("../shared/data/hh-rlhf/harmless-base-test.jsonl.gz");
  static final Path TOKENIZER = Path.of("../shared/models/stories260K/tok512.bin");

  @TempDir Path home;

  @BeforeAll
  static void setUp() {
    TrainFixtures.assumeStories();
    assumeTrue(Files.exists(HH), "../shared/data/hh-rlhf is absent: skipping");
    TrainFixtures.oneThread();
  }

  private static void importHh(Workbench wb) {
    new DatasetImporter(wb.db()).importFile(HH,
        new DatasetImporter.Options("hh", DataFormat.AUTO, OnError.ABORT), JobContext.none());
  }

  /** The imported rows whose chosen or rejected conversation has two turns of a role in a row. */
  private static List<JsonNode> sameRoleTwice(List<JsonNode> all) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode e : all) {
      for (String side : List.of("chosen", "rejected")) {
        List<String> roles = new ArrayList<>();
        e.get("prompt").forEach(m -> roles.add(m.get("role").asText()));
        e.get(side).forEach(m -> roles.add(m.get("role").asText()));
        boolean twice = false;
        for (int i = 1; i < roles.size(); i++) {
          twice |= roles.get(i).equals(roles.get(i - 1));
        }
        if (twice) {
          out.add(e);
          break;
        }
      }
    }
    return out;
  }

  @Test
  void everyHhPairRendersInTuluAndSameRoleTurnsTrain() {
    try (Workbench wb = Workbench.open(home)) {
      importHh(wb);
      List<JsonNode> all = TrainingData.read("hh", "preference", wb.db());
      assertThat(all).hasSize(2312);
      Llama2cTokenizer tok = Llama2cTokenizer.read(TOKENIZER);
      ChatEncoder chat = ChatEncoder.forTokenizer(tok);
      List<JsonNode> twice = sameRoleTwice(all);
      assertThat(twice).hasSizeGreaterThanOrEqualTo(5);
      DataStats stats = new DataStats();
      List<Encoder.Pair> pairs = new Encoder(tok, chat, 4096).pairs(twice, stats);
      assertThat(stats.unrenderable()).isZero();
      assertThat(pairs).hasSize(twice.size());
      assertThat(pairs).allSatisfy(p -> {
        assertThat(p.chosen().trainedCount()).isPositive();
        assertThat(p.rejected().trainedCount()).isPositive();
      });
    }
  }

  @Test
  void aTemplateThatRejectsSameRoleTurnsSkipsThoseRowsAndNamesThem() {
    try (Workbench wb = Workbench.open(home)) {
      importHh(wb);
      List<JsonNode> all = TrainingData.read("hh", "preference", wb.db());
      List<JsonNode> twice = sameRoleTwice(all);
      List<JsonNode> some = new ArrayList<>(all.subList(0, 20));
      some.addAll(twice);
      Llama2cTokenizer tok = Llama2cTokenizer.read(TOKENIZER);
      // Llama 2's template raises on roles that do not alternate
      ChatEncoder strict = new ChatEncoder(ChatTemplate.of(LLAMA2, "<s>", "</s>"), tok);
      DataStats stats = new DataStats();
      List<Encoder.Pair> pairs = new Encoder(tok, strict, 4096).pairs(some, stats);
      assertThat(stats.unrenderable()).isEqualTo(twice.size());
      assertThat(stats.skipped()).isEqualTo(twice.size());
      assertThat(pairs).hasSize(20);
      assertThat(stats.unrenderableExamples().get(0))
          .startsWith(TrainingData.where(twice.get(0)) + ": chat template")
          .contains("Conversation roles must alternate");
      assertThat(TrainingData.where(twice.get(0)))
          .matches("dataset 'hh' #\\d+ \\(source line \\d+\\)");
      assertThat(stats.toString()).contains(twice.size() + " the chat template cannot render");
    }
  }

  @Test
  void dpoTrainsAFewStepsOnImportedHh() {
    try (Workbench wb = Workbench.open(home)) {
      importHh(wb);
      TrainConfig c = TrainFixtures.config(TrainKind.DPO, "dataset_mixer_list=hh,40",
          "eval_fraction=0", "max_seq_length=96", "max_train_steps=3", "warmup_ratio=0",
          "per_device_train_batch_size=4", "save_steps=0", "seed=3");
      TrainingRuns runs = wb.runs();
      List<String> log = Collections.synchronizedList(new ArrayList<>());
      runs.addListener(new TrainListener() {
        @Override
        public void onLog(long runId, String line) {
          log.add(line);
        }
      });
      long id = runs.create(c);
      TrainResult r = runs.run(id, JobContext.none());
      assertThat(r.steps()).isEqualTo(3);
      assertThat(TrainFixtures.series(wb, id, "loss")).hasSize(3)
          .allSatisfy(l -> assertThat(l).isFinite());
      // 96 tokens leave some completions nothing to train on: skipped and counted, not fatal
      double skipped = TrainFixtures.series(wb, id, "data/skipped_examples").get(0);
      double kept = TrainFixtures.series(wb, id, "data/train_examples").get(0);
      assertThat(skipped + kept).isEqualTo(40);
      assertThat(log).anySatisfy(l -> assertThat(l).startsWith("training data: 40 examples")
          .contains((int) skipped + " skipped"));
    }
  }

  static final String LLAMA2 = "{% for message in messages %}{% if (message['role'] == 'user')"
      + " != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate "
      + "user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}"
      + "{{ bos_token + '[INST] ' + message['content'].strip() + ' [/INST]' }}{% elif "
      + "message['role'] == 'assistant' %}{{ ' ' + message['content'].strip() + ' ' + "
      + "eos_token }}{% endif %}{% endfor %}";

}
