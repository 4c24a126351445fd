package ai.temper.engine.data;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetStatisticsTest {
  @TempDir Path home;

  @Test
  void lengthsPerRoleTurnsAndDuplicates() throws Exception {
    Path f = home.resolve("chat.jsonl");
    Files.writeString(f, String.join("\n",
        "{\"messages\": [{\"role\": \"system\", \"content\": \"be brief\"}, {\"role\": \"user\", "
            + "\"content\": \"one two three\"}, {\"role\": \"assistant\", \"content\": \"a b\"}]}",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}, {\"role\": \"assistant\", "
            + "\"content\": \"y y y y\"}, {\"role\": \"user\", \"content\": \"z z\"}, "
            + "{\"role\": \"assistant\", \"content\": \"w\"}]}",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}, {\"role\": \"assistant\", "
            + "\"content\": \"y y y y\"}, {\"role\": \"user\", \"content\": \"z z\"}, "
            + "{\"role\": \"assistant\", \"content\": \"w\"}], \"id\": \"copy\"}"));
    try (Database db = Database.open(home)) {
      new DatasetImporter(db).importFile(f, new DatasetImporter.Options("chat", DataFormat.AUTO,
          null), JobContext.none());
      DatasetStatistics s = DatasetStatistics.compute(db, "chat", LengthMeasure.words(),
          JobContext.none());
      assertThat(s.rows()).isEqualTo(3);
      assertThat(s.duplicates()).isEqualTo(1); // meta does not make a copy different
      assertThat(s.unit()).isEqualTo("words");
      assertThat(s.lengths().keySet()).containsExactly("system", "user", "assistant");
      assertThat(s.lengths().get("user")).containsExactly(3, 1, 2, 1, 2);
      assertThat(s.lengths().get("assistant")).containsExactly(2, 4, 1, 4, 1);
      assertThat(s.turns()).containsExactly(3, 4, 4);
      DatasetStatistics.Summary user = s.summary("user");
      assertThat(user.count()).isEqualTo(5);
      assertThat(user.median()).isEqualTo(2);
      assertThat(user.max()).isEqualTo(3);
      DatasetStatistics.Histogram h = s.histogram("assistant", 5);
      assertThat(h.counts()).containsExactly(0, 2, 1, 0, 2);
      assertThat(h.edges()).hasSize(6);

      DatasetStatistics chars = DatasetStatistics.compute(db, "chat", LengthMeasure.chars(),
          JobContext.none());
      assertThat(chars.lengths().get("system")).containsExactly(8);
    }
  }

  @Test
  void pairsCountChosenAndRejectedApart() throws Exception {
    Path f = home.resolve("pairs.jsonl");
    Files.writeString(f, "{\"prompt\": \"why is the sky blue\", \"chosen\": \"rayleigh "
        + "scattering\", \"rejected\": \"no idea at all\"}\n");
    try (Database db = Database.open(home)) {
      new DatasetImporter(db).importFile(f, new DatasetImporter.Options("pairs",
          DataFormat.AUTO, null), JobContext.none());
      DatasetStatistics s = DatasetStatistics.compute(db, "pairs", LengthMeasure.words(),
          JobContext.none());
      assertThat(s.lengths().get("user")).containsExactly(5);
      assertThat(s.lengths().get("chosen")).containsExactly(2);
      assertThat(s.lengths().get("rejected")).containsExactly(4);
      assertThat(s.turns()).containsExactly(2);
    }
  }
}
