package ai.temper.engine.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How jobs and runs ended when the database could not be written (a full disk closes H2): a
 * small file of the home, its space reserved when the home opens, so writing the outcome
 * needs no new disk space. The next open applies the outcomes before marking what was left
 * RUNNING as INTERRUPTED, so a run and its job agree (FAILED, with the error).
 */
final class Outcomes {
  private static final Logger LOG = LoggerFactory.getLogger(Outcomes.class);
  static final String FILE_NAME = "temper.outcomes";
  static final int SIZE = 8192;
  private static final int MAX_ERROR = 400;

  /** One deferred end: UPDATE {@code table} SET status, error WHERE id and still RUNNING. */
  record Outcome(String table, long id, String status, String error) {}

  private final Path file;
  private final List<Outcome> pending = new ArrayList<>();

  Outcomes(Path home) {
    this.file = home.resolve(FILE_NAME);
  }

  Path home() {
    return file.getParent();
  }

  /** Makes sure the file holds {@link #SIZE} bytes (best effort: a full disk may refuse). */
  void reserve() {
    try {
      if (!Files.exists(file) || Files.size(file) < SIZE) {
        Files.write(file, new byte[SIZE]);
      }
    } catch (IOException e) {
      LOG.debug("cannot reserve {}: {}", file, e.getMessage());
    }
  }

  /** Keeps an outcome for the next open; false when even that failed. */
  synchronized boolean defer(String table, long id, String status, String error) {
    pending.add(new Outcome(table, id, status, error == null ? null
        : clean(error.length() > MAX_ERROR ? error.substring(0, MAX_ERROR) : error)));
    StringBuilder sb = new StringBuilder();
    for (Outcome o : pending) {
      sb.append(o.table()).append('\t').append(o.id()).append('\t').append(o.status())
          .append('\t').append(o.error() == null ? "" : o.error()).append('\n');
    }
    byte[] text = sb.toString().getBytes(StandardCharsets.UTF_8);
    if (text.length > SIZE) {
      return false;
    }
    ByteBuffer b = ByteBuffer.allocate(SIZE);
    b.put(text).rewind();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      while (b.hasRemaining()) {
        ch.write(b, b.position());
      }
      ch.force(false);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String clean(String s) {
    return s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
  }

  /** The outcomes written by an earlier process. */
  List<Outcome> read() {
    List<Outcome> out = new ArrayList<>();
    try {
      if (!Files.exists(file)) {
        return out;
      }
      byte[] all = Files.readAllBytes(file);
      int end = 0;
      while (end < all.length && all[end] != 0) {
        end++;
      }
      for (String line : new String(all, 0, end, StandardCharsets.UTF_8).split("\n")) {
        String[] f = line.split("\t", 4);
        if (f.length == 4 && (f[0].equals("jobs") || f[0].equals("runs"))) {
          out.add(new Outcome(f[0], Long.parseLong(f[1]), f[2], f[3].isEmpty() ? null : f[3]));
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("ignoring unreadable {}: {}", file, e.getMessage());
    }
    return out;
  }

  /** Empties the file once its outcomes are in the database. */
  void clear() {
    try {
      Files.write(file, new byte[SIZE]);
    } catch (IOException e) {
      LOG.debug("cannot clear {}: {}", file, e.getMessage());
    }
  }

  /** True when {@code e} comes from a store that cannot write: a full disk or a closed file. */
  static boolean isStorageFailure(Throwable e) {
    return reason(e) != null;
  }

  /** "no space left on the disk" and the like, or null for other errors. */
  static String reason(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage() == null ? "" : t.getMessage();
      if (m.contains("No space left on device") || m.contains("Disk quota exceeded")) {
        return "no space left on the disk";
      }
      if (t.getCause() == t) {
        break;
      }
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.sql.SQLException s && s.getErrorCode() == 90098) {
        return "the database was closed after a write failed";
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }
}
