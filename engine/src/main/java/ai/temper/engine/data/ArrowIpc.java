package ai.temper.engine.data;

import ai.temper.engine.TemperException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads Apache Arrow IPC data, the stream format ({@code .arrow} files that Hugging Face
 * {@code datasets} writes in {@code save_to_disk} folders and its cache) and the file format
 * (Feather v2, {@code ARROW1} magic), into JSON rows. Only what datasets of text use is
 * supported: null, booleans, integers, floats, (large) strings and binaries, (large and
 * fixed-size) lists, structs, dates and timestamps as numbers; no dictionary encoding and no
 * buffer compression (datasets writes neither by default); a file using them is refused with
 * a message saying so.
 *
 * <p>The format: a sequence of messages, each {@code 0xFFFFFFFF}, a little-endian int32
 * metadata size, a flatbuffer {@code Message} (a Schema or a RecordBatch) and the batch's
 * body; a RecordBatch lists one node (length, null count) per field in depth-first order and
 * the buffers of each (validity bitmap, offsets, values) as offsets into the body.
 */
final class ArrowIpc {
  private ArrowIpc() {}

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /** The rows of an Arrow IPC stream or file, as JSON objects. */
  static List<ObjectNode> read(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    int pos = 0;
    if (b.limit() >= 8 && new String(b.array(), 0, 6, StandardCharsets.US_ASCII)
        .equals("ARROW1")) {
      pos = 8; // the file format: the stream follows the magic and its padding
    }
    List<Field> schema = null;
    List<ObjectNode> rows = new ArrayList<>();
    while (pos + 4 <= b.limit()) {
      int len = b.getInt(pos);
      pos += 4;
      if (len == -1) { // continuation marker, then the length
        if (pos + 4 > b.limit()) {
          break;
        }
        len = b.getInt(pos);
        pos += 4;
      }
      if (len == 0) {
        break; // end of stream
      }
      Table msg = Table.root(b, pos);
      pos += len;
      int headerType = msg.ubyte(1);
      long bodyLength = msg.int64(3);
      Table header = msg.table(2);
      int body = pos;
      pos += (int) bodyLength;
      switch (headerType) {
        case 1 -> schema = fields(header.vector(1));
        case 2 -> throw new TemperException(file + ": dictionary-encoded Arrow columns are not "
            + "supported");
        case 3 -> {
          if (schema == null) {
            throw new TemperException(file + ": an Arrow record batch before the schema");
          }
          if (header.has(3)) {
            throw new TemperException(file + ": compressed Arrow buffers are not supported");
          }
          batch(b, header, body, schema, rows);
        }
        default -> { } // tensors and others: not data rows
      }
    }
    if (schema == null) {
      throw new TemperException(file + " is not an Arrow IPC file (no schema found)");
    }
    return rows;
  }

  // ---- the schema ------------------------------------------------------------------------

  private record Field(String name, int type, Table typeTable, List<Field> children) {}

  private static List<Field> fields(Vec v) {
    List<Field> out = new ArrayList<>();
    for (int i = 0; i < v.length; i++) {
      Table t = v.table(i);
      if (t.has(4)) {
        throw new TemperException("dictionary-encoded Arrow columns are not supported ('"
            + t.string(0) + "')");
      }
      out.add(new Field(t.string(0), t.ubyte(2), t.table(3),
          t.has(5) ? fields(t.vector(5)) : List.of()));
    }
    return out;
  }

  // ---- record batches --------------------------------------------------------------------

  /** Walks a batch's nodes and buffers in the order the schema lists them. */
  private static final class Cursor {
    final ByteBuffer b;
    final int body;
    final Vec nodes;
    final Vec buffers;
    int node;
    int buffer;

    Cursor(ByteBuffer b, int body, Vec nodes, Vec buffers) {
      this.b = b;
      this.body = body;
      this.nodes = nodes;
      this.buffers = buffers;
    }

    long[] nextNode() {
      int at = nodes.structAt(node++, 16);
      return new long[] {b.getLong(at), b.getLong(at + 8)};
    }

    /** [absolute offset, length] of the next buffer. */
    long[] nextBuffer() {
      int at = buffers.structAt(buffer++, 16);
      return new long[] {body + b.getLong(at), b.getLong(at + 8)};
    }
  }

  private static void batch(ByteBuffer b, Table rb, int body, List<Field> schema,
      List<ObjectNode> rows) {
    int n = (int) rb.int64(0);
    Cursor c = new Cursor(b, body, rb.vector(1), rb.vector(2));
    List<JsonNode[]> columns = new ArrayList<>();
    for (Field f : schema) {
      columns.add(column(c, f, n));
    }
    for (int r = 0; r < n; r++) {
      ObjectNode o = F.objectNode();
      for (int k = 0; k < schema.size(); k++) {
        o.set(schema.get(k).name(), columns.get(k)[r]);
      }
      rows.add(o);
    }
  }

  /** The values of one field (and its children) for {@code n} slots. */
  private static JsonNode[] column(Cursor c, Field f, int n) {
    long[] node = c.nextNode();
    int length = (int) node[0];
    ByteBuffer b = c.b;
    JsonNode[] out = new JsonNode[length];
    switch (f.type()) {
      case 1 -> { // Null: no buffers
        for (int i = 0; i < length; i++) {
          out[i] = F.nullNode();
        }
        return out;
      }
      case 2, 3, 6, 8, 10, 18 -> { // Int, FloatingPoint, Bool, Date, Timestamp, Duration
        long[] validity = c.nextBuffer();
        long[] data = c.nextBuffer();
        for (int i = 0; i < length; i++) {
          out[i] = !valid(b, validity, i) ? F.nullNode() : scalar(b, f, (int) data[0], i);
        }
        return out;
      }
      case 4, 5, 19, 20 -> { // Binary, Utf8, LargeBinary, LargeUtf8
        boolean large = f.type() >= 19;
        long[] validity = c.nextBuffer();
        long[] offsets = c.nextBuffer();
        long[] data = c.nextBuffer();
        for (int i = 0; i < length; i++) {
          if (!valid(b, validity, i)) {
            out[i] = F.nullNode();
            continue;
          }
          long s = offset(b, offsets, i, large);
          long e = offset(b, offsets, i + 1, large);
          byte[] bytes = new byte[(int) (e - s)];
          b.get((int) (data[0] + s), bytes);
          out[i] = f.type() == 5 || f.type() == 20
              ? F.textNode(new String(bytes, StandardCharsets.UTF_8)) : F.binaryNode(bytes);
        }
        return out;
      }
      case 12, 17, 21 -> { // List, Map (a list of key/value structs), LargeList
        boolean large = f.type() == 21;
        long[] validity = c.nextBuffer();
        long[] offsets = c.nextBuffer();
        int childLength = length == 0 ? 0 : (int) offset(b, offsets, length, large);
        JsonNode[] items = column(c, f.children().get(0), childLength);
        for (int i = 0; i < length; i++) {
          if (!valid(b, validity, i)) {
            out[i] = F.nullNode();
            continue;
          }
          ArrayNode a = F.arrayNode();
          for (long k = offset(b, offsets, i, large); k < offset(b, offsets, i + 1, large); k++) {
            a.add(items[(int) k]);
          }
          out[i] = a;
        }
        return out;
      }
      case 16 -> { // FixedSizeList
        int size = f.typeTable().int32(0);
        long[] validity = c.nextBuffer();
        JsonNode[] items = column(c, f.children().get(0), length * size);
        for (int i = 0; i < length; i++) {
          ArrayNode a = F.arrayNode();
          for (int k = 0; k < size; k++) {
            a.add(items[i * size + k]);
          }
          out[i] = valid(b, validity, i) ? a : F.nullNode();
        }
        return out;
      }
      case 13 -> { // Struct
        long[] validity = c.nextBuffer();
        List<JsonNode[]> kids = new ArrayList<>();
        for (Field k : f.children()) {
          kids.add(column(c, k, length));
        }
        for (int i = 0; i < length; i++) {
          if (!valid(b, validity, i)) {
            out[i] = F.nullNode();
            continue;
          }
          ObjectNode o = F.objectNode();
          for (int k = 0; k < f.children().size(); k++) {
            o.set(f.children().get(k).name(), kids.get(k)[i]);
          }
          out[i] = o;
        }
        return out;
      }
      default -> throw new TemperException("Arrow column '" + f.name() + "' has a type Temper "
          + "does not read (Arrow type id " + f.type() + ")");
    }
  }

  private static boolean valid(ByteBuffer b, long[] validity, int i) {
    if (validity[1] == 0) {
      return true;
    }
    return (b.get((int) validity[0] + (i >> 3)) >> (i & 7) & 1) == 1;
  }

  private static long offset(ByteBuffer b, long[] offsets, int i, boolean large) {
    return large ? b.getLong((int) offsets[0] + 8 * i) : b.getInt((int) offsets[0] + 4 * i);
  }

  private static JsonNode scalar(ByteBuffer b, Field f, int data, int i) {
    Table t = f.typeTable();
    switch (f.type()) {
      case 6:
        return F.booleanNode((b.get(data + (i >> 3)) >> (i & 7) & 1) == 1);
      case 3: {
        int precision = t.int16(0);
        if (precision == 2) {
          return F.numberNode(b.getDouble(data + 8 * i));
        } else if (precision == 1) {
          return F.numberNode((double) b.getFloat(data + 4 * i));
        }
        throw new TemperException("Arrow column '" + f.name() + "' holds half floats");
      }
      case 2: {
        int bits = t.int32(0);
        boolean signed = t.bool(1);
        return switch (bits) {
          case 8 -> F.numberNode(signed ? b.get(data + i) : b.get(data + i) & 0xff);
          case 16 -> F.numberNode(signed ? b.getShort(data + 2 * i)
              : b.getShort(data + 2 * i) & 0xffff);
          case 32 -> F.numberNode(signed ? b.getInt(data + 4 * i)
              : b.getInt(data + 4 * i) & 0xffffffffL);
          default -> F.numberNode(b.getLong(data + 8 * i));
        };
      }
      case 8: // Date: unit 0 = days (int32), 1 = milliseconds (int64)
        return t.int16(0) == 0 ? F.numberNode(b.getInt(data + 4 * i))
            : F.numberNode(b.getLong(data + 8 * i));
      default: // Timestamp, Duration: int64 in their unit
        return F.numberNode(b.getLong(data + 8 * i));
    }
  }

  // ---- flatbuffers -------------------------------------------------------------------------

  /** A flatbuffer table: field i's slot comes from the vtable. */
  private record Table(ByteBuffer b, int pos) {
    static Table root(ByteBuffer b, int at) {
      return new Table(b, at + b.getInt(at));
    }

    private int slot(int field) {
      int vtable = pos - b.getInt(pos);
      int vsize = b.getShort(vtable) & 0xffff;
      int off = 4 + 2 * field;
      return off < vsize ? b.getShort(vtable + off) & 0xffff : 0;
    }

    boolean has(int field) {
      return slot(field) != 0;
    }

    int ubyte(int field) {
      int s = slot(field);
      return s == 0 ? 0 : b.get(pos + s) & 0xff;
    }

    boolean bool(int field) {
      return ubyte(field) != 0;
    }

    int int16(int field) {
      int s = slot(field);
      return s == 0 ? 0 : b.getShort(pos + s);
    }

    int int32(int field) {
      int s = slot(field);
      return s == 0 ? 0 : b.getInt(pos + s);
    }

    long int64(int field) {
      int s = slot(field);
      return s == 0 ? 0 : b.getLong(pos + s);
    }

    private int indirect(int field) {
      int at = pos + slot(field);
      return at + b.getInt(at);
    }

    Table table(int field) {
      if (!has(field)) {
        return null;
      }
      int at = indirect(field);
      return new Table(b, at);
    }

    Vec vector(int field) {
      if (!has(field)) {
        return new Vec(b, 0, 0);
      }
      int at = indirect(field);
      return new Vec(b, at + 4, b.getInt(at));
    }

    String string(int field) {
      if (!has(field)) {
        return "";
      }
      int at = indirect(field);
      byte[] bytes = new byte[b.getInt(at)];
      b.get(at + 4, bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  /** A flatbuffer vector: of table offsets or of inline structs. */
  private record Vec(ByteBuffer b, int start, int length) {
    Table table(int i) {
      int at = start + 4 * i;
      return new Table(b, at + b.getInt(at));
    }

    int structAt(int i, int size) {
      return start + size * i;
    }
  }
}
