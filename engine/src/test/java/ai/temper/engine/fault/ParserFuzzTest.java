package ai.temper.engine.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The fuzz targets of {@link ParserFuzzing} on seeded mutations of the hostile corpus and of
 * valid inputs, for a short time budget per target in every build ({@code -Pfault-long}: a
 * minute each): a mutated input may only be refused cleanly.
 */
class ParserFuzzTest {
  // ------------------------------------------------------------------ the CI budget

  static final boolean LONG = "long".equals(System.getProperty("temper.fault.points"));
  static final long BUDGET_MS = LONG ? 60_000 : 1_500;

  private final ParserFuzzing targets = new ParserFuzzing();

  @Test
  void mutationBudget() throws Exception {
    int a = mutate("safetensors", targets::safetensorsHeader, validSafetensors());
    int b = mutate("llama2c", targets::llama2cHeader, validLlama2c());
    int c = mutate("jsonl", targets::jsonlRows,
        ("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\","
            + "\"content\":\"hello\"}]}\n{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\"}\n"
            + "{\"question\":\"1+1?\",\"answer\":\"#### 2\"}\n{\"text\":\"plain\"}\n")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    System.out.printf("fuzz budget: %d safetensors, %d llama2.c, %d JSONL inputs in %d ms each%n",
        a, b, c, BUDGET_MS);
    assertThat(Math.min(a, Math.min(b, c))).isPositive();
  }

  /** Runs {@code target} on seeded mutations of the corpus and {@code seed} for the budget. */
  static int mutate(String corpusDir, Consumer<byte[]> target, byte[] seed) throws IOException {
    List<byte[]> pool = new ArrayList<>();
    pool.add(seed);
    try (Stream<Path> s = Files.list(HostileCorpusTest.corpus(corpusDir.equals("jsonl")
        ? "jsonl" : corpusDir))) {
      for (Path p : s.sorted().toList()) {
        if (Files.size(p) < 1 << 16) {
          pool.add(Files.readAllBytes(p));
        }
      }
    }
    Random r = new Random(Long.getLong("temper.fault.seed", 18));
    long end = System.currentTimeMillis() + BUDGET_MS;
    int n = 0;
    while (System.currentTimeMillis() < end) {
      byte[] in = mutateOnce(pool.get(r.nextInt(pool.size())), r);
      try {
        target.accept(in);
      } catch (RuntimeException | StackOverflowError e) {
        throw new AssertionError(corpusDir + " input " + n + " (" + in.length + " bytes) gave "
            + e, e);
      }
      n++;
    }
    return n;
  }

  private static final String SYNTAX = "{}[]\":,0123456789-e.\n\\";

  static byte[] mutateOnce(byte[] src, Random r) {
    byte[] b = src.clone();
    int edits = 1 + r.nextInt(4);
    for (int i = 0; i < edits && b.length > 0; i++) {
      int at = r.nextInt(b.length);
      switch (r.nextInt(5)) {
        case 0 -> b[at] = (byte) r.nextInt(256);
        case 1 -> b[at] = (byte) SYNTAX.charAt(r.nextInt(SYNTAX.length()));
        case 2 -> b = java.util.Arrays.copyOf(b, at); // truncate
        case 3 -> { // duplicate a span
          int len = Math.min(b.length - at, 1 + r.nextInt(16));
          byte[] out = new byte[b.length + len];
          System.arraycopy(b, 0, out, 0, at + len);
          System.arraycopy(b, at, out, at + len, b.length - at);
          b = out;
        }
        default -> { // an interesting number in little-endian
          long v = new long[] {0, -1, 1L << 31, 1L << 40, Long.MAX_VALUE, 0xFFFFFFFFL}[
              r.nextInt(6)];
          for (int k = 0; k < 8 && at + k < b.length; k++) {
            b[at + k] = (byte) (v >>> (8 * k));
          }
        }
      }
    }
    return b;
  }

  static byte[] validSafetensors() {
    String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
        + "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[16,22]}}";
    byte[] hb = h.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return java.nio.ByteBuffer.allocate(8 + hb.length + 22)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(hb.length).put(hb).array();
  }

  /** A llama2.c checkpoint of a tiny shape (dim 8, 1 layer, vocab 4, 4 positions). */
  static byte[] validLlama2c() {
    int dim = 8;
    int hidden = 16;
    int layers = 1;
    int heads = 2;
    int kv = 2;
    int vocab = 4;
    int seq = 4;
    int headSize = dim / heads;
    long floats = (long) vocab * dim + layers * (dim + dim * dim + 2L * dim * kv * headSize
        + dim * dim + dim + 3L * dim * hidden) + dim + seq * headSize;
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) (28 + 4 * floats))
        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.putInt(dim).putInt(hidden).putInt(layers).putInt(heads).putInt(kv).putInt(vocab)
        .putInt(seq);
    return b.array();
  }
}
