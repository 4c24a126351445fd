package ai.temper.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.TemperException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A problem with a field the file left out is the file's, not --set's. */
class EmptyConfigTest {
  @TempDir Path dir;

  @Test
  void anEmptyFileIsNamedNotSet() throws Exception {
    Path empty = dir.resolve("empty.yaml");
    Files.writeString(empty, "");
    assertThatThrownBy(() -> TrainConfig.load(empty, TrainKind.SFT).withSets(List.of()))
        .isInstanceOf(TemperException.class)
        .hasMessageStartingWith(empty.toString())
        .hasMessageContaining("empty")
        .hasMessageContaining("model_name_or_path")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("--set"));
    assertThatThrownBy(() -> TrainConfig.load(empty, TrainKind.SFT)
        .withSets(List.of("learning_rate=1e-4")))
        .hasMessageStartingWith(empty.toString());
    // a --set that is itself wrong is still blamed on --set
    assertThatThrownBy(() -> TrainConfig.load(empty, TrainKind.SFT)
        .withSets(List.of("model_name_or_path=x", "warmup_ratio=2")))
        .hasMessageContaining("--set").hasMessageContaining("warmup_ratio");
    assertThat(TrainConfig.load(empty, TrainKind.SFT).withSets(List.of("model_name_or_path=x"))
        .modelNameOrPath()).isEqualTo("x");
  }

  @Test
  void invalidUtf8IsNamed() throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.write(bad, new byte[] {'a', ':', ' ', (byte) 0xff, '\n'});
    assertThatThrownBy(() -> TrainConfig.load(bad, TrainKind.SFT))
        .hasMessageContaining(bad.toString()).hasMessageContaining("not UTF-8");
  }
}
