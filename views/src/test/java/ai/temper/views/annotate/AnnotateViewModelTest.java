package ai.temper.views.annotate;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.Workbench;
import ai.temper.engine.annotate.Annotations;
import ai.temper.engine.annotate.Choice;
import ai.temper.engine.annotate.LabelFiles;
import ai.temper.engine.annotate.PluralSamples;
import ai.temper.engine.store.AnnotationRepository.LabelRow;
import ai.temper.engine.store.AnnotationRepository.NewPair;
import ai.temper.engine.store.AnnotationRepository.SessionRow;
import ai.temper.engine.vpl.Vpl;
import ai.temper.views.common.TaskExecutor;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Annotate page without a window, over a real home. */
class AnnotateViewModelTest {
  @TempDir Path dir;
  Workbench wb;
  AtomicLong now = new AtomicLong();
  AnnotateViewModel model;

  static List<NewPair> pairs(int n) {
    List<NewPair> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String p = "Tell me story " + i;
      out.add(new NewPair(i, p, "short story " + i, "a much longer story number " + i, "m1",
          "m2", Annotations.pairHash(p, "short story " + i, "a much longer story number " + i)));
    }
    return out;
  }

  @BeforeEach
  void open() {
    wb = Workbench.open(dir.resolve("home"));
    model = new AnnotateViewModel(wb, TaskExecutor.direct(wb.jobs()), now::get);
  }

  @AfterEach
  void close() {
    model.close();
    wb.close();
  }

  SessionRow session(String name, int n, boolean rating) {
    return new Annotations(wb.db()).create(name, null, "test", List.of("ann", "bob"), 0, 3,
        null, new Annotations.Question("Which is kinder?", rating, true), null, pairs(n));
  }

  @Test
  void answersAreStoredInPairTermsWithTimeAndTheQueueResumesAfterUndo() throws Exception {
    SessionRow s = session("s", 6, true);
    model.refresh().get(30, TimeUnit.SECONDS);
    assertThat(model.sessions()).extracting(x -> x.name()).contains("s");
    model.selectSession("s").get(30, TimeUnit.SECONDS);
    assertThat(model.annotators()).containsExactly("ann", "bob");
    assertThat(model.questionProperty().get()).isEqualTo("Which is kinder?");
    model.startLabelling("ann").get(30, TimeUnit.SECONDS);
    assertThat(model.positionProperty().get()).isZero();
    assertThat(model.totalProperty().get()).isEqualTo(6);
    String shownLeft = model.leftProperty().get();

    now.addAndGet(2_500_000_000L);
    model.ratingProperty().set(4);
    model.reasonProperty().set("kinder ending");
    model.answer(Choice.Screen.LEFT).get(30, TimeUnit.SECONDS);
    LabelRow stored = new Annotations(wb.db()).labels(s).get(0);
    // the left response is what was shown left, whichever of a or b it is
    String chosenText = stored.choice().equals("a") ? "short story 0"
        : "a much longer story number 0";
    assertThat(chosenText).isEqualTo(shownLeft);
    assertThat(stored.seconds()).isEqualTo(2.5);
    assertThat(stored.rating()).isEqualTo(4);
    assertThat(stored.reason()).isEqualTo("kinder ending");
    assertThat(model.positionProperty().get()).isEqualTo(1);
    assertThat(model.countsProperty().get()).isEqualTo("1 of 6 answered · pair 2");
    assertThat(model.ratingProperty().get()).isNull();

    model.answer(Choice.Screen.TIE).get(30, TimeUnit.SECONDS);
    model.answer(Choice.Screen.SKIP).get(30, TimeUnit.SECONDS);
    model.undo().get(30, TimeUnit.SECONDS);
    assertThat(model.positionProperty().get()).isEqualTo(2);
    assertThat(new Annotations(wb.db()).labels(s)).hasSize(2);
    model.previous();
    assertThat(model.answerProperty().get()).isEqualTo("Answered: tie");

    // a new page (a restart) resumes at the first unanswered pair
    try (AnnotateViewModel again = new AnnotateViewModel(wb, TaskExecutor.direct(wb.jobs()),
        now::get)) {
      again.refresh().get(30, TimeUnit.SECONDS);
      again.selectSession("s").get(30, TimeUnit.SECONDS);
      again.startLabelling("ann").get(30, TimeUnit.SECONDS);
      assertThat(again.positionProperty().get()).isEqualTo(2);
      assertThat(again.labelledProperty().get()).isEqualTo(2);
    }
  }

  @Test
  void agreementBundleAndOpenOnAnotherHome() throws Exception {
    session("s", 4, false);
    model.refresh().get(30, TimeUnit.SECONDS);
    model.selectSession("s").get(30, TimeUnit.SECONDS);
    for (String who : List.of("ann", "bob")) {
      model.startLabelling(who).get(30, TimeUnit.SECONDS);
      for (int i = 0; i < 4; i++) {
        now.addAndGet(1_000_000_000L);
        model.answer(Choice.Screen.LEFT).get(30, TimeUnit.SECONDS);
      }
    }
    model.analyse().get(30, TimeUnit.SECONDS);
    assertThat(model.stats()).extracting(a -> a.leftRate()).containsExactly(1.0, 1.0);
    assertThat(model.kappas()).singleElement().satisfies(k -> assertThat(k.common())
        .isEqualTo(4));
    assertThat(model.alphaProperty().get()).contains("Krippendorff");

    Path bundle = dir.resolve("bob.json");
    model.bundle(bundle).get(30, TimeUnit.SECONDS);
    assertThat(bundle).isNotEmptyFile();
    try (Workbench other = Workbench.open(dir.resolve("home2"));
        AnnotateViewModel there = new AnnotateViewModel(other,
            TaskExecutor.direct(other.jobs()), now::get)) {
      assertThat(there.openBundle(bundle).get(30, TimeUnit.SECONDS)).startsWith("s: opened");
      there.selectSession("s").get(30, TimeUnit.SECONDS);
      there.startLabelling("bob").get(30, TimeUnit.SECONDS);
      assertThat(there.labelledProperty().get()).isEqualTo(4);
      // a bundle of this session opened again merges, and changes nothing
      assertThat(there.openBundle(bundle).get(30, TimeUnit.SECONDS))
          .contains("merged 0 labels", "4 unchanged");
    }
  }

  @Test
  void vplOnAnImportedDisagreeingSetBeatsBradleyTerryAndSuggestsAPair() throws Exception {
    List<ObjectNode> rows = PluralSamples.generate(PluralSamples.Scenario.DISAGREE, 2, 24,
        0.0, 4);
    StringBuilder jsonl = new StringBuilder();
    for (ObjectNode r : rows) {
      ObjectNode l = r.objectNode();
      l.put("prompt", r.get("prompt").asText()).put("response_a", r.get("chosen").asText())
          .put("response_b", r.get("rejected").asText())
          .put("annotator", r.get("annotator").asText()).put("choice", "a");
      jsonl.append(l).append('\n');
    }
    Path file = dir.resolve("labels.jsonl");
    Files.writeString(file, jsonl);
    new LabelFiles(wb.db()).importLabels(file, "plural");
    model.refresh().get(30, TimeUnit.SECONDS);
    model.selectSession("plural").get(30, TimeUnit.SECONDS);
    model.startLabelling("brief-1").get(30, TimeUnit.SECONDS);
    List<Vpl.AnnotatorResult> r = model.trainVpl(200).get(120, TimeUnit.SECONDS);
    assertThat(r).hasSize(4);
    double vpl = r.stream().mapToDouble(Vpl.AnnotatorResult::vplAccuracy).average().orElse(0);
    double bt = r.stream().mapToDouble(Vpl.AnnotatorResult::btAccuracy).average().orElse(0);
    assertThat(vpl - bt).as("VPL %.3f vs BT %.3f", vpl, bt).isGreaterThan(0.2);
    // the suggestion is computed after training, for the annotator shown
    long deadline = System.currentTimeMillis() + 60_000;
    while (model.suggestionProperty().get().isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertThat(model.suggestionProperty().get()).startsWith("Ask brief-1 pair");
    int pos = model.suggestedPositionProperty().get();
    assertThat(model.queue().get(pos).labelled()).isFalse();
  }
}
