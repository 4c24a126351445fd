package ai.temper.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code temper generate} through the command line entry, stdout and stderr captured. */
class GenerateCommandTest {
  static final Path MODEL = Path.of("../shared/models/stories260K/stories260K.bin");
  static final Path TOKENIZER = Path.of("../shared/models/stories260K/tok512.bin");
  static final Path REFERENCE = Path.of("../shared/reference/stories260K-greedy-256.txt");
  static final Path REFERENCE_LILY =
      Path.of("../shared/reference/stories260K-greedy-256-lily-and-ben.txt");

  @TempDir Path home;

  @BeforeAll
  static void shared() {
    assumeTrue(Files.exists(MODEL) && Files.exists(REFERENCE),
        "../shared/models/stories260K is absent: skipping");
  }

  /** Exit code, stdout bytes and stderr text of one command line. */
  record Run(int code, byte[] out, String err) {
    String text() {
      return new String(out, StandardCharsets.UTF_8);
    }
  }

  Run run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] all = new String[args.length + 2];
    all[0] = "--home";
    all[1] = home.resolve("never-opened").toString();
    System.arraycopy(args, 0, all, 2, args.length);
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Cli.run(all);
      return new Run(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void greedyFromTheEmptyPromptPrintsTheReferenceByteForByte() throws Exception {
    Run r = run("generate", "--model", MODEL.toString(), "--tokenizer", TOKENIZER.toString(),
        "--temperature", "0", "--max-length", "256");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo(Files.readAllBytes(REFERENCE));
    assertThat(home.resolve("never-opened")).doesNotExist(); // no workbench database
  }

  @Test
  void greedyFromOnceUponATimePrintsTheSameReference() throws Exception {
    Run r = run("generate", "--model", MODEL.toString(), "--tokenizer", TOKENIZER.toString(),
        "--temperature", "0", "--max-length", "256", "--prompt", "Once upon a time");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo(Files.readAllBytes(REFERENCE));
  }

  @Test
  void greedyFromLilyAndBenPrintsItsReference() throws Exception {
    Run r = run("generate", "--model", MODEL.toString(), "--tokenizer", TOKENIZER.toString(),
        "--temperature", "0", "--max-length", "256", "--prompt", "Lily and Ben");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo(Files.readAllBytes(REFERENCE_LILY));
  }

  @Test
  void batchPrintsOneLinePerRowAndSeedsRepeat() {
    String[] args = {"generate", "--model", MODEL.toString(), "--tokenizer",
        TOKENIZER.toString(), "--prompt", "Lily", "--max-new-tokens", "20", "--seed", "7",
        "--top-k", "40", "--batch", "3"};
    Run a = run(args);
    assertThat(a.code()).as(a.err()).isZero();
    String[] lines = a.text().split("\n", -1);
    assertThat(lines).hasSize(4);
    assertThat(lines[3]).isEmpty();
    assertThat(Arrays.copyOf(lines, 3)).allMatch(l -> l.startsWith("Lily"));
    assertThat(lines[0]).isNotEqualTo(lines[1]); // rows draw from their own streams
    assertThat(run(args).text()).isEqualTo(a.text());
  }

  @Test
  void missingTokenizerIsOneClearLine(@TempDir Path dir) throws Exception {
    Path lone = dir.resolve("model.bin");
    Files.copy(MODEL, lone);
    Run r = run("generate", "--model", lone.toString(), "--temperature", "0");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).contains(lone.toString()).contains("--tokenizer");
    Run missing = run("generate", "--model", MODEL.toString(), "--tokenizer",
        dir.resolve("nope.bin").toString());
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("nope.bin").contains("not found");
  }

  @Test
  void aLibraryNameWhereAPathIsWantedSaysHowToFindThePath() {
    Run r = run("generate", "--model", "q05", "--max-new-tokens", "4");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).contains("q05: no such file or directory").contains("models show");
  }

  @Test
  void truncatedModelIsOneClearLine(@TempDir Path dir) throws Exception {
    byte[] all = Files.readAllBytes(MODEL);
    Path cut = dir.resolve("cut.bin");
    Files.write(cut, Arrays.copyOf(all, all.length - 1000));
    Run r = run("generate", "--model", cut.toString(), "--tokenizer", TOKENIZER.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).startsWith("temper: ").contains(cut.toString()).contains("truncated");
  }

  @Test
  void pickleFilesAreNeverLoaded(@TempDir Path dir) throws Exception {
    Path legacy = dir.resolve("pytorch_model.bin");
    Files.write(legacy, new byte[] {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc});
    Path zipped = dir.resolve("model.pt");
    try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(zipped))) {
      zip.putNextEntry(new java.util.zip.ZipEntry("archive/data.pkl"));
      zip.write(new byte[] {(byte) 0x80, 0x02, 0x7d});
      zip.closeEntry();
    }
    for (Path p : new Path[] {legacy, zipped}) {
      Run r = run("generate", "--model", p.toString(), "--tokenizer", TOKENIZER.toString());
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err().strip().lines()).hasSize(1);
      assertThat(r.err()).contains(p.toString()).contains("pickle").contains("safetensors");
    }
  }
}
