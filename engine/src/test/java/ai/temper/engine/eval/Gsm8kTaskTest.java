package ai.temper.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.temper.engine.Workbench;
import ai.temper.engine.data.Example;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.Stories260K;
import ai.temper.engine.store.EvalRepository.Instance;
import ai.temper.engine.tokenizer.Llama2cTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GSM8K as a task: the real test split, the 8-shot chain-of-thought prompt, the scorer. */
class Gsm8kTaskTest {
  static final Path TEST = Path.of("../shared/data/gsm8k/test.jsonl");
  static final Pattern FINAL = Pattern.compile("####\\s*(-?[\\d,]+(?:\\.\\d+)?)\\s*$");

  @TempDir Path home;

  static void assumeGsm8k() {
    assumeTrue(Files.exists(TEST), "../shared/data/gsm8k is absent: skipping");
  }

  @Test
  void referenceSolutionsScoreAllAndChangedFinalNumbersScoreNone() {
    assumeGsm8k();
    List<Example> rows = TaskData.load(TEST.toString(), null, null).examples();
    assertThat(rows).hasSize(1319);
    AnswerScorer scorer = AnswerScorer.of("gsm8k");
    int right = 0;
    int changedRight = 0;
    for (Example e : rows) {
      String solution = Prompts.referenceAnswer(e);
      right += (int) scorer.score(solution, e).primary();
      Matcher m = FINAL.matcher(solution);
      assertThat(m.find()).as(solution).isTrue();
      long n = Long.parseLong(m.group(1).replace(",", "").replaceAll("\\..*", ""));
      String changed = solution.substring(0, m.start(1)) + (n + 1);
      AnswerScorer.Scored s = scorer.score(changed, e);
      changedRight += (int) s.primary();
      assertThat(s.extracted()).isEqualTo(Long.toString(n + 1));
    }
    assertThat(right).isEqualTo(1319);
    assertThat(changedRight).isZero();
  }

  @Test
  void theEightShotPromptIsChainOfThoughtInQuestionAnswerForm() {
    Stories260K.assumePresent();
    assumeGsm8k();
    Example q = TaskData.load(TEST.toString(), null, 1).examples().get(0);
    List<Example> shots = TaskData.load("resource:eval/fewshot/gsm8k-cot-8.jsonl", null, 8)
        .examples();
    try (Llama2cTokenizer tok = Llama2cTokenizer.read(Stories260K.TOKENIZER)) {
      Prompts.Prompt p = Prompts.build(q, shots, 8, EvalTask.RAW, tok, null, 100_000);
      assertThat(p.shots()).isEqualTo(8);
      assertThat(p.text()).startsWith("Question: There are 15 trees in the grove.")
          .contains("\nAnswer: There are 15 trees originally. Then there were 21 trees after "
              + "some more were planted. So there must have been 21 - 15 = 6. The answer is 6."
              + "\n\nQuestion: If there are 3 cars")
          .endsWith("Question: " + q.promptText() + "\nAnswer:");
      assertThat(p.text().split("Question: ", -1)).hasSize(10);
      // a short context keeps fewer shots, never a cut question
      Prompts.Prompt small = Prompts.build(q, shots, 8, EvalTask.RAW, tok, null, 400);
      assertThat(small.shots()).isBetween(0, 7);
      assertThat(small.ids().length).isLessThanOrEqualTo(400);
      assertThat(small.text()).endsWith(q.promptText() + "\nAnswer:");
    }
  }

  @Test
  void stories260KRunsTheBuiltInSuitesGsm8kTaskEndToEnd() throws Exception {
    Stories260K.assumePresent();
    assumeGsm8k();
    try (Workbench wb = Workbench.open(home)) {
      var imported = new ai.temper.engine.data.DatasetImporter(wb.db()).importFile(TEST,
          new ai.temper.engine.data.DatasetImporter.Options("gsm8k-test", null, null),
          JobContext.none());
      assertThat(imported.rows()).isEqualTo(1319);
      Path hh = Path.of("../shared/data/hh-rlhf/harmless-base-test.jsonl.gz");
      boolean withHh = Files.exists(hh);
      if (withHh) {
        new ai.temper.engine.data.DatasetImporter(wb.db()).importFile(hh,
            new ai.temper.engine.data.DatasetImporter.Options("hh-harmless-test", null, null),
            JobContext.none());
      }
      EvalSuite suite = EvalSuite.resolve("tulu-dev");
      Evaluator.SuiteOutcome r = new Evaluator(wb).run(Stories260K.MODEL.toString(), suite,
          Evaluator.Options.defaults().withLimit(3).withBatchSize(3), JobContext.none());
      Evaluator.TaskOutcome gsm = r.tasks().get(0);
      assertThat(gsm.status()).as(String.valueOf(gsm.error()))
          .isEqualTo(Evaluator.Status.COMPUTED);
      assertThat(r.tasks().get(1).status()).isEqualTo(Evaluator.Status.SKIPPED_UNSEEN);
      List<Instance> inst = wb.db().evals().instances(gsm.metrics().get(0).id());
      assertThat(inst).hasSize(3);
      assertThat(inst.get(0).target()).isEqualTo("18");
      assertThat(inst.get(0).input()).endsWith("\nAnswer:").contains("Janet");
      // a story model writes no arithmetic: near zero, but every step ran and was stored
      assertThat(gsm.metrics().get(0).value()).isBetween(0.0, 1.0);
      if (withHh) {
        // the unseen task on request: HH conversations' perplexity, flagged unseen
        Evaluator.TaskOutcome ppl = new Evaluator(wb).run(Stories260K.MODEL.toString(), suite,
            Evaluator.Options.defaults().withLimit(3).withIncludeUnseen(true),
            JobContext.none()).tasks().get(1);
        assertThat(ppl.status()).as(String.valueOf(ppl.error()))
            .isEqualTo(Evaluator.Status.COMPUTED);
        assertThat(ppl.metrics().get(0).unseen()).isTrue();
        assertThat(ppl.metrics().get(0).metric()).isEqualTo("perplexity");
        // a story model finds dialogue about harm far less likely than stories
        assertThat(ppl.metrics().get(0).value()).isGreaterThan(5.0);
      }
    }
  }
}
