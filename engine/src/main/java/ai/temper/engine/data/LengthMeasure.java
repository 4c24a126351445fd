package ai.temper.engine.data;

import ai.temper.engine.tokenizer.Tokenizer;

/** How statistics measure the length of a text: words, characters or a tokenizer's tokens. */
public interface LengthMeasure {
  int length(String text);

  /** The unit, for axis labels ("words", "characters", "tokens"). */
  String unit();

  /** Whitespace-separated words: a cheap stand-in for tokens (about 0.75 words per token). */
  static LengthMeasure words() {
    return new LengthMeasure() {
      @Override
      public int length(String text) {
        int n = 0;
        boolean in = false;
        for (int i = 0; i < text.length(); i++) {
          boolean space = Character.isWhitespace(text.charAt(i));
          if (!space && !in) {
            n++;
          }
          in = !space;
        }
        return n;
      }

      @Override
      public String unit() {
        return "words";
      }
    };
  }

  static LengthMeasure chars() {
    return new LengthMeasure() {
      @Override
      public int length(String text) {
        return text.codePointCount(0, text.length());
      }

      @Override
      public String unit() {
        return "characters";
      }
    };
  }

  /** Tokens of a model's tokenizer (no BOS). */
  static LengthMeasure tokens(Tokenizer tokenizer) {
    return new LengthMeasure() {
      @Override
      public int length(String text) {
        return tokenizer.encode(text, false).length;
      }

      @Override
      public String unit() {
        return "tokens";
      }
    };
  }
}
