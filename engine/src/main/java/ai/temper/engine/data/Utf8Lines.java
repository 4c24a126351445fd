package ai.temper.engine.data;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The lines of a byte stream, each decoded as strict UTF-8: a line holding bytes that are not
 * UTF-8 comes back with an error naming the byte offset (from the start of the stream, after
 * decompression) of the first bad byte, never with U+FFFD in its place. A line longer than
 * {@link #MAX_LINE} bytes comes back as an error too, its bytes skipped, so hostile input
 * cannot make the reader hold more than that.
 */
public final class Utf8Lines implements Closeable {
  /** The longest line kept, in bytes. */
  public static final int MAX_LINE = 64 << 20;

  /** A line: its 1-based number, its first byte's offset, and its text or why it has none. */
  public record Line(long number, long offset, String text, String error) {}

  private final InputStream in;
  private final int maxLine;
  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);
  private final byte[] buf = new byte[1 << 16];
  private int pos;
  private int limit;
  private long offset;
  private long number;
  private byte[] line = new byte[256];

  public Utf8Lines(InputStream in) {
    this(in, MAX_LINE);
  }

  Utf8Lines(InputStream in, int maxLine) {
    this.in = in;
    this.maxLine = maxLine;
  }

  /** The next line without its terminator ({@code \n} or {@code \r\n}), or null at the end. */
  public Line next() throws IOException {
    long start = offset;
    int len = 0;
    boolean any = false;
    boolean tooLong = false;
    while (true) {
      if (pos == limit) {
        limit = in.read(buf, 0, buf.length);
        pos = 0;
        if (limit <= 0) {
          limit = 0;
          if (!any) {
            return null;
          }
          break;
        }
      }
      any = true;
      int nl = -1;
      for (int i = pos; i < limit; i++) {
        if (buf[i] == '\n') {
          nl = i;
          break;
        }
      }
      int end = nl < 0 ? limit : nl;
      int n = end - pos;
      if (!tooLong) {
        if ((long) len + n > maxLine) {
          tooLong = true;
        } else {
          if (len + n > line.length) {
            line = Arrays.copyOf(line, Math.max(len + n, Math.min(maxLine, line.length * 2)));
          }
          System.arraycopy(buf, pos, line, len, n);
          len += n;
        }
      }
      offset += n;
      pos = end;
      if (nl >= 0) {
        pos++;
        offset++;
        break;
      }
    }
    number++;
    if (tooLong) {
      shrink();
      return new Line(number, start, null, "line longer than " + (maxLine >> 20) + " MiB");
    }
    if (len > 0 && line[len - 1] == '\r') {
      len--;
    }
    ByteBuffer bytes = ByteBuffer.wrap(line, 0, len);
    String text = decode(bytes, start);
    shrink();
    if (text == null) {
      return new Line(number, start, null, "invalid UTF-8 at byte offset "
          + (start + bytes.position()) + " (0x" + String.format("%02x",
          line[bytes.position()] & 0xff) + ")");
    }
    return new Line(number, start, text, null);
  }

  /** The text, or null with {@code bytes} positioned at the first malformed byte. */
  private String decode(ByteBuffer bytes, long start) throws CharacterCodingException {
    decoder.reset();
    CharBuffer out = CharBuffer.allocate(bytes.remaining());
    CoderResult r = decoder.decode(bytes, out, true);
    if (r.isError()) {
      return null;
    }
    r = decoder.flush(out);
    if (r.isError()) {
      return null;
    }
    out.flip();
    return out.toString();
  }

  private void shrink() {
    if (line.length > 1 << 20) {
      line = new byte[256];
    }
  }

  /** Bytes read so far (the stream's, after any decompression). */
  public long offset() {
    return offset;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
