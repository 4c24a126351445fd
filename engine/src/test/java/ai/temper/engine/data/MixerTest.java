package ai.temper.engine.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.TemperException;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MixerTest {
  @TempDir Path home;
  Database db;

  @BeforeEach
  void setUp() throws Exception {
    db = Database.open(home);
    chat("a", 1000, "alpha");
    chat("b", 300, "beta");
    Path text = home.resolve("t.jsonl");
    Files.writeString(text, "{\"text\": \"hello\"}\n");
    new DatasetImporter(db).importFile(text, new DatasetImporter.Options("t", DataFormat.AUTO,
        null), JobContext.none());
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  private void chat(String name, int rows, String word) throws Exception {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      lines.add("{\"messages\": [{\"role\": \"user\", \"content\": \"" + word + " " + i
          + "\"}, {\"role\": \"assistant\", \"content\": \"ok\"}]}");
    }
    Path f = home.resolve(name + ".jsonl");
    Files.write(f, lines);
    new DatasetImporter(db).importFile(f, new DatasetImporter.Options(name, DataFormat.AUTO,
        null), JobContext.none());
  }

  private List<String> rows(String name) {
    List<String> out = new ArrayList<>();
    db.datasets().forEach(db.datasets().find(name).orElseThrow().id(), 1000,
        p -> p.forEach(e -> out.add(e.data())));
    return out;
  }

  private static final String SPEC = """
      sources:
        - dataset: a
          fraction: 0.25
        - dataset: b
          count: 100
      """;

  @Test
  void sameSeedSameMixAnotherSeedAnotherMix() {
    MixSpec spec = MixSpec.parse(SPEC, "spec.yaml");
    Mixer mixer = new Mixer(db);
    Mixer.Plan plan = mixer.preview(spec);
    assertThat(plan.rows()).extracting(Mixer.PlanRow::take).containsExactly(250L, 100L);
    assertThat(plan.total()).isEqualTo(350);

    Mixer.Result one = mixer.mix(spec, "m1", 7L, JobContext.none());
    mixer.mix(spec, "m2", 7L, JobContext.none());
    mixer.mix(spec, "m3", 8L, JobContext.none());
    assertThat(one.dataset().rowCount()).isEqualTo(350);
    assertThat(one.taken()).containsEntry("a", 250L).containsEntry("b", 100L);
    assertThat(rows("m1")).isEqualTo(rows("m2"));
    assertThat(rows("m1")).isNotEqualTo(rows("m3"));
    assertThat(rows("m1").stream().filter(r -> r.contains("alpha"))).hasSize(250);
    assertThat(rows("m1")).doesNotHaveDuplicates();
    assertThat(one.dataset().provenance()).contains("\"operation\":\"mix\"", "\"seed\":7",
        "\"fraction\":0.25", "\"count\":100");
    // the sources interleave
    assertThat(rows("m1").subList(0, 40)).anyMatch(r -> r.contains("beta"))
        .anyMatch(r -> r.contains("alpha"));
  }

  @Test
  void upsamplingRepeatsAndDedupDropsTheRepeats() {
    MixSpec up = MixSpec.parse("""
        seed: 3
        sources:
          - dataset: b
            fraction: 2.5
        """, "up.yaml");
    Mixer.Result r = new Mixer(db).mix(up, "up", null, JobContext.none());
    assertThat(r.seed()).isEqualTo(3);
    assertThat(r.dataset().rowCount()).isEqualTo(750);
    assertThat(db.datasets().duplicateCount(r.dataset().id())).isEqualTo(450);

    MixSpec dedup = MixSpec.parse("""
        dedup: true
        sources:
          - dataset: b
            fraction: 2.5
        """, "dedup.yaml");
    Mixer.Result d = new Mixer(db).mix(dedup, "dedup", null, JobContext.none());
    assertThat(d.seed()).isEqualTo(Mixer.DEFAULT_SEED);
    assertThat(d.dataset().rowCount()).isEqualTo(300);
    assertThat(d.duplicatesRemoved()).isEqualTo(450);
  }

  @Test
  void badSpecsAreRefusedWithTheirPlace() {
    assertThatThrownBy(() -> MixSpec.parse("sources:\n  - dataset: a\n", "s.yaml"))
        .isInstanceOf(TemperException.class)
        .hasMessage("s.yaml: sources[0] needs exactly one of 'fraction' and 'count'");
    assertThatThrownBy(() -> MixSpec.parse("- dataset: a\n  count: -3\n", "s.yaml"))
        .hasMessageContaining("'count' must be a whole number above 0");
    assertThatThrownBy(() -> new Mixer(db).preview(MixSpec.parse(
        "- {dataset: a, count: 3}\n- {dataset: t, count: 1}\n", "s.yaml")))
        .hasMessageContaining("Cannot mix messages examples ('a') with text examples ('t')");
    assertThatThrownBy(() -> new Mixer(db).preview(MixSpec.parse(
        "- {dataset: nope, count: 3}\n", "s.yaml")))
        .hasMessageContaining("No dataset named 'nope'");
  }
}
