package ai.temper.engine.train;

/**
 * What encoding did to a split: how many examples came in, how many were truncated to
 * max_seq_length (kept, with a shorter target) and how many were skipped because truncation
 * left no token to train on. Never silent: the trainer logs these and records them as metrics.
 */
public final class DataStats {
  private int examples;
  private int truncated;
  private int skipped;
  private long tokens;
  private long trainedTokens;

  /** Counts one example, truncated or not, kept or skipped, with its (kept) token counts. */
  void add(boolean wasTruncated, boolean wasSkipped, long tokenCount, long trained) {
    examples++;
    if (wasTruncated) {
      truncated++;
    }
    if (wasSkipped) {
      skipped++;
    } else {
      tokens += tokenCount;
      trainedTokens += trained;
    }
  }

  public int examples() {
    return examples;
  }

  public int truncated() {
    return truncated;
  }

  public int skipped() {
    return skipped;
  }

  public int kept() {
    return examples - skipped;
  }

  public long tokens() {
    return tokens;
  }

  public long trainedTokens() {
    return trainedTokens;
  }

  @Override
  public String toString() {
    return examples + " examples, " + truncated + " truncated to max_seq_length, " + skipped
        + " skipped (no trainable token left), " + tokens + " tokens (" + trainedTokens
        + " trained)";
  }
}
