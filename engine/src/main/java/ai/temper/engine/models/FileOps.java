package ai.temper.engine.models;

import ai.temper.engine.TemperException;
import ai.temper.engine.jobs.JobContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.function.LongConsumer;

/** File moves, copies and deletes of the model cache. */
final class FileOps {
  private FileOps() {}

  /** Moves a staged folder into place in one step, so no half-written model is ever visible. */
  static void moveAtomically(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("cannot move " + from + " to " + to + " atomically (different file "
          + "systems?)", e);
    }
  }

  /** Copies one file, reporting bytes and stopping when the job is cancelled. */
  static void copy(Path from, Path to, JobContext ctx, LongConsumer bytes) throws IOException {
    byte[] buf = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(from); OutputStream out = Files.newOutputStream(to)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        ctx.checkCancelled();
        out.write(buf, 0, n);
        bytes.accept(n);
      }
    }
  }

  /** A folder name for {@code name}: letters, digits, '.', '_' and '-' ("org/x" -> "org--x"). */
  static String slug(String name) {
    String s = name.replace("/", "--").replaceAll("[^A-Za-z0-9._-]", "-");
    s = s.replaceAll("^[.-]+", "");
    if (s.isEmpty()) {
      s = "model";
    }
    return s.length() > 100 ? s.substring(0, 100) : s;
  }

  /** {@code dir/base}, or base-2, base-3... when taken. */
  static Path freshChild(Path dir, String base) {
    Path p = dir.resolve(base);
    for (int i = 2; Files.exists(p); i++) {
      p = dir.resolve(base + "-" + i);
    }
    return p;
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  static TemperException io(String what, IOException e) {
    return new TemperException(what + ": " + e.getMessage(), e);
  }
}
