package ai.temper.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BenchCommandTest {

  @Test
  void benchGeneratePrintsATable() {
    assumeTrue(Files.exists(Path.of("../shared/models/stories260K/stories260K.bin")),
        "../shared/models/stories260K is absent: skipping");
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      code = Cli.run("bench", "generate", "--no-random-15m", "--batches", "1,2",
          "--positions", "12", "--no-cache-positions", "6", "--warmup", "0", "--warmup-seconds",
          "0", "--repeats", "1", "--run-seconds", "0");
    } finally {
      System.setOut(old);
    }
    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(code).isZero();
    assertThat(text).contains("TOKENS/S").contains("stories260K");
    assertThat(text.lines().filter(l -> l.startsWith("stories260K"))).hasSize(4);
  }

  @Test
  void benchChatComparesPingWaitsWhileStreamingWithIdle() {
    assumeTrue(Files.exists(Path.of("../shared/models/stories260K/stories260K.bin")),
        "../shared/models/stories260K is absent: skipping");
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      code = Cli.run("bench", "chat", "--tokens", "40", "--idle-seconds", "0.2",
          "--threads", "1");
    } finally {
      System.setOut(old);
    }
    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(code).isZero();
    assertThat(text).contains("WAIT MEDIAN MS").contains("40 tokens");
    assertThat(text.lines().filter(l -> l.startsWith("idle") || l.startsWith("streaming")))
        .hasSize(2);
  }
}
