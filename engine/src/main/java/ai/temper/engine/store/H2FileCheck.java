package ai.temper.engine.store;

import ai.temper.engine.TemperException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads an H2 MVStore file's header and, for a cleanly closed file, checks that the chunk the
 * header names is wholly in the file. H2 itself would silently fall back to an older chunk of a
 * truncated file (losing data) and then rewrite the file; this check refuses first, without
 * writing a byte.
 */
final class H2FileCheck {
  private static final int BLOCK = 4096;

  private H2FileCheck() {}

  /**
   * Checks the file (see the class comment) and returns whether its header says H2 closed it
   * cleanly.
   */
  static boolean check(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      Map<String, String> header = fields(read(ch, 0, Math.min(BLOCK, (int) size)));
      if (!header.containsKey("H")) {
        throw notH2(file, size == 0 ? " (the file is empty)" : "");
      }
      if (size % BLOCK != 0) {
        throw damaged(file, "its size, " + size + " bytes, is not a whole number of blocks");
      }
      if (!"1".equals(header.get("clean")) || !header.containsKey("block")) {
        return false; // not closed cleanly: H2's own read-only open decides
      }
      long block = Long.parseLong(header.get("block"), 16);
      String chunk = header.getOrDefault("chunk", "");
      if ((block + 1) * BLOCK > size) {
        throw damaged(file, "the last chunk at byte " + block * BLOCK
            + " lies beyond the end of the file (" + size + " bytes): it was truncated");
      }
      Map<String, String> chunkHeader = fields(read(ch, block * BLOCK, 256));
      if (!chunk.equals(chunkHeader.get("chunk")) || !chunkHeader.containsKey("len")) {
        throw damaged(file, "the last chunk at byte " + block * BLOCK + " is missing");
      }
      long end = (block + Long.parseLong(chunkHeader.get("len"), 16)) * BLOCK;
      if (end > size) {
        throw damaged(file, "the last chunk ends at byte " + end + " but the file has only "
            + size + " bytes: it was truncated");
      }
      Map<String, String> footer = fields(read(ch, end - 128, 128).trim());
      if (!chunk.equals(footer.get("chunk"))) {
        throw damaged(file, "the end of the last chunk (byte " + end + ") is corrupt");
      }
      return true;
    } catch (IOException e) {
      throw new TemperException("Cannot read the database " + file + ": " + e.getMessage(), e);
    } catch (NumberFormatException e) {
      throw damaged(file, "its header is corrupt");
    }
  }

  private static String read(FileChannel ch, long pos, int len) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(len);
    while (buf.hasRemaining() && ch.read(buf, pos + buf.position()) > 0) {
      // keep reading
    }
    return new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1);
  }

  /** "H:2,block:8,chunk:4,..." -> map; stops at the first newline or NUL. */
  private static Map<String, String> fields(String s) {
    Map<String, String> out = new HashMap<>();
    int stop = s.length();
    for (char c : new char[] {'\n', '\0'}) {
      int i = s.indexOf(c);
      if (i >= 0) {
        stop = Math.min(stop, i);
      }
    }
    for (String kv : s.substring(0, stop).trim().split(",")) {
      int colon = kv.indexOf(':');
      if (colon > 0) {
        out.put(kv.substring(0, colon), kv.substring(colon + 1));
      }
    }
    return out;
  }

  static TemperException notH2(Path file, String detail) {
    return new TemperException("The database " + file + " is not a Temper (H2 2.x) database"
        + detail + ". It was left untouched; move it away or choose another home with --home.");
  }

  static TemperException damaged(Path file, String why) {
    return new TemperException("The database " + file + " is damaged and cannot be opened ("
        + why + "). It was left untouched; restore it from a backup or choose another home "
        + "with --home.");
  }
}
