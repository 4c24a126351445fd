package ai.temper.engine.model.hf;

import ai.temper.engine.TemperException;
import ai.temper.engine.model.Tensor;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One safetensors file, opened for reading: an 8-byte little-endian header length, a JSON
 * header naming each tensor's dtype, shape and byte range, then the raw little-endian data.
 *
 * <p>The header is validated in full on open (the same rules as the reference implementation:
 * ranges inside the data, sizes matching dtype and shape, no overlaps, no holes), so a
 * truncated or lying file fails with a message naming the file and the tensor before any
 * weight is used. Tensors are read on demand in bounded chunks straight into the float32
 * result, so a large file never needs twice its size in memory.
 */
public final class SafetensorsFile implements AutoCloseable {
  /** Header sizes above this are refused (the reference implementation uses 100 MB too). */
  static final long MAX_HEADER_BYTES = 100L << 20;
  private static final int CHUNK_BYTES = 8 << 20;
  /** What to tell a user who hands us a PyTorch pickle checkpoint. */
  static final String PICKLE_ADVICE = "this is a PyTorch pickle checkpoint (.bin/.pt), not "
      + "safetensors; Temper never unpickles files (loading a pickle runs code from the file). "
      + "Convert it to safetensors first, e.g. in Python: "
      + "AutoModelForCausalLM.from_pretrained(dir).save_pretrained(out, safe_serialization=True)";
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  /** One tensor's header entry; {@code begin}/{@code end} are offsets into the data section. */
  public record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    public long numel() {
      long n = 1;
      for (long s : shape) {
        n *= s;
      }
      return n;
    }

    public long byteLength() {
      return end - begin;
    }
  }

  private final Path file;
  private final FileChannel channel;
  private final long dataStart;
  private final Map<String, Entry> entries;
  private final Map<String, String> metadata;

  private SafetensorsFile(Path file, FileChannel channel, long dataStart,
      Map<String, Entry> entries, Map<String, String> metadata) {
    this.file = file;
    this.channel = channel;
    this.dataStart = dataStart;
    this.entries = entries;
    this.metadata = metadata;
  }

  /** Opens {@code file} and validates its header. */
  public static SafetensorsFile open(Path file) {
    FileChannel ch;
    try {
      ch = FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new TemperException(file + ": no such safetensors file");
    } catch (IOException e) {
      throw new TemperException(file + ": cannot open: " + e.getMessage(), e);
    }
    try {
      SafetensorsFile f = parse(file, ch);
      return f;
    } catch (RuntimeException e) {
      closeQuietly(ch);
      throw e;
    }
  }

  /** Reads every tensor of {@code file}, in file order, as float32. */
  public static Map<String, Tensor> readAll(Path file) {
    try (SafetensorsFile f = open(file)) {
      Map<String, Tensor> out = new LinkedHashMap<>();
      for (Entry e : f.entries()) {
        out.put(e.name(), f.read(e));
      }
      return out;
    }
  }

  public Path file() {
    return file;
  }

  /** The entries in data order. */
  public Collection<Entry> entries() {
    return Collections.unmodifiableCollection(entries.values());
  }

  public Entry entry(String name) {
    return entries.get(name);
  }

  /** The {@code __metadata__} map (string to string), empty when absent. */
  public Map<String, String> metadata() {
    return Collections.unmodifiableMap(metadata);
  }

  /** Reads tensor {@code name} as float32. */
  public Tensor read(String name) {
    Entry e = entries.get(name);
    if (e == null) {
      throw new TemperException(file + ": no tensor '" + name + "'");
    }
    return read(e);
  }

  /**
   * Reads raw little-endian bytes of entry {@code e} from {@code byteOffset} (relative to the
   * entry) into {@code dst} until it is full.
   */
  public void readRaw(Entry e, long byteOffset, ByteBuffer dst) {
    if (byteOffset < 0 || byteOffset + dst.remaining() > e.byteLength()) {
      throw new IllegalArgumentException("read past tensor '" + e.name() + "'");
    }
    long pos = dataStart + e.begin() + byteOffset;
    try {
      while (dst.hasRemaining()) {
        int r = channel.read(dst, pos);
        if (r < 0) {
          throw new TemperException(file + ": tensor '" + e.name()
              + "': unexpected end of file (the file was truncated while reading)");
        }
        pos += r;
      }
    } catch (IOException ex) {
      throw new TemperException(file + ": tensor '" + e.name() + "': read failed: "
          + ex.getMessage(), ex);
    }
  }

  /** Reads one entry, widening its dtype to float32. */
  public Tensor read(Entry e) {
    long n = e.numel();
    if (n > Integer.MAX_VALUE - 8) {
      throw new TemperException(file + ": tensor '" + e.name() + "' has " + n
          + " elements, more than one Java array holds");
    }
    DType dt = e.dtype();
    float[] out = new float[(int) n];
    int elemBytes = dt.bytes();
    long remaining = e.byteLength();
    long pos = dataStart + e.begin();
    int at = 0;
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, Math.max(remaining, 1)))
        .order(ByteOrder.LITTLE_ENDIAN);
    try {
      while (remaining > 0) {
        buf.clear();
        int want = (int) Math.min(buf.capacity() - buf.capacity() % elemBytes, remaining);
        buf.limit(want);
        while (buf.hasRemaining()) {
          int r = channel.read(buf, pos + buf.position());
          if (r < 0) {
            throw new TemperException(file + ": tensor '" + e.name()
                + "': unexpected end of file (the file was truncated while reading)");
          }
        }
        buf.flip();
        at = convert(buf, dt, out, at);
        pos += want;
        remaining -= want;
      }
    } catch (IOException ex) {
      throw new TemperException(file + ": tensor '" + e.name() + "': read failed: "
          + ex.getMessage(), ex);
    }
    return new Tensor(e.shape().clone(), out);
  }

  private static int convert(ByteBuffer buf, DType dt, float[] out, int at) {
    switch (dt) {
      case F32 -> {
        int k = buf.remaining() / 4;
        buf.asFloatBuffer().get(out, at, k);
        return at + k;
      }
      case F16 -> {
        while (buf.hasRemaining()) {
          out[at++] = DType.halfToFloat(buf.getShort());
        }
      }
      case BF16 -> {
        while (buf.hasRemaining()) {
          out[at++] = DType.bf16ToFloat(buf.getShort());
        }
      }
      case F64 -> {
        while (buf.hasRemaining()) {
          out[at++] = (float) buf.getDouble();
        }
      }
      case I64 -> {
        while (buf.hasRemaining()) {
          out[at++] = buf.getLong();
        }
      }
      case I32 -> {
        while (buf.hasRemaining()) {
          out[at++] = buf.getInt();
        }
      }
      case I16 -> {
        while (buf.hasRemaining()) {
          out[at++] = buf.getShort();
        }
      }
      case I8 -> {
        while (buf.hasRemaining()) {
          out[at++] = buf.get();
        }
      }
      case U8, BOOL -> {
        while (buf.hasRemaining()) {
          out[at++] = buf.get() & 0xff;
        }
      }
      default -> throw new IllegalStateException(dt.toString());
    }
    return at;
  }

  private static SafetensorsFile parse(Path file, FileChannel ch) {
    long size;
    try {
      size = ch.size();
    } catch (IOException e) {
      throw new TemperException(file + ": cannot read: " + e.getMessage(), e);
    }
    if (size < 8) {
      throw new TemperException(file + ": not a safetensors file (only " + size
          + " bytes; the header length alone takes 8)");
    }
    ByteBuffer lenBuf = readFully(file, ch, 0, 8).order(ByteOrder.LITTLE_ENDIAN);
    byte[] head = new byte[(int) Math.min(9, size)];
    readFully(file, ch, 0, head.length).get(head);
    if (startsLikePickle(head)) {
      throw new TemperException(file + ": " + PICKLE_ADVICE);
    }
    long headerLen = lenBuf.getLong();
    if (headerLen < 0 || headerLen > size - 8) {
      throw new TemperException(file + ": corrupt safetensors header: it claims "
          + Long.toUnsignedString(headerLen) + " header bytes but the file has only "
          + (size - 8) + " after the length (truncated, or not a safetensors file)");
    }
    if (headerLen > MAX_HEADER_BYTES) {
      throw new TemperException(file + ": safetensors header of " + headerLen
          + " bytes is larger than the 100 MB limit");
    }
    if (headerLen < 2) {
      throw new TemperException(file + ": corrupt safetensors header: length " + headerLen);
    }
    ByteBuffer hb = readFully(file, ch, 8, (int) headerLen);
    String header;
    try {
      header = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(hb).toString();
    } catch (CharacterCodingException e) {
      throw new TemperException(file + ": corrupt safetensors header: not UTF-8 text");
    }
    if (!header.startsWith("{")) {
      throw new TemperException(file + ": not a safetensors file (the header does not start "
          + "with '{')");
    }
    JsonNode root;
    try {
      root = JSON.readTree(header);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new TemperException(file + ": corrupt safetensors header: invalid JSON ("
          + e.getOriginalMessage() + ")");
    }
    if (root == null || !root.isObject()) {
      throw new TemperException(file + ": corrupt safetensors header: not a JSON object");
    }
    long dataSize = size - 8 - headerLen;
    Map<String, String> metadata = new LinkedHashMap<>();
    List<Entry> list = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      if (f.getKey().equals("__metadata__")) {
        if (!f.getValue().isObject()) {
          throw new TemperException(file + ": corrupt safetensors header: __metadata__ is "
              + "not an object");
        }
        f.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(),
            m.getValue().isTextual() ? m.getValue().asText() : m.getValue().toString()));
        continue;
      }
      list.add(entry(file, f.getKey(), f.getValue(), dataSize));
    }
    // the data section must be covered exactly: no overlaps, no holes, nothing after
    list.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    long expect = 0;
    Entry prev = null;
    for (Entry e : list) {
      if (e.begin() < expect) {
        throw new TemperException(file + ": corrupt safetensors header: tensor '" + e.name()
            + "' (bytes " + e.begin() + ".." + e.end() + ") overlaps tensor '" + prev.name()
            + "' (bytes " + prev.begin() + ".." + prev.end() + ")");
      }
      if (e.begin() > expect) {
        throw new TemperException(file + ": corrupt safetensors header: " + (e.begin() - expect)
            + " unused bytes before tensor '" + e.name() + "' (offset " + e.begin() + ")");
      }
      expect = e.end();
      prev = e;
    }
    if (expect != dataSize) {
      throw new TemperException(file + ": corrupt safetensors file: the header describes "
          + expect + " data bytes but the file holds " + dataSize);
    }
    Map<String, Entry> entries = new LinkedHashMap<>();
    for (Entry e : list) {
      entries.put(e.name(), e);
    }
    return new SafetensorsFile(file, ch, 8 + headerLen, entries, metadata);
  }

  private static Entry entry(Path file, String name, JsonNode n, long dataSize) {
    String where = file + ": tensor '" + name + "'";
    if (!n.isObject()) {
      throw new TemperException(where + ": header entry is not an object");
    }
    JsonNode dtypeNode = n.get("dtype");
    JsonNode shapeNode = n.get("shape");
    JsonNode offsets = n.get("data_offsets");
    if (dtypeNode == null || !dtypeNode.isTextual()) {
      throw new TemperException(where + ": header entry has no dtype");
    }
    DType dt = DType.parse(dtypeNode.asText());
    if (dt == null) {
      throw new TemperException(where + ": unsupported dtype " + dtypeNode.asText()
          + " (Temper reads F32, F16, BF16, F64 and integer tensors)");
    }
    if (shapeNode == null || !shapeNode.isArray()) {
      throw new TemperException(where + ": header entry has no shape");
    }
    long[] shape = new long[shapeNode.size()];
    long numel = 1;
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = shapeNode.get(i);
      if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
        throw new TemperException(where + ": invalid shape " + shapeNode);
      }
      shape[i] = d.asLong();
      numel = Math.multiplyHigh(numel, shape[i]) != 0 ? -1 : numel * shape[i];
      if (numel < 0) {
        throw new TemperException(where + ": shape " + shapeNode + " is too large");
      }
    }
    if (offsets == null || !offsets.isArray() || offsets.size() != 2
        || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()) {
      throw new TemperException(where + ": header entry has no valid data_offsets");
    }
    long begin = offsets.get(0).asLong();
    long end = offsets.get(1).asLong();
    if (begin < 0 || end < begin) {
      throw new TemperException(where + ": invalid data_offsets [" + begin + ", " + end + "]");
    }
    if (end > dataSize) {
      throw new TemperException(where + ": data_offsets [" + begin + ", " + end
          + "] lie beyond the end of the data (" + dataSize
          + " bytes): the file is truncated or its header is wrong");
    }
    if (numel > Long.MAX_VALUE / dt.bytes() || numel * dt.bytes() != end - begin) {
      throw new TemperException(where + ": " + dt + " shape " + Arrays.toString(shape)
          + " needs " + (numel * dt.bytes()) + " bytes but data_offsets span "
          + (end - begin));
    }
    return new Entry(name, dt, shape, begin, end);
  }

  private static ByteBuffer readFully(Path file, FileChannel ch, long pos, int len) {
    ByteBuffer b = ByteBuffer.allocate(len);
    try {
      while (b.hasRemaining()) {
        if (ch.read(b, pos + b.position()) < 0) {
          throw new TemperException(file + ": unexpected end of file");
        }
      }
    } catch (IOException e) {
      throw new TemperException(file + ": cannot read: " + e.getMessage(), e);
    }
    b.flip();
    return b;
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // nothing to do
    }
  }

  @Override
  public void close() {
    closeQuietly(channel);
  }

  /** The total bytes of the data section (for progress and sizes). */
  public long dataBytes() {
    long n = 0;
    for (Entry e : entries.values()) {
      n += e.byteLength();
    }
    return n;
  }

  /** Whether the first bytes of {@code file} look like a PyTorch checkpoint: zip or pickle. */
  public static boolean isPickle(Path file) {
    try (var in = Files.newInputStream(file)) {
      return startsLikePickle(in.readNBytes(9));
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Zip ("PK") or pickle (0x80, protocol 2..5) magic, unless the bytes are a safetensors start:
   * a little-endian header length (small: its high bytes zero) followed by '{'. A header length
   * can begin with 0x80 or "PK" itself (a header of 640 bytes starts 0x80 0x02).
   */
  static boolean startsLikePickle(byte[] head) {
    if (head.length >= 9 && head[8] == '{' && head[5] == 0 && head[6] == 0 && head[7] == 0) {
      return false;
    }
    return head.length >= 2 && ((head[0] == 'P' && head[1] == 'K')
        || ((head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5));
  }
}
