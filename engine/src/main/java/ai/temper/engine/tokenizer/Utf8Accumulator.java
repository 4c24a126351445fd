package ai.temper.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Collects decoded bytes and hands out text, holding back an incomplete UTF-8 sequence at the
 * end so a streamed character split over byte-fallback tokens is printed once, whole.
 */
final class Utf8Accumulator {
  private ByteArrayOutputStream pending = new ByteArrayOutputStream();

  void add(byte b) {
    pending.write(b);
  }

  void add(byte[] b, int from, int len) {
    pending.write(b, from, len);
  }

  /** Everything not yet drained, with invalid sequences replaced (U+FFFD). */
  String finish() {
    return pending.toString(StandardCharsets.UTF_8);
  }

  /** The text completed since the last call; an unfinished trailing sequence waits. */
  String drainComplete() {
    byte[] b = pending.toByteArray();
    int end = completeEnd(b);
    String s = new String(b, 0, end, StandardCharsets.UTF_8);
    pending = new ByteArrayOutputStream();
    pending.write(b, end, b.length - end);
    return s;
  }

  /** The end of the longest prefix of {@code b} that does not stop inside a UTF-8 sequence. */
  private static int completeEnd(byte[] b) {
    int n = b.length;
    // look back at most 3 bytes for a lead byte whose sequence runs past the end
    for (int i = n - 1; i >= Math.max(0, n - 3); i--) {
      int v = b[i] & 0xff;
      if ((v & 0xC0) == 0x80) {
        continue; // continuation byte: keep looking for its lead
      }
      int need = v >= 0xF0 ? 4 : v >= 0xE0 ? 3 : v >= 0xC0 ? 2 : 1;
      return i + need > n ? i : n;
    }
    return n;
  }
}
