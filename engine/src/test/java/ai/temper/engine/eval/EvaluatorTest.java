package ai.temper.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.eval.Evaluator.Options;
import ai.temper.engine.eval.Evaluator.Status;
import ai.temper.engine.eval.Evaluator.SuiteOutcome;
import ai.temper.engine.eval.Evaluator.TaskOutcome;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.Stories260K;
import ai.temper.engine.store.EvalRepository.Instance;
import ai.temper.engine.store.EvalRepository.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Suites on the real stories260K over a real H2 home: stored, reused, recomputed. */
class EvaluatorTest {
  @TempDir Path home;
  Workbench wb;
  String model;

  @BeforeEach
  void open() {
    Stories260K.assumePresent();
    wb = Workbench.open(home);
    model = Stories260K.MODEL.toAbsolutePath().toString();
  }

  @AfterEach
  void close() {
    if (wb != null) {
      wb.close();
    }
  }

  private Path suite(String name, int maxNew) throws Exception {
    Path f = home.resolve(name + ".yaml");
    Files.writeString(f, """
        name: %s
        tasks:
          - name: cloze
            type: generate
            data: resource:eval/data/story-cloze.jsonl
            scorer: prefix
            format: plain
            max_new_tokens: %d
            stop: ["\\n"]
            limit: 6
          - name: ppl
            type: perplexity
            data: resource:eval/data/stories-heldout.jsonl
            limit: 4
          - name: held-out
            type: generate
            split: unseen
            data: resource:eval/data/story-cloze-unseen.jsonl
            scorer: prefix
            format: plain
            max_new_tokens: 4
        """.formatted(name, maxNew));
    return f;
  }

  private SuiteOutcome run(Path suiteFile, Options o) {
    return new Evaluator(wb).run(model, EvalSuite.load(suiteFile), o, JobContext.none());
  }

  @Test
  void storesThenReusesAnIdenticalEvaluationAndRecomputesAChangedOne() throws Exception {
    Path s = suite("mini", 6);
    SuiteOutcome first = run(s, Options.defaults().withBatchSize(4));
    assertThat(first.tasks()).extracting(TaskOutcome::status)
        .containsExactly(Status.COMPUTED, Status.COMPUTED, Status.SKIPPED_UNSEEN);
    TaskOutcome cloze = first.tasks().get(0);
    Result primary = cloze.metrics().get(0);
    assertThat(primary.metric()).isEqualTo("exact_match");
    assertThat(primary.instances()).isEqualTo(6);
    List<Instance> instances = wb.db().evals().instances(primary.id());
    assertThat(instances).hasSize(6);
    // every instance keeps its prompt, output, reference, extracted answer and score
    for (Instance i : instances) {
      assertThat(i.input()).isNotBlank();
      assertThat(i.output()).isNotNull();
      assertThat(i.target()).isNotBlank();
      assertThat(i.score()).isIn(0.0, 1.0);
    }
    double mean = instances.stream().mapToDouble(Instance::score).average().orElseThrow();
    assertThat(primary.value()).isEqualTo(mean);
    assertThat(primary.ciLow()).isLessThanOrEqualTo(mean);
    assertThat(primary.ciHigh()).isGreaterThanOrEqualTo(mean);

    SuiteOutcome again = run(s, Options.defaults().withBatchSize(4));
    assertThat(again.tasks()).extracting(TaskOutcome::status)
        .containsExactly(Status.REUSED, Status.REUSED, Status.SKIPPED_UNSEEN);
    for (int t = 0; t < 2; t++) {
      assertThat(again.tasks().get(t).metrics()).extracting(Result::value)
          .containsExactlyElementsOf(first.tasks().get(t).metrics().stream()
              .map(Result::value).toList());
    }
    // a changed setting is a different evaluation
    SuiteOutcome changed = run(suite("mini-short", 3), Options.defaults().withBatchSize(4));
    assertThat(changed.tasks().get(0).status()).isEqualTo(Status.COMPUTED);
    assertThat(changed.tasks().get(1).status()).isEqualTo(Status.REUSED);
    // so is a different limit
    assertThat(run(s, Options.defaults().withLimit(3)).tasks().get(0).status())
        .isEqualTo(Status.COMPUTED);
    // --force computes again and replaces the stored result (greedy: the same numbers)
    SuiteOutcome forced = run(s, Options.defaults().withForce(true));
    assertThat(forced.tasks().get(0).status()).isEqualTo(Status.COMPUTED);
    assertThat(forced.tasks().get(0).metrics().get(0).value()).isEqualTo(primary.value());
    assertThat(wb.db().evals().list().stream()
        .filter(r -> r.isPrimary() && r.cacheKey().equals(primary.cacheKey()))).hasSize(1);
    // batch 1 and batch 4 give the same outputs
    assertThat(wb.db().evals().instances(forced.tasks().get(0).metrics().get(0).id()))
        .extracting(Instance::output)
        .containsExactlyElementsOf(instances.stream().map(Instance::output).toList());
  }

  @Test
  void unseenTasksRunOnlyWhenAskedAndAreFlagged() throws Exception {
    SuiteOutcome r = run(suite("u", 4), Options.defaults().withIncludeUnseen(true)
        .withLimit(2));
    TaskOutcome unseen = r.tasks().get(2);
    assertThat(unseen.status()).isEqualTo(Status.COMPUTED);
    assertThat(unseen.metrics().get(0).unseen()).isTrue();
    assertThat(r.tasks().get(0).metrics().get(0).unseen()).isFalse();
  }

  @Test
  void aCancelledEvaluationStoresNothingOfTheTaskItWasIn() throws Exception {
    AtomicBoolean cancel = new AtomicBoolean();
    JobContext ctx = new JobContext() {
      @Override
      public void progress(double fraction, String message) {
        if (message.contains("1 of") || message.contains("2 of")) {
          cancel.set(true); // after the first batch of the first task
        }
      }

      @Override
      public boolean isCancelled() {
        return cancel.get();
      }
    };
    Path s = suite("c", 6);
    assertThatThrownBy(() -> new Evaluator(wb).run(model, EvalSuite.load(s),
        Options.defaults().withBatchSize(1), ctx)).isInstanceOf(CancellationException.class);
    assertThat(wb.db().evals().list()).isEmpty();
  }

  @Test
  void aMissingDatasetFailsThatTaskWithAClearMessage() throws Exception {
    Path f = home.resolve("bad.yaml");
    Files.writeString(f, """
        name: bad
        tasks:
          - name: gsm
            data: gsm8k-test
            scorer: exact
        """);
    SuiteOutcome r = run(f, Options.defaults());
    assertThat(r.tasks().get(0).status()).isEqualTo(Status.FAILED);
    assertThat(r.tasks().get(0).error()).contains("gsm8k-test")
        .contains("temper datasets import");
  }

  @Test
  void suiteErrorsNameTheFileTaskAndField() throws Exception {
    Path f = home.resolve("s.yaml");
    Files.writeString(f, """
        name: s
        tasks:
          - name: one
            data: x.jsonl
            scorer: nope
        """);
    assertThatThrownBy(() -> EvalSuite.load(f)).isInstanceOf(TemperException.class)
        .hasMessageContaining(f.toString()).hasMessageContaining("'one'")
        .hasMessageContaining("scorer").hasMessageContaining("nope");
    Files.writeString(f, "name: s\ntasks:\n  - name: one\n    data: x\n    shots: 2\n"
        + "    scorer: exact\n");
    assertThatThrownBy(() -> EvalSuite.load(f)).hasMessageContaining("fewshot");
    Files.writeString(f, "name: s\ntasks:\n  - name: one\n    data: x\n    scorer: exact\n"
        + "    splt: unseen\n");
    assertThatThrownBy(() -> EvalSuite.load(f)).hasMessageContaining("unknown field 'splt'");
    assertThat(EvalSuite.builtinNames()).contains("tulu-dev", "stories");
    assertThat(EvalSuite.resolve("tulu-dev").tasks()).anyMatch(EvalTask::unseen);
  }
}
