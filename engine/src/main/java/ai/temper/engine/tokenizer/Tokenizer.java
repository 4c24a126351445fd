package ai.temper.engine.tokenizer;

import java.util.List;

/**
 * Text to token ids and back. Implementations: the llama2.c tokenizer file and Hugging Face
 * tokenizer.json (through DJL's tokenizers).
 */
public interface Tokenizer extends AutoCloseable {
  /** Encodes {@code text}; prepends BOS when {@code addBos} and the tokenizer has one. */
  int[] encode(String text, boolean addBos);

  /** Decodes ids to text; special tokens (BOS, EOS, pad) are dropped. */
  String decode(int[] ids);

  /**
   * The text one token adds after {@code previous} (for streaming): byte-level pieces may
   * return "" until their UTF-8 sequence completes. Decoders keep state per stream, so use
   * {@link #newStreamDecoder()}.
   */
  StreamDecoder newStreamDecoder();

  int vocabSize();

  int bosId();

  int eosId();

  /** Pad id for batching: the pad token if there is one, else EOS. */
  int padId();

  /** Token strings of ids, for display and tests. */
  String tokenText(int id);

  /** The ids of extra stop tokens (e.g. "<|im_end|>", "<|eot_id|>"), possibly empty. */
  default List<Integer> stopIds() {
    return List.of();
  }

  @Override
  default void close() {}

  /** Incremental decoding of one generated stream. */
  interface StreamDecoder {
    /** Feeds one token; returns the text it completes (possibly empty). */
    String push(int id);
  }
}
