package ai.temper.engine.chat;

/** Receives a reply as it is generated (on the generating thread). */
@FunctionalInterface
public interface ReplyListener {
  /**
   * The text one more token adds ({@code piece} may be empty while a character or a possible
   * stop string is incomplete) and the tokens generated so far.
   */
  void onPiece(String piece, int tokens);

  ReplyListener NONE = (piece, tokens) -> {};
}
