package ai.temper.engine.train;

import java.util.ArrayList;
import java.util.List;

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
  private int unrenderable;
  private final List<String> unrenderableWhere = new ArrayList<>();

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

  /**
   * Counts one example skipped because the chat template cannot render it with a loss mask;
   * the first {@link #KEPT_REASONS} keep where they came from and why.
   */
  void unrenderable(String where, String why) {
    examples++;
    skipped++;
    unrenderable++;
    if (unrenderableWhere.size() < KEPT_REASONS) {
      unrenderableWhere.add(where + ": " + why);
    }
  }

  /** How many reasons of unrenderable examples are kept. */
  public static final int KEPT_REASONS = 20;

  /** Examples skipped because the chat template cannot render them with a loss mask. */
  public int unrenderable() {
    return unrenderable;
  }

  /** Where the first unrenderable examples came from and why ("dataset 'hh' #5: ..."). */
  public List<String> unrenderableExamples() {
    return List.copyOf(unrenderableWhere);
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
        + " skipped (" + (skipped - unrenderable) + " with no trainable token left, "
        + unrenderable + " the chat template cannot render), " + tokens + " tokens ("
        + trainedTokens + " trained)";
  }
}
