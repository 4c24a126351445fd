package ai.temper.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.temper.engine.Workbench;
import ai.temper.engine.annotate.Annotations;
import ai.temper.engine.annotate.Annotations.Item;
import ai.temper.engine.annotate.Choice;
import ai.temper.engine.store.AnnotationRepository.PairRow;
import ai.temper.engine.store.AnnotationRepository.SessionRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code temper labels ...} end to end on real homes. */
class LabelsCommandTest {
  static final Path PREFS = Path.of("samples/prefs-kindness.jsonl");
  static final Path STORIES = Path.of("../shared/models/stories260K/stories260K.bin");
  static final Path TOKENIZER = Path.of("../shared/models/stories260K/tok512.bin");

  @TempDir Path dir;

  CliRunner.Result temper(String home, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--home";
    all[1] = dir.resolve(home).toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return CliRunner.run(all);
  }

  @Test
  void createBundleLabelElsewhereMergeExportAndAgreement() throws Exception {
    CliRunner.Result imp = temper("h1", "datasets", "import", PREFS.toString(), "--name",
        "kind");
    assertThat(imp.code()).as(imp.err()).isZero();
    CliRunner.Result r = temper("h1", "labels", "session", "create", "study", "--from-dataset",
        "kind", "--limit", "8", "--annotators", "ann,bob", "--rating");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("session study: 8 pairs (dataset)");

    Path bundle = dir.resolve("bob.json");
    assertThat(temper("h1", "labels", "bundle", "study", "--annotator", "bob", "--out",
        bundle.toString()).code()).isZero();
    assertThat(Files.readString(bundle)).doesNotContain("kind:chosen");
    r = temper("h2", "labels", "open", bundle.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("session study: 8 pairs");
    // bob labels on his machine: always the response the dataset chose
    try (Workbench wb = Workbench.open(dir.resolve("h2"))) {
      Annotations an = new Annotations(wb.db());
      SessionRow s = an.require("study");
      for (Item i : an.queue(s, "bob")) {
        an.label(s, "bob", i.pair().idx(), Choice.A, 4, null, 2.0);
      }
    }
    Path back = dir.resolve("bob-back.json");
    assertThat(temper("h2", "labels", "bundle", "study", "--annotator", "bob", "--out",
        back.toString()).code()).isZero();
    r = temper("h1", "labels", "merge", back.toString());
    assertThat(r.out()).contains("8 added, 0 updated, 0 unchanged");
    r = temper("h1", "labels", "merge", back.toString());
    assertThat(r.out()).contains("0 added, 0 updated, 8 unchanged");

    // ann disagrees on the first two pairs, through an import
    StringBuilder lines = new StringBuilder();
    try (Workbench wb = Workbench.open(dir.resolve("h1"))) {
      Annotations an = new Annotations(wb.db());
      for (PairRow p : an.pairs(an.require("study"))) {
        lines.append(String.format("{\"prompt\":%s,\"response_a\":%s,\"response_b\":%s,"
            + "\"annotator\":\"ann\",\"choice\":\"%s\"}%n", q(p.prompt()), q(p.responseA()),
            q(p.responseB()), p.idx() < 2 ? "b" : "a"));
      }
    }
    Path labels = dir.resolve("ann.jsonl");
    Files.writeString(labels, lines);
    r = temper("h1", "labels", "import", labels.toString(), "--session", "study");
    assertThat(r.out()).contains("0 new pairs, 8 labels added");
    r = temper("h1", "labels", "import", labels.toString(), "--session", "study");
    assertThat(r.out()).contains("0 labels added, 0 updated, 8 unchanged");

    r = temper("h1", "labels", "agreement", "study");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("Cohen's kappa", "Krippendorff's alpha");
    assertThat(r.out()).containsPattern("ann\\s+bob\\s+8\\s+0\\.750");

    r = temper("h1", "labels", "export", "study", "--name", "study-prefs");
    assertThat(r.out()).contains("dataset study-prefs: 6 pairs (2 pairs left out)");
    assertThat(r.err()).contains("rule: majority vote");
    r = temper("h1", "labels", "export", "study", "--name", "study-per", "--rule",
        "per-annotator");
    assertThat(r.out()).contains("dataset study-per: 16 pairs");
    r = temper("h1", "datasets", "list");
    assertThat(r.out()).contains("study-prefs", "study-per");
    // the per-annotator export names each row's annotator: VPL trains on it as it is
    Path vpl = dir.resolve("vpl.yaml");
    Files.writeString(vpl, "dataset_mixer_list: [study-per, 1.0]\nmax_train_steps: 20\n");
    r = temper("h1", "train", "vpl", "--config", vpl.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("ann", "bob", "accuracy VPL");

    r = temper("h1", "labels", "agreement", "nope");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("No annotation session named 'nope'; there are: study");
    r = temper("h1", "labels", "session", "list");
    assertThat(r.out()).contains("study", "ann,bob");
  }

  private static String q(String s) throws Exception {
    return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(s);
  }

  @Test
  void oneModelSampledTwiceMakesOnPolicyPairs() throws Exception {
    assumeTrue(Files.exists(STORIES) && Files.exists(TOKENIZER),
        "../shared/models/stories260K is absent: skipping");
    Path prompts = dir.resolve("prompts.txt");
    Files.write(prompts, List.of("Tell me a story about a cat.", "Tell me about Lily."));
    CliRunner.Result r = temper("h1", "labels", "session", "create", "onpolicy", "--prompts",
        prompts.toString(), "--model-a", STORIES.toString(), "--tokenizer",
        TOKENIZER.toString(), "--annotators", "ann", "--max-new-tokens", "24", "--seed", "7");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("session onpolicy: 2 pairs (sampled)");
    try (Workbench wb = Workbench.open(dir.resolve("h1"))) {
      List<PairRow> pairs = new Annotations(wb.db()).pairs(
          new Annotations(wb.db()).require("onpolicy"));
      assertThat(pairs).hasSize(2).allSatisfy(p -> {
        assertThat(p.responseA()).isNotBlank().isNotEqualTo(p.responseB());
        assertThat(p.sourceA()).endsWith("#sample1");
      });
    }
  }
}
