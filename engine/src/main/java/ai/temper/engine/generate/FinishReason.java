package ai.temper.engine.generate;

/** Why generation of one prompt ended. */
public enum FinishReason {
  /** The end-of-sequence token or another stop token. */
  EOS,
  /** A stop string appeared. */
  STOP_STRING,
  /** max_new_tokens, max_length or the model's context ran out. */
  LENGTH,
  /** The listener asked to stop. */
  STOPPED
}
