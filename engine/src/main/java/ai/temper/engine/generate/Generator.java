package ai.temper.engine.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.temper.engine.Devices;
import ai.temper.engine.NativeMemory;
import ai.temper.engine.TemperException;
import ai.temper.engine.TorchRuntime;
import ai.temper.engine.model.DecodeSession;
import ai.temper.engine.model.LlamaConfig;
import ai.temper.engine.model.LlamaModel;
import ai.temper.engine.tokenizer.Tokenizer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Generates text from a model: batches of prompts (left-padded, so each row gives the tokens
 * it would give alone), greedy or seeded sampling, stop tokens and stop strings, streaming.
 */
public final class Generator {
  private final LlamaModel model;
  private final Tokenizer tokenizer;
  private boolean kvCache = true;
  private int maxBatch = 32;
  /** Thread-count tuners per batch size, kept across calls. */
  private final Map<Integer, ThreadTuner> tuners = new HashMap<>();
  private int threadCap = Integer.MAX_VALUE;

  /** {@code tokenizer} may be null for id-level generation (no text, no stop strings). */
  public Generator(LlamaModel model, Tokenizer tokenizer) {
    this.model = model;
    this.tokenizer = tokenizer;
  }

  /** With the KV cache (default) or recomputing the full forward every step (benchmarks). */
  public Generator kvCache(boolean on) {
    this.kvCache = on;
    return this;
  }

  /**
   * At most {@code n} intra-op threads while the thread count is automatic (an explicit
   * TEMPER_THREADS / --threads wins): an interactive caller leaves a core to the GUI.
   */
  public Generator maxThreads(int n) {
    if (n <= 0) {
      throw new IllegalArgumentException("maxThreads must be positive");
    }
    this.threadCap = n;
    tuners.clear();
    return this;
  }

  /** Prompts per decoding batch; longer requests run in several batches. */
  public Generator maxBatch(int n) {
    if (n <= 0) {
      throw new IllegalArgumentException("maxBatch must be positive");
    }
    this.maxBatch = n;
    return this;
  }

  public Generation generate(String prompt, SamplingParams params) {
    return generate(List.of(prompt), params, TokenListener.NONE).get(0);
  }

  /** Encodes each prompt with BOS and generates a completion for each. */
  public List<Generation> generate(List<String> prompts, SamplingParams params,
      TokenListener listener) {
    requireTokenizer();
    List<int[]> ids = new ArrayList<>();
    for (String p : prompts) {
      ids.add(tokenizer.encode(p, true));
    }
    return generateIds(ids, params, listener);
  }

  /** Generates from prompts given as token ids (BOS included if wanted). */
  public List<Generation> generateIds(List<int[]> prompts, SamplingParams params,
      TokenListener listener) {
    if (!params.stopStrings().isEmpty()) {
      requireTokenizer();
    }
    long seed = params.seed() != null ? params.seed() : new Random().nextLong();
    List<Generation> out = new ArrayList<>();
    synchronized (model) {
      for (int from = 0; from < prompts.size(); from += maxBatch) {
        List<int[]> chunk = prompts.subList(from, Math.min(prompts.size(), from + maxBatch));
        DecodeBatch batch = new DecodeBatch(chunk, from, params, listener, seed);
        int before = JniUtils.getNumThreads();
        try {
          out.addAll(batch.run());
        } finally {
          JniUtils.setNumThreads(before);
        }
      }
    }
    return out;
  }

  /** Multiply-adds of one decode step of {@code rows} rows (embedding lookups excluded). */
  private long stepMacs(int rows) {
    LlamaConfig c = model.config();
    long untiedEmbedding = c.tieWordEmbeddings() ? 0 : (long) c.vocabSize() * c.hiddenSize();
    return rows * (c.parameterCount() - untiedEmbedding);
  }

  private void requireTokenizer() {
    if (tokenizer == null) {
      throw new IllegalStateException("this generator has no tokenizer");
    }
  }

  /** Prompts decoded together, step by step (the training batch is train.Batch). */
  private final class DecodeBatch {
    private final Row[] rows;
    private final SamplingParams params;
    private final TokenListener listener;
    private final Sampler sampler;
    private final Set<Integer> stopIds = new HashSet<>();
    private final int maxPrompt;
    private final int pad;
    private final ThreadTuner tuner;
    private int threadsNow;
    /** The probabilities of a step, for top-k/top-p (kept across steps). */
    private float[] copy;

    DecodeBatch(List<int[]> prompts, int offset, SamplingParams params, TokenListener listener,
        long seed) {
      this.params = params;
      this.listener = listener;
      this.sampler = new Sampler(params.topK(), params.topP());
      int maxPositions = model.config().maxPositionEmbeddings();
      rows = new Row[prompts.size()];
      int longest = 0;
      for (int b = 0; b < rows.length; b++) {
        int[] p = prompts.get(b);
        if (p.length == 0) {
          throw new IllegalArgumentException("prompt " + (offset + b) + " has no tokens "
              + "(encode with BOS)");
        }
        if (p.length > maxPositions) {
          throw new TemperException("prompt " + (offset + b) + " has "
              + p.length + " tokens, more than the model's " + maxPositions + " positions");
        }
        // the last chosen token is never run, so it needs no position of its own
        int limit = Math.min(params.newTokenLimit(p.length), maxPositions - p.length + 1);
        rows[b] = new Row(offset + b, p, limit, new Random(seed + offset + b));
        longest = Math.max(longest, p.length);
      }
      maxPrompt = longest;
      if (!params.ignoreEos()) {
        int eos = tokenizer != null ? tokenizer.eosId() : model.config().eosTokenId();
        if (eos >= 0) {
          stopIds.add(eos);
        }
        if (tokenizer != null) {
          stopIds.addAll(tokenizer.stopIds());
        }
        stopIds.addAll(model.config().eosTokenIds()); // every eos_token_id of config.json
        stopIds.addAll(params.stopIds());
      }
      pad = tokenizer != null ? tokenizer.padId() : Math.max(0, model.config().eosTokenId());
      tuner = tuners.computeIfAbsent(rows.length, k -> !TorchRuntime.isAutomatic()
          ? ThreadTuner.fixed(TorchRuntime.threads())
          : stepMacs(k) < ThreadTuner.SMALL_STEP_MACS ? ThreadTuner.fixed(1)
          : ThreadTuner.upTo(Math.min(threadCap, TorchRuntime.threads())));
      threadsNow = JniUtils.getNumThreads();
    }

    private void useThreads(int threads) {
      if (threads != threadsNow) {
        JniUtils.setNumThreads(threads);
        threadsNow = threads;
      }
    }

    /** Runs one decode step on the thread count the tuner picks, and tells it the time. */
    private NDArray timed(Supplier<NDArray> step) {
      useThreads(tuner.next());
      long t0 = System.nanoTime();
      NDArray logits = step.get();
      tuner.record(System.nanoTime() - t0);
      return logits;
    }

    List<Generation> run() {
      int steps = 0;
      for (Row r : rows) {
        steps = Math.max(steps, r.limit);
        if (r.limit == 0) {
          r.finish = FinishReason.LENGTH;
        }
      }
      if (steps > 0) {
        decode(steps);
      }
      List<Generation> out = new ArrayList<>();
      for (Row r : rows) {
        out.add(r.result());
      }
      return out;
    }

    private void decode(int steps) {
      int b = rows.length;
      int capacity = maxPrompt + steps;
      // rows with equal prompts (a GRPO group) share one prefill: a prefix cache
      int[] source = new int[b];
      List<int[]> unique = new ArrayList<>();
      Map<IntBuffer, Integer> seen = new HashMap<>();
      for (int i = 0; i < b; i++) {
        int[] p = rows[i].prompt;
        source[i] = seen.computeIfAbsent(IntBuffer.wrap(p), k -> {
          unique.add(p);
          return unique.size() - 1;
        });
      }
      boolean share = kvCache && unique.size() < b && model.fastDecodes(capacity);
      List<int[]> prefilled = new ArrayList<>();
      if (share) {
        prefilled.addAll(unique);
      } else {
        for (Row r : rows) {
          prefilled.add(r.prompt);
        }
      }
      int n = prefilled.size();
      int[][] tokens = new int[n][maxPrompt];
      boolean[][] real = new boolean[n][maxPrompt];
      for (int i = 0; i < n; i++) {
        int[] p = prefilled.get(i);
        int padding = maxPrompt - p.length;
        Arrays.fill(tokens[i], 0, padding, pad);
        System.arraycopy(p, 0, tokens[i], padding, p.length);
        Arrays.fill(real[i], padding, maxPrompt, true);
      }
      useThreads(tuner.preferred()); // the prefill is not timed: it is no typical step
      DecodeSession pooled = kvCache ? model.pooledSession(b, capacity) : null;
      DecodeSession session = pooled;
      try (NDManager manager = Devices.newManager()) {
        List<int[]> history = new ArrayList<>(); // no-cache mode: every fed column
        NDArray logits;
        if (session != null && share) {
          try (DecodeSession first = model.newSession(n, maxPrompt)) {
            NDArray once = first.prefill(tokens, real, manager, false);
            session.copyRows(first, source);
            logits = DecodeSession.selectRows(once, source, manager);
            once.close();
          }
        } else if (session != null) {
          logits = session.prefill(tokens, real, manager, false);
        } else {
          for (int t = 0; t < maxPrompt; t++) {
            int[] col = new int[b];
            for (int i = 0; i < b; i++) {
              col[i] = tokens[i][t];
            }
            history.add(col);
          }
          logits = fullForwardLogits(history, real, manager);
        }
        int[] live = new int[b]; // session row -> row
        for (int i = 0; i < b; i++) {
          live[i] = i;
        }
        for (int done = 0; ; done++) {
          int[] next;
          // a step's tensors are allocated and freed inside decode-step windows
          try (NativeMemory.Window heap = NativeMemory.decodeStep();
              NDManager step = manager.newSubManager()) {
            logits.attach(step); // freed with what pick() derives from it
            next = pick(logits, live);
          }
          int alive = 0;
          for (int k = 0; k < live.length; k++) {
            Row r = rows[live[k]];
            if (r.finish == null) {
              r.accept(next[k]);
            }
            if (r.finish == null) {
              alive++;
            } else {
              next[k] = pad;
            }
          }
          if (alive == 0) {
            return;
          }
          // finished rows leave the batch once a quarter of it is done and steps remain
          if (session != null && alive <= live.length * 3 / 4 && steps - done > 4
              && model.fastDecodes(capacity)) {
            int[] keep = new int[alive];
            int[] fed = new int[alive];
            int[] rowsLeft = new int[alive];
            for (int k = 0, j = 0; k < live.length; k++) {
              if (rows[live[k]].finish == null) {
                keep[j] = k;
                fed[j] = next[k];
                rowsLeft[j++] = live[k];
              }
            }
            DecodeSession smaller = model.newSession(alive, capacity);
            if (smaller.canCopyRows(session)) {
              smaller.copyRows(session, keep);
              if (session != pooled) {
                session.close();
              }
              session = smaller;
              next = fed;
              live = rowsLeft;
            } else {
              smaller.close();
            }
          }
          if (session != null) {
            int[] fed = next;
            DecodeSession s = session;
            try (NativeMemory.Window heap = NativeMemory.decodeStep()) {
              logits = timed(() -> s.step(fed, manager));
            }
          } else {
            history.add(next);
            logits = timed(() -> {
              try (NDManager step = manager.newSubManager()) {
                NDArray l = fullForwardLogits(history, real, step);
                l.attach(manager);
                return l;
              }
            });
          }
        }
      } finally {
        if (session != null && session != pooled) {
          session.close();
        }
      }
    }

    /** Logits of the last position from a forward over everything so far (no cache). */
    private NDArray fullForwardLogits(List<int[]> history, boolean[][] promptReal,
        NDManager m) {
      int b = rows.length;
      int t = history.size();
      int[] ids = new int[b * t];
      int[] mask = new int[b * t];
      for (int j = 0; j < t; j++) {
        int[] col = history.get(j);
        for (int i = 0; i < b; i++) {
          ids[i * t + j] = col[i];
          mask[i * t + j] = j >= maxPrompt || promptReal[i][j] ? 1 : 0;
        }
      }
      NDArray hidden = model.hiddenStates(m.create(ids, new Shape(b, t)),
          m.create(mask, new Shape(b, t)));
      return model.logits(hidden.get(new NDIndex(":, -1, :")));
    }

    /**
     * The next token of each session row ({@code live[k]} is its row). Sampling takes the
     * softmax in libtorch and reads the probabilities (B x vocab) where they lie, through a
     * direct buffer; each row draws with its own seeded generator, so a row's tokens do not
     * depend on the rows beside it. Without a top-k/top-p cut libtorch also sums blocks of
     * {@link Sampler#BLOCK} probabilities, and each row reads its blocks' sums and one block
     * ({@link Sampler#drawBlocked}). Measured at 128 x 32000 on one thread: softmax 3.2 ms,
     * block sums 1.1 ms, the draws 0.1 ms a step, where copying the probabilities to a Java
     * array and scanning them took 9 ms more (an inverse-CDF draw on the tensor side, with
     * cumsum, about 14 ms: cumsum is not vectorised on the CPU).
     */
    private int[] pick(NDArray logits, int[] live) {
      int b = live.length;
      int[] next = new int[b];
      if (params.isGreedy()) {
        long[] ids = logits.argMax(1).toLongArray();
        for (int i = 0; i < b; i++) {
          next[i] = (int) ids[i];
        }
        return next;
      }
      NDArray scaled = params.temperature() == 1.0 ? logits : logits.div(params.temperature());
      PtNDArray probs = (PtNDArray) scaled.softmax(1);
      int vocab = (int) logits.getShape().get(1);
      // softmax's result is contiguous: the buffer is a view of it, valid while it lives
      FloatBuffer view = probs.toByteBuffer(true).asFloatBuffer();
      if (sampler.cuts(vocab)) {
        if (copy == null || copy.length < b * vocab) {
          copy = new float[b * vocab];
        }
        view.get(0, copy, 0, b * vocab);
        for (int i = 0; i < b; i++) {
          if (rows[live[i]].finish == null) {
            next[i] = sampler.sample(copy, i * vocab, vocab, rows[live[i]].rng);
          }
        }
        return next;
      }
      int blocks = vocab / Sampler.BLOCK;
      float[] sums = new float[0];
      if (blocks > 0) {
        PtNDArray whole = blocks * Sampler.BLOCK == vocab ? probs
            : JniUtils.slice(probs, 1, 0, (long) blocks * Sampler.BLOCK, 1);
        sums = JniUtils.sum(JniUtils.reshape(whole, new long[] {b, blocks, Sampler.BLOCK}),
            new long[] {2}, false).toFloatArray();
      }
      for (int i = 0; i < b; i++) {
        if (rows[live[i]].finish == null) {
          next[i] = Sampler.drawBlocked(view, i * vocab, vocab, sums, i * blocks,
              rows[live[i]].rng);
        }
      }
      return next;
    }

    /** One prompt's progress. */
    private final class Row {
      final int index;
      final int[] prompt;
      final int limit;
      final Random rng;
      final List<Integer> generated = new ArrayList<>();
      final Tokenizer.StreamDecoder decoder;
      final StringBuilder completion = new StringBuilder();
      int emitted;
      int stopAt = -1;
      FinishReason finish;

      Row(int index, int[] prompt, int limit, Random rng) {
        this.index = index;
        this.prompt = prompt;
        this.limit = limit;
        this.rng = rng;
        this.decoder = tokenizer == null ? null : tokenizer.newStreamDecoder();
        if (decoder != null) {
          for (int id : prompt) {
            decoder.push(id); // primes the decoder (BOS rule, pending UTF-8 bytes)
          }
        }
      }

      void accept(int id) {
        generated.add(id);
        if (decoder != null) {
          completion.append(decoder.push(id));
        }
        if (stopIds.contains(id)) {
          finish = FinishReason.EOS;
        } else if (findStopString()) {
          finish = FinishReason.STOP_STRING;
        } else if (generated.size() >= limit) {
          finish = FinishReason.LENGTH;
        }
        String piece = completion.substring(emitted, visibleEnd());
        emitted += piece.length();
        if (!listener.onToken(index, id, piece) && finish == null) {
          finish = FinishReason.STOPPED;
        }
      }

      private boolean findStopString() {
        int best = -1;
        for (String s : params.stopStrings()) {
          int at = completion.indexOf(s, Math.max(0, emitted - s.length()));
          if (at >= 0 && (best < 0 || at < best)) {
            best = at;
          }
        }
        stopAt = best;
        return best >= 0;
      }

      /** How much of the completion can be shown: all but a possible stop string's start. */
      private int visibleEnd() {
        if (stopAt >= 0) {
          return stopAt;
        }
        int end = completion.length();
        if (finish != null) {
          return end;
        }
        int hold = 0;
        for (String s : params.stopStrings()) {
          for (int k = Math.min(s.length() - 1, end - emitted); k > hold; k--) {
            if (completion.substring(end - k).equals(s.substring(0, k))) {
              hold = k;
              break;
            }
          }
        }
        return end - hold;
      }

      Generation result() {
        int[] gen = generated.stream().mapToInt(Integer::intValue).toArray();
        FinishReason reason = finish == null ? FinishReason.LENGTH : finish;
        if (tokenizer == null) {
          return new Generation(prompt, gen, null, null, reason);
        }
        int[] all = Arrays.copyOf(prompt, prompt.length + gen.length);
        System.arraycopy(gen, 0, all, prompt.length, gen.length);
        String full = tokenizer.decode(all);
        String promptText = tokenizer.decode(prompt);
        String comp = full.startsWith(promptText) ? full.substring(promptText.length())
            : tokenizer.decode(gen);
        if (stopAt >= 0) {
          int cut = -1;
          for (String s : params.stopStrings()) {
            int at = comp.indexOf(s);
            if (at >= 0 && (cut < 0 || at < cut)) {
              cut = at;
            }
          }
          if (cut >= 0) {
            comp = comp.substring(0, cut);
          }
        }
        String text = full.startsWith(promptText) ? promptText + comp : full;
        return new Generation(prompt, gen, text, comp, reason);
      }
    }
  }
}
