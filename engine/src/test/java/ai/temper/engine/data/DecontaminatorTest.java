package ai.temper.engine.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.temper.engine.data.Decontaminator.Match;
import ai.temper.engine.data.Decontaminator.Result;
import ai.temper.engine.data.Decontaminator.Settings;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.Database;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DecontaminatorTest {
  @TempDir Path home;

  @Test
  void tenPlantedGsm8kTestQuestionsAreAllFoundAndOnlyTheyAndRealOverlapsRemoved()
      throws Exception {
    assumeTrue(DataFixtures.present(), "../shared/data is absent");
    ObjectMapper json = new ObjectMapper();
    List<String> train = DataFixtures.lines(DataFixtures.GSM8K_TRAIN, 0, 2000);
    List<String> test = DataFixtures.lines(DataFixtures.GSM8K_TEST, 0, 1319);
    // ten test questions, each with its answer, planted at spread positions
    int[] plantFrom = {3, 150, 299, 444, 610, 777, 901, 1002, 1200, 1318};
    List<String> rows = new ArrayList<>(train);
    Set<String> plantedQuestions = new HashSet<>();
    for (int i = 0; i < plantFrom.length; i++) {
      String row = test.get(plantFrom[i]);
      rows.add(100 + i * 190, row);
      plantedQuestions.add(json.readTree(row).get("question").asText());
    }
    Path file = home.resolve("train-planted.jsonl");
    Files.write(file, rows);

    try (Database db = Database.open(home)) {
      DatasetImporter importer = new DatasetImporter(db);
      importer.importFile(file, new DatasetImporter.Options("train", DataFormat.AUTO, null),
          JobContext.none());
      importer.importFile(DataFixtures.GSM8K_TEST, new DatasetImporter.Options("gsm8k-test",
          DataFormat.AUTO, null), JobContext.none());

      Result r = new Decontaminator(db).run("train", List.of("gsm8k-test"), Settings.DEFAULT,
          "train-clean", JobContext.none());
      assertThat(r.examples()).isEqualTo(2010);
      Set<String> flaggedQuestions = r.matches().stream().map(m -> question(db, m))
          .collect(Collectors.toSet());
      assertThat(flaggedQuestions).containsAll(plantedQuestions);
      for (Match m : r.matches()) {
        if (plantedQuestions.contains(question(db, m))) {
          assertThat(m.score()).isEqualTo(1.0);
          assertThat(m.spans()).hasSize(1);
        } else {
          // a real overlap between GSM8K train and test: reported with what it shares
          assertThat(m.score()).isGreaterThanOrEqualTo(0.5).isLessThan(1.0);
          assertThat(m.spans()).isNotEmpty();
        }
      }
      // the real near-duplicates of the first 2,000 train rows (measured independently)
      List<String> real = r.matches().stream().map(m -> question(db, m))
          .filter(q -> !plantedQuestions.contains(q)).toList();
      assertThat(real).hasSize(2);
      assertThat(real.get(0)).startsWith("Bella bought stamps");
      assertThat(real.get(1)).startsWith("A train travels 270 miles");
      assertThat(r.flagged()).isEqualTo(12);
      assertThat(r.rate()).isEqualTo(12 / 2010.0);
      assertThat(r.evalInstancesHit()).containsEntry("gsm8k-test", 12L);

      // the cleaned copy lacks exactly the flagged examples
      assertThat(r.cleaned().rowCount()).isEqualTo(2010 - 12);
      Set<String> kept = new HashSet<>();
      db.datasets().forEach(r.cleaned().id(), 1000, page -> page.forEach(e -> kept.add(
          Example.fromJson(DatasetKind.MESSAGES, e.data()).messages().get(0).content())));
      assertThat(kept).hasSize(2010 - 12).doesNotContainAnyElementsOf(flaggedQuestions);
      assertThat(r.cleaned().provenance()).contains("\"operation\":\"decontaminate\"",
          "\"removed\":12", "\"ngram\":8");

      // a stricter threshold keeps the partial overlaps, a longer n-gram too
      Result strict = new Decontaminator(db).run("train", List.of("gsm8k-test"),
          new Settings(8, 0.9), null, JobContext.none());
      assertThat(strict.flagged()).isEqualTo(10);
      assertThat(strict.cleaned()).isNull();
    }
  }

  private static String question(Database db, Match m) {
    long id = db.datasets().find("train").orElseThrow().id();
    return Example.fromJson(DatasetKind.MESSAGES, db.datasets().example(id, m.trainIdx())
        .orElseThrow().data()).messages().get(0).content();
  }

  @Test
  void scoreIsTheCoveredFractionOfTheBestEvaluationInstance() throws Exception {
    try (Database db = Database.open(home)) {
      Path eval = home.resolve("eval.jsonl");
      Files.writeString(eval, String.join("\n",
          "{\"text\": \"one two three four five six seven eight nine ten\"}",
          "{\"text\": \"short\"}"));
      Path train = home.resolve("train.jsonl");
      Files.writeString(train, String.join("\n",
          // words 1..4 of the instance (one 4-gram): 4 of 10 covered
          "{\"text\": \"Zero ONE, two; three four!\"}",
          // 1..6: three 4-grams covering 6 words; case and punctuation do not matter
          "{\"text\": \"x one two three four five six y\"}",
          // nothing shared
          "{\"text\": \"eleven twelve thirteen fourteen\"}"));
      DatasetImporter importer = new DatasetImporter(db);
      importer.importFile(eval, new DatasetImporter.Options("eval", DataFormat.AUTO, null),
          JobContext.none());
      importer.importFile(train, new DatasetImporter.Options("train", DataFormat.AUTO, null),
          JobContext.none());
      Result r = new Decontaminator(db).run("train", List.of("eval"), new Settings(4, 0.4),
          null, JobContext.none());
      assertThat(r.evalSkippedShort()).isEqualTo(1);
      assertThat(r.matches()).extracting(Match::trainIdx).containsExactly(0L, 1L);
      assertThat(r.matches().get(0).score()).isEqualTo(0.4);
      assertThat(r.matches().get(0).spans()).containsExactly("one two three four");
      assertThat(r.matches().get(1).score()).isEqualTo(0.6);
      assertThat(new TreeSet<>(r.matches().get(1).spans()))
          .containsExactly("one two three four five six");
    }
  }
}
