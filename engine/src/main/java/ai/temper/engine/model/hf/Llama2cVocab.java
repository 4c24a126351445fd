package ai.temper.engine.model.hf;

import ai.temper.engine.TemperException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The pieces and scores of a llama2.c tokenizer file (tok512.bin, tokenizer.bin): int32
 * max_token_length, then per token float32 score, int32 length, bytes. Ids 0, 1, 2 are unk,
 * BOS and EOS; ids 3..258 are the byte-fallback tokens {@code <0xXX>}; sentencepiece's "▁" is
 * stored as a plain space. Only what the Hugging Face conversion needs: encoding lives in the
 * engine's llama2.c tokenizer.
 */
public record Llama2cVocab(List<String> pieces, float[] scores, int maxTokenLength) {
  public static final int UNK = 0;
  public static final int BOS = 1;
  public static final int EOS = 2;
  /** The first byte-fallback id: byte b is id {@code BYTE0 + b}. */
  public static final int BYTE0 = 3;

  /** A vocabulary from pieces (spaces as spaces) and their scores, e.g. a loaded tokenizer's. */
  public static Llama2cVocab of(List<String> pieces, float[] scores) {
    if (pieces.size() != scores.length || pieces.size() < BYTE0 + 256) {
      throw new IllegalArgumentException("a llama2.c vocabulary needs unk, BOS, EOS, 256 byte "
          + "tokens and one score per piece");
    }
    int max = 0;
    for (String p : pieces) {
      max = Math.max(max, p.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    }
    return new Llama2cVocab(List.copyOf(pieces), scores.clone(), max);
  }

  public int size() {
    return pieces.size();
  }

  /** Whether {@code id} is one of the 256 byte-fallback tokens. */
  public boolean isByte(int id) {
    return id >= BYTE0 && id < BYTE0 + 256 && pieces.get(id).equals(byteName(id - BYTE0));
  }

  public static String byteName(int b) {
    return String.format("<0x%02X>", b);
  }

  /** Reads a llama2.c tokenizer file; a malformed one fails naming the file and the token. */
  public static Llama2cVocab read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new TemperException(file + ": cannot read tokenizer: " + e.getMessage(), e);
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (b.remaining() < 4) {
      throw new TemperException(file + ": not a llama2.c tokenizer file (too short)");
    }
    int max = b.getInt();
    if (max <= 0 || max > 1 << 16) {
      throw new TemperException(file + ": not a llama2.c tokenizer file (max_token_length "
          + max + ")");
    }
    List<String> pieces = new ArrayList<>();
    List<Float> scores = new ArrayList<>();
    while (b.hasRemaining()) {
      int id = pieces.size();
      if (b.remaining() < 8) {
        throw new TemperException(file + ": token " + id + " is truncated");
      }
      float score = b.getFloat();
      int len = b.getInt();
      if (len < 0 || len > max || len > b.remaining()) {
        throw new TemperException(file + ": token " + id + " has invalid length " + len
            + " (max_token_length " + max + ", " + b.remaining() + " bytes left)");
      }
      byte[] piece = new byte[len];
      b.get(piece);
      pieces.add(new String(piece, StandardCharsets.UTF_8));
      scores.add(score);
    }
    if (pieces.size() < BYTE0 + 256) {
      throw new TemperException(file + ": only " + pieces.size() + " tokens; a llama2.c "
          + "tokenizer has unk, BOS, EOS and 256 byte tokens first");
    }
    float[] s = new float[scores.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = scores.get(i);
    }
    return new Llama2cVocab(List.copyOf(pieces), s, max);
  }

  /** Writes this vocabulary in llama2.c's tokenizer format (what {@link #read} reads). */
  public void write(Path file) {
    List<byte[]> bytes = new ArrayList<>();
    int size = 4;
    int max = 1;
    for (String p : pieces) {
      byte[] b = p.getBytes(StandardCharsets.UTF_8);
      bytes.add(b);
      size += 8 + b.length;
      max = Math.max(max, b.length);
    }
    ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    out.putInt(max);
    for (int i = 0; i < bytes.size(); i++) {
      out.putFloat(scores[i]).putInt(bytes.get(i).length).put(bytes.get(i));
    }
    try {
      Files.write(file, out.array());
    } catch (IOException e) {
      throw new TemperException(file + ": cannot write tokenizer: " + e.getMessage(), e);
    }
  }

  /**
   * This vocabulary grown to {@code size} tokens with pieces no merge reaches
   * ({@code <unused N>}, score -1e9): a tokenizer for a model of a larger vocabulary that
   * encodes text as this one does (benchmarks of the stories15M shape's 32000 tokens).
   */
  public Llama2cVocab padTo(int size) {
    if (size < pieces.size()) {
      throw new IllegalArgumentException("vocabulary has " + pieces.size() + " tokens already");
    }
    List<String> p = new ArrayList<>(pieces);
    float[] s = java.util.Arrays.copyOf(scores, size);
    for (int i = pieces.size(); i < size; i++) {
      p.add("<unused" + i + ">");
      s[i] = -1e9f;
    }
    return of(p, s);
  }
}
