package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.TemperException;
import ai.temper.engine.data.DatasetKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A JSON Lines file named in dataset_mixer_list is decoded strictly too. */
class TrainingFileUtf8Test {
  @TempDir Path dir;

  @Test
  void invalidUtf8NamesTheLineAndOffset() throws Exception {
    String good = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
        + "{\"role\":\"assistant\",\"content\":\"hello\"}]}\n";
    byte[] bad = good.getBytes(StandardCharsets.UTF_8);
    bad[good.indexOf("hello")] = (byte) 0xff;
    Path file = dir.resolve("bad.jsonl");
    byte[] all = new byte[good.length() + bad.length];
    System.arraycopy(good.getBytes(StandardCharsets.UTF_8), 0, all, 0, good.length());
    System.arraycopy(bad, 0, all, good.length(), bad.length);
    Files.write(file, all);
    assertThatThrownBy(() -> TrainingData.readFile(file, DatasetKind.MESSAGES))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining(file + ":2")
        .hasMessageContaining("invalid UTF-8 at byte offset " + (good.length()
            + good.indexOf("hello")));
  }
}
