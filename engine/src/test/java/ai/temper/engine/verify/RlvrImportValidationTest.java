package ai.temper.engine.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.data.DataFormat;
import ai.temper.engine.data.DatasetImporter;
import ai.temper.engine.data.DatasetImporter.ImportFailedException;
import ai.temper.engine.data.DatasetImporter.OnError;
import ai.temper.engine.data.DatasetImporter.Options;
import ai.temper.engine.data.RowError;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RLVR rows are checked against their verifier at import; bad ones are named by line. */
class RlvrImportValidationTest {
  @TempDir Path home;

  @Test
  void unknownVerifiersAndMalformedArgumentsAreRejectedWithTheirLine() throws Exception {
    String prompt = "{\"messages\": [{\"role\": \"user\", \"content\": \"Write a story.\"}], ";
    Path file = home.resolve("rlvr.jsonl");
    Files.write(file, List.of(
        prompt + "\"ground_truth\": \"18\", \"dataset\": \"gsm8k\"}",
        prompt + "\"ground_truth\": \"{\\\"func_name\\\": \\\"verify_keywords\\\", "
            + "\\\"keyword_list\\\": [\\\"Lily\\\"], \\\"N\\\": null}\", \"dataset\": \"ifeval\"}",
        prompt + "\"ground_truth\": \"x\", \"dataset\": \"chess\"}",
        prompt + "\"ground_truth\": \"{\\\"func_name\\\": \\\"validate_word_constraint\\\", "
            + "\\\"N\\\": \\\"lots\\\", \\\"quantifier\\\": \\\"at most\\\"}\", "
            + "\"dataset\": \"ifeval\"}",
        prompt + "\"ground_truth\": [{\"instruction_id\": [\"punctuation:no_comma\"], "
            + "\"kwargs\": [null]}], \"dataset\": \"ifeval\"}"));
    try (Database db = Database.open(home)) {
      DatasetImporter importer = new DatasetImporter(db);
      assertThatThrownBy(() -> importer.importFile(file,
          new Options("strict", DataFormat.RLVR, OnError.ABORT), JobContext.none()))
          .isInstanceOf(ImportFailedException.class)
          .satisfies(e -> assertThat(((ImportFailedException) e).errors())
              .extracting(RowError::line).containsExactly(3L, 4L));
      assertThat(db.datasets().find("strict")).isEmpty();
      var skipped = importer.importFile(file,
          new Options("lenient", DataFormat.RLVR, OnError.SKIP), JobContext.none());
      assertThat(skipped.rows()).isEqualTo(3);
      assertThat(skipped.errors()).extracting(RowError::reason).satisfiesExactly(
          r -> assertThat(r).contains("unknown verifier 'chess'"),
          r -> assertThat(r).contains("validate_word_constraint").contains("'N'"));
    }
  }
}
