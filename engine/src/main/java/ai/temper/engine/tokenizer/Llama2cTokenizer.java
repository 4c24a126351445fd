package ai.temper.engine.tokenizer;

import ai.temper.engine.TemperException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The llama2.c tokenizer file (a sentencepiece BPE vocabulary with merge scores), encoding and
 * decoding exactly as llama2.c's run.c does: dummy-prefix space, byte fallback for unknown
 * characters, greedy merges by highest score; decoding drops the leading space of the token
 * right after BOS and turns {@code <0xXX>} pieces into raw bytes.
 */
public final class Llama2cTokenizer implements Tokenizer {
  public static final int UNK = 0;
  public static final int BOS = 1;
  public static final int EOS = 2;
  private static final int FIRST_BYTE_TOKEN = 3;

  private final byte[][] pieces;
  private final float[] scores;
  /** Piece bytes (as ISO-8859-1 strings, one char per byte) to id; the first id wins. */
  private final Map<String, Integer> ids = new HashMap<>();
  /** For each id, the raw byte it stands for ({@code <0xXX>}) or -1. */
  private final int[] byteOf;

  private Llama2cTokenizer(byte[][] pieces, float[] scores) {
    this.pieces = pieces;
    this.scores = scores;
    this.byteOf = new int[pieces.length];
    for (int i = 0; i < pieces.length; i++) {
      ids.putIfAbsent(key(pieces[i]), i);
      byteOf[i] = parseByteToken(pieces[i]);
    }
  }

  /** Reads a tokenizer file (all entries up to its end). */
  public static Llama2cTokenizer read(Path file) {
    byte[] all;
    try {
      all = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new TemperException(file + ": cannot read tokenizer: " + e.getMessage(), e);
    }
    ByteBuffer in = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
    if (all.length < 4) {
      throw new TemperException(file + ": not a llama2.c tokenizer (file too short)");
    }
    int maxLen = in.getInt();
    if (maxLen <= 0 || maxLen > 1024) {
      throw new TemperException(file + ": not a llama2.c tokenizer (max_token_length "
          + maxLen + ")");
    }
    List<byte[]> pieces = new ArrayList<>();
    List<Float> scores = new ArrayList<>();
    while (in.hasRemaining()) {
      if (in.remaining() < 8) {
        throw new TemperException(file + ": llama2.c tokenizer is truncated at token "
            + pieces.size());
      }
      float score = in.getFloat();
      int len = in.getInt();
      if (len < 0 || len > maxLen || len > in.remaining()) {
        throw new TemperException(file + ": llama2.c tokenizer is corrupt or truncated at token "
            + pieces.size() + " (length " + len + ")");
      }
      byte[] b = new byte[len];
      in.get(b);
      pieces.add(b);
      scores.add(score);
    }
    if (pieces.size() < FIRST_BYTE_TOKEN + 256) {
      throw new TemperException(file + ": llama2.c tokenizer has only " + pieces.size()
          + " tokens (needs unk, BOS, EOS and 256 byte tokens)");
    }
    float[] s = new float[scores.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = scores.get(i);
    }
    return new Llama2cTokenizer(pieces.toArray(new byte[0][]), s);
  }

  @Override
  public int[] encode(String text, boolean addBos) {
    List<Integer> out = new ArrayList<>();
    if (addBos) {
      out.add(BOS);
    }
    if (!text.isEmpty()) {
      Integer space = ids.get(" ");
      if (space != null) {
        out.add(space); // sentencepiece's dummy prefix
      }
    }
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < utf8.length; ) {
      int n = utf8Length(utf8[i]);
      n = Math.min(n, utf8.length - i);
      Integer id = ids.get(new String(utf8, i, n, StandardCharsets.ISO_8859_1));
      if (id != null) {
        out.add(id);
      } else {
        for (int j = 0; j < n; j++) {
          out.add((utf8[i + j] & 0xff) + FIRST_BYTE_TOKEN);
        }
      }
      i += n;
    }
    int start = addBos ? 1 : 0;
    mergePairs(out, start);
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Merges the adjacent pair with the best score until no pair is in the vocabulary. */
  private void mergePairs(List<Integer> tokens, int start) {
    while (true) {
      float best = Float.NEGATIVE_INFINITY;
      int bestId = -1;
      int bestAt = -1;
      for (int i = start; i + 1 < tokens.size(); i++) {
        byte[] a = pieces[tokens.get(i)];
        byte[] b = pieces[tokens.get(i + 1)];
        byte[] ab = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, ab, a.length, b.length);
        Integer id = ids.get(key(ab));
        if (id != null && scores[id] > best) {
          best = scores[id];
          bestId = id;
          bestAt = i;
        }
      }
      if (bestAt < 0) {
        return;
      }
      tokens.set(bestAt, bestId);
      tokens.remove(bestAt + 1);
    }
  }

  private static int utf8Length(byte lead) {
    int b = lead & 0xff;
    if (b < 0x80) {
      return 1;
    } else if ((b & 0xE0) == 0xC0) {
      return 2;
    } else if ((b & 0xF0) == 0xE0) {
      return 3;
    } else if ((b & 0xF8) == 0xF0) {
      return 4;
    }
    return 1;
  }

  @Override
  public String decode(int[] ids) {
    Utf8Accumulator acc = new Utf8Accumulator();
    int prev = -1;
    for (int id : ids) {
      appendPiece(acc, prev, id);
      prev = id;
    }
    return acc.finish();
  }

  /** The bytes token {@code id} prints after {@code prev}, by run.c's rules. */
  private void appendPiece(Utf8Accumulator acc, int prev, int id) {
    if (id == BOS || id == EOS || id < 0 || id >= pieces.length) {
      return;
    }
    if (byteOf[id] >= 0) {
      acc.add((byte) byteOf[id]);
      return;
    }
    byte[] p = pieces[id];
    int from = prev == BOS && p.length > 0 && p[0] == ' ' ? 1 : 0;
    acc.add(p, from, p.length - from);
  }

  @Override
  public StreamDecoder newStreamDecoder() {
    return new StreamDecoder() {
      private final Utf8Accumulator acc = new Utf8Accumulator();
      private int prev = -1;

      @Override
      public String push(int id) {
        appendPiece(acc, prev, id);
        prev = id;
        return acc.drainComplete();
      }
    };
  }

  @Override
  public int vocabSize() {
    return pieces.length;
  }

  @Override
  public int bosId() {
    return BOS;
  }

  @Override
  public int eosId() {
    return EOS;
  }

  @Override
  public int padId() {
    return EOS;
  }

  /** llama2.c models mark the start of the next story with BOS: run.c stops there. */
  @Override
  public List<Integer> stopIds() {
    return List.of(BOS);
  }

  @Override
  public String tokenText(int id) {
    return new String(pieces[id], StandardCharsets.UTF_8);
  }

  public float score(int id) {
    return scores[id];
  }

  private static String key(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  private static int parseByteToken(byte[] p) {
    if (p.length == 6 && p[0] == '<' && p[1] == '0' && p[2] == 'x' && p[5] == '>') {
      int hi = Character.digit(p[3], 16);
      int lo = Character.digit(p[4], 16);
      if (hi >= 0 && lo >= 0) {
        return hi * 16 + lo;
      }
    }
    return -1;
  }
}
