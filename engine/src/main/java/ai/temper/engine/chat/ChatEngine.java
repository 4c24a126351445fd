package ai.temper.engine.chat;

import ai.temper.engine.BlockingCheck;
import ai.temper.engine.TemperException;
import ai.temper.engine.generate.Generation;
import ai.temper.engine.generate.Generator;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.LoadedModel;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Chat replies from a loaded model: the conversation is rendered with the model's chat
 * template (Tulu's when it brings none), encoded as {@link ChatEncoder} does for training, and
 * continued by the {@link Generator} with streaming, stopping at EOS, the template's end-of-turn
 * texts and the user's stop strings, or when the job is cancelled.
 */
public final class ChatEngine implements AutoCloseable {
  /** Where the Tulu template's next turn would begin: a reply that writes it is over. */
  static final List<String> TULU_STOPS = List.of("<|user|>", "<|system|>");

  private final ModelCache models;
  private final int maxThreads;
  private final Semaphore slots;
  /** One generator per model, so its thread tuning is kept from reply to reply. */
  private final Map<LoadedModel, Generator> generators =
      Collections.synchronizedMap(new WeakHashMap<>());

  /**
   * @param maxThreads      intra-op threads per reply at most (0: as the runtime decides)
   * @param parallelReplies replies generated at once; more wait their turn (the two sides of
   *                        a comparison then take turns)
   */
  public ChatEngine(ModelCache models, int maxThreads, int parallelReplies) {
    if (maxThreads < 0 || parallelReplies < 1) {
      throw new IllegalArgumentException("maxThreads >= 0 and parallelReplies >= 1");
    }
    this.models = models;
    this.maxThreads = maxThreads;
    this.slots = new Semaphore(parallelReplies, true);
  }

  /** No thread cap; two replies at once (the two sides of a comparison). */
  public ChatEngine(ModelCache models) {
    this(models, 0, 2);
  }

  public ChatEngine() {
    this(new ModelCache());
  }

  /**
   * For the desktop: generation leaves one core to the GUI, so the window keeps drawing while
   * tokens stream. Each reply uses at most all cores but one, and the two sides of a
   * comparison generate together only when at least three cores leave room for it.
   */
  public static ChatEngine leavingACore(ModelCache models) {
    int cores = Runtime.getRuntime().availableProcessors();
    return new ChatEngine(models, Math.max(1, cores - 1), cores >= 3 ? 2 : 1);
  }

  public ModelCache models() {
    return models;
  }

  /** The model's own template with its tokenizer's BOS/EOS texts, or Tulu's. */
  public static ChatTemplate templateFor(LoadedModel m) {
    ChatTemplate own = ChatTemplate.forTokenizer(m.tokenizer());
    if (m.chatTemplate() != null && !m.chatTemplate().isBlank()
        && !m.chatTemplate().equals(own.source())) {
      return ChatTemplate.of(m.chatTemplate(), own.bosToken(), own.eosToken());
    }
    return own;
  }

  /** Whether {@code t} is the Tulu default. */
  public static boolean isTulu(ChatTemplate t) {
    return t.source().strip().equals(ChatTemplate.tuluSource().strip());
  }

  /**
   * Texts that end a reply for this template: with Tulu's, the start of a new user or system
   * turn (base models that never learnt EOS after a reply write one); other templates end
   * turns with special tokens the tokenizer already stops on.
   */
  public static List<String> templateStops(ChatTemplate t) {
    return isTulu(t) ? TULU_STOPS : List.of();
  }

  public static ChatEncoder encoderFor(LoadedModel m) {
    return new ChatEncoder(templateFor(m), m.tokenizer());
  }

  /** The conversation as the model sees it: rendered with the generation prompt. */
  public static String renderPrompt(LoadedModel m, List<ChatMessage> conversation) {
    return templateFor(m).render(conversation, true);
  }

  /** The prompt's token ids, exactly what {@link #reply} feeds the model. */
  public static int[] promptIds(LoadedModel m, List<ChatMessage> conversation) {
    return encoderFor(m).encodePrompt(conversation);
  }

  /** The sampling parameters {@link #reply} uses for {@code m}. */
  public static ai.temper.engine.generate.SamplingParams samplingParams(LoadedModel m,
      ChatSettings settings) {
    return settings.samplingParams(templateStops(templateFor(m)));
  }

  /**
   * Generates the assistant's next reply to {@code conversation} (system prompt first if
   * any, then the turns), streaming it to {@code listener}. Cancelling {@code ctx} stops it
   * after the current token; the reply then holds what was generated, with finish reason
   * STOPPED.
   */
  public ChatReply reply(LoadedModel m, List<ChatMessage> conversation, ChatSettings settings,
      ReplyListener listener, JobContext ctx) {
    BlockingCheck.check("chat reply");
    ChatEncoder encoder = encoderFor(m);
    int[] ids = encoder.encodePrompt(conversation);
    int positions = m.config().maxPositionEmbeddings();
    if (ids.length >= positions) {
      throw new TemperException("The conversation is " + ids.length + " tokens long, but the "
          + "model holds " + positions + " positions: start a new conversation, shorten the "
          + "system prompt or edit an earlier turn.");
    }
    var params = settings.samplingParams(templateStops(encoder.template()));
    Generator generator = generators.computeIfAbsent(m, k -> {
      Generator g = new Generator(k.model(), k.tokenizer());
      return maxThreads > 0 ? g.maxThreads(maxThreads) : g;
    });
    waitForSlot(ctx);
    try {
      return generate(generator, ids, params, listener, ctx);
    } finally {
      slots.release();
    }
  }

  private void waitForSlot(JobContext ctx) {
    boolean told = false;
    try {
      while (!slots.tryAcquire(100, TimeUnit.MILLISECONDS)) {
        ctx.checkCancelled();
        if (!told) {
          ctx.progress(-1, "waiting for the other reply");
          told = true;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CancellationException("interrupted");
    }
    if (told) {
      ctx.progress(-1, "generating");
    }
  }

  private static ChatReply generate(Generator generator, int[] ids,
      ai.temper.engine.generate.SamplingParams params, ReplyListener listener, JobContext ctx) {
    long start = System.nanoTime();
    long[] first = {0};
    int[] count = {0};
    Generation g = generator.generateIds(List.of(ids), params, (row, id, piece) -> {
      if (count[0]++ == 0) {
        first[0] = System.nanoTime();
      }
      listener.onPiece(piece, count[0]);
      return !ctx.isCancelled();
    }).get(0);
    long end = System.nanoTime();
    int n = g.completionIds().length;
    double seconds = (end - start) / 1e9;
    double decode = n >= 2 ? (n - 1) / ((end - first[0]) / 1e9) : Double.NaN;
    return new ChatReply(g.completion(), n, ids.length, seconds, n / seconds, decode,
        g.finishReason());
  }

  /** Closes the loaded models. */
  @Override
  public void close() {
    generators.clear();
    models.close();
  }
}
