package ai.temper.engine.generate;

/** Receives generated tokens as they come (streaming). */
@FunctionalInterface
public interface TokenListener {
  /**
   * One generated token of prompt {@code prompt} (its index in the request) and the text it
   * completes ({@code piece}: possibly empty while a UTF-8 character or a possible stop string
   * is incomplete; the pieces of a prompt concatenate to its completion). Return false to stop
   * generating for this prompt.
   */
  boolean onToken(int prompt, int tokenId, String piece);

  TokenListener NONE = (prompt, tokenId, piece) -> true;
}
