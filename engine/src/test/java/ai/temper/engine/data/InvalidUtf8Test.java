package ai.temper.engine.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.data.DatasetImporter.ImportFailedException;
import ai.temper.engine.data.DatasetImporter.OnError;
import ai.temper.engine.data.DatasetImporter.Options;
import ai.temper.engine.data.DatasetImporter.Result;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.store.Database;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bytes that are not UTF-8 make a malformed row (line and byte offset), never U+FFFD. */
class InvalidUtf8Test {
  static final String GOOD = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
      + "{\"role\":\"assistant\",\"content\":\"hello\"}]}\n";

  @TempDir Path home;
  Database db;

  @BeforeEach
  void open() {
    db = Database.open(home.resolve("home"));
  }

  @AfterEach
  void close() {
    db.close();
  }

  /** Three rows; the second has bytes FF FE inside its content string. */
  static byte[] jsonlWithBadRow() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] good = GOOD.getBytes(StandardCharsets.UTF_8);
    out.writeBytes(good);
    String bad = GOOD.replace("hello", "he@@o");
    byte[] b = bad.getBytes(StandardCharsets.UTF_8);
    int at = bad.indexOf("@@");
    b[at] = (byte) 0xff;
    b[at + 1] = (byte) 0xfe;
    out.writeBytes(b);
    out.writeBytes(good);
    return out.toByteArray();
  }

  static long badOffset() {
    return GOOD.getBytes(StandardCharsets.UTF_8).length + GOOD.indexOf("hello") + 2;
  }

  Result load(Path file, OnError onError) {
    return new DatasetImporter(db).importFile(file, new Options("d", DataFormat.AUTO, onError),
        JobContext.none());
  }

  @Test
  void skipCountsTheRowInProvenance() throws Exception {
    Path file = home.resolve("bad.jsonl");
    Files.write(file, jsonlWithBadRow());
    Result r = load(file, OnError.SKIP);
    assertThat(r.rows()).isEqualTo(2);
    assertThat(r.errorCount()).isEqualTo(1);
    assertThat(r.errors().get(0).line()).isEqualTo(2);
    assertThat(r.errors().get(0).reason()).contains("invalid UTF-8")
        .contains("byte offset " + badOffset());
    assertThat(r.dataset().provenance()).contains("\"malformed\":1");
    // nothing stored holds a replacement character
    long id = r.dataset().id();
    db.datasets().forEach(id, 100, page -> page.forEach(e ->
        assertThat(e.data()).doesNotContain("\uFFFD")));
  }

  @Test
  void abortKeepsNothing() throws Exception {
    Path file = home.resolve("bad.jsonl");
    Files.write(file, jsonlWithBadRow());
    assertThatThrownBy(() -> load(file, OnError.ABORT))
        .isInstanceOf(ImportFailedException.class)
        .hasMessageContaining("line 2").hasMessageContaining("invalid UTF-8");
    assertThat(db.datasets().find("d")).isEmpty();
  }

  @Test
  void gzippedOffsetsCountTheDecompressedBytes() throws Exception {
    Path file = home.resolve("bad.jsonl.gz");
    ByteArrayOutputStream z = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(z)) {
      g.write(jsonlWithBadRow());
    }
    Files.write(file, z.toByteArray());
    Result r = load(file, OnError.SKIP);
    assertThat(r.errors().get(0).reason()).contains("byte offset " + badOffset());
  }

  @Test
  void jsonArrayAndTextContainersRefuseToo() throws Exception {
    Path arr = home.resolve("bad.json");
    byte[] rows = jsonlWithBadRow();
    ByteArrayOutputStream a = new ByteArrayOutputStream();
    a.writeBytes("[".getBytes(StandardCharsets.UTF_8));
    String[] parts = new String(rows, StandardCharsets.ISO_8859_1).split("\n");
    for (int i = 0; i < parts.length; i++) {
      a.writeBytes(parts[i].getBytes(StandardCharsets.ISO_8859_1));
      a.writeBytes((i + 1 < parts.length ? ",\n" : "]\n").getBytes(StandardCharsets.UTF_8));
    }
    Files.write(arr, a.toByteArray());
    Result r = load(arr, OnError.SKIP);
    assertThat(r.errorCount()).isEqualTo(1);
    assertThat(r.errors().get(0).reason()).contains("invalid UTF-8");

    Path txt = home.resolve("bad.txt");
    byte[] t = "first doc\n\nsecond \u00e9 doc\n\nthird doc\n".getBytes(StandardCharsets.UTF_8);
    int at = indexOf(t, (byte) 0xc3);
    t[at] = (byte) 0xff;
    Files.write(txt, t);
    Result rt = new DatasetImporter(db).importFile(txt,
        new Options("t", DataFormat.TEXT, OnError.SKIP), JobContext.none());
    assertThat(rt.rows()).isEqualTo(2);
    assertThat(rt.errors().get(0).line()).isEqualTo(3);
    assertThat(rt.errors().get(0).reason()).contains("byte offset " + at);
  }

  @Test
  void cancellationIsCheckedWhileRowsAreRefusedToo() throws Exception {
    Path file = home.resolve("all-bad.jsonl");
    Files.write(file, "not json\n".repeat(5000).getBytes(StandardCharsets.UTF_8));
    JobContext cancelled = new JobContext() {
      @Override
      public void progress(double fraction, String message) {}

      @Override
      public boolean isCancelled() {
        return true;
      }
    };
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new DatasetImporter(db).importFile(
        file, new Options("c", DataFormat.MESSAGES, OnError.SKIP), cancelled))
        .isInstanceOf(java.util.concurrent.CancellationException.class);
  }

  static int indexOf(byte[] b, byte x) {
    for (int i = 0; i < b.length; i++) {
      if (b[i] == x) {
        return i;
      }
    }
    return -1;
  }
}
