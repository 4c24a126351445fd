package ai.temper.engine.chat;

import ai.temper.engine.TemperException;
import ai.temper.engine.tokenizer.HfTokenizer;
import ai.temper.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * A model's chat template (the Jinja source from tokenizer_config.json or
 * chat_template.jinja), rendered as transformers' {@code apply_chat_template} renders it with
 * jinja2's ImmutableSandboxedEnvironment: trim_blocks and lstrip_blocks on, one trailing
 * newline of the source dropped, the context holding {@code messages} (every field of each
 * message: {@code tool_calls}, {@code reasoning_content}, list-of-parts {@code content}),
 * {@code tools} and {@code documents} (None unless given), {@code add_generation_prompt},
 * {@code bos_token}, {@code eos_token} and any extra variables; {@code raise_exception}
 * (its message becomes the error), {@code strftime_now}, {@code namespace}, {@code range},
 * Python-style {@code tojson}, Python str and dict methods, Python printing of booleans,
 * None, lists and dicts, and the {@code generation} block tag are provided. The interpreter
 * is Temper's own ({@link JinjaParser}, {@link JinjaRenderer}); its conformance with jinja2
 * is checked against renderings made by jinja2 itself (test resources
 * {@code chat-templates/}).
 *
 * <p>Sandbox: templates come with downloaded models, so a template sees only the plain
 * values handed to it (strings, numbers, booleans, lists, dicts; never Java objects), cannot
 * load files or other templates ({@code include}, {@code import}, {@code from},
 * {@code extends} are refused), cannot modify lists or dicts, and runs within {@link Limits}:
 * <ul>
 *   <li>a render deadline ({@link Limits#timeout}, default {@link #DEFAULT_TIMEOUT}): a
 *       template still running when it passes stops with "chat template: took longer
 *       than ...";
 *   <li>a cancellation check ({@link Limits#cancelled}, default: the rendering thread was
 *       interrupted), polled as often as the deadline (every 256 steps of the interpreter);
 *   <li>an output size ({@link Limits#maxOutputChars}, default {@link #MAX_OUTPUT});
 *   <li>fixed: {@code range} up to 100,000 items (jinja2's sandbox limit) and macros nested
 *       at most 100 calls deep.
 * </ul>
 * {@link #withLimits} gives a copy with other limits; every render of that copy obeys them.
 *
 * <p>The default template for models without one is Tulu's
 * ({@code resources/templates/tulu.jinja}):
 * {@code <|user|>\n...\n<|assistant|>\n...</s>\n}.
 */
public final class ChatTemplate {
  /** Longest rendering accepted by default (characters). */
  public static final long MAX_OUTPUT = 4L << 20;
  /** How long one rendering may take by default. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  static final String TULU_RESOURCE = "/templates/tulu.jinja";

  /**
   * What bounds one rendering: a wall-clock {@code timeout}, a {@code maxOutputChars} size
   * and a {@code cancelled} check (true stops the rendering with an error).
   */
  public record Limits(Duration timeout, long maxOutputChars, BooleanSupplier cancelled) {
    public Limits {
      Objects.requireNonNull(timeout, "timeout");
      Objects.requireNonNull(cancelled, "cancelled");
      if (maxOutputChars <= 0) {
        throw new IllegalArgumentException("maxOutputChars must be positive");
      }
    }

    /** The defaults: {@link #DEFAULT_TIMEOUT}, {@link #MAX_OUTPUT}, thread interruption. */
    public static Limits defaults() {
      return new Limits(DEFAULT_TIMEOUT, MAX_OUTPUT,
          () -> Thread.currentThread().isInterrupted());
    }
  }

  private final String source;
  private final String bosToken;
  private final String eosToken;
  private final Limits limits;
  private List<JinjaParser.Node> parsed;
  private RuntimeException parseError;

  private ChatTemplate(String source, String bosToken, String eosToken, Limits limits) {
    // jinja2 (keep_trailing_newline=False) drops one trailing newline of the source
    this.source = source.endsWith("\n") ? source.substring(0, source.length() - 1) : source;
    this.bosToken = bosToken == null ? "" : bosToken;
    this.eosToken = eosToken == null ? "" : eosToken;
    this.limits = limits;
  }

  /** A template with the tokenizer's special token texts (null becomes ""). */
  public static ChatTemplate of(String source, String bosToken, String eosToken) {
    if (source == null || source.isBlank()) {
      throw new TemperException("empty chat template");
    }
    return new ChatTemplate(source, bosToken, eosToken, Limits.defaults());
  }

  /** This template rendered within other limits. */
  public ChatTemplate withLimits(Limits newLimits) {
    ChatTemplate t = new ChatTemplate(source, bosToken, eosToken,
        Objects.requireNonNull(newLimits, "limits"));
    t.parsed = parsed;
    t.parseError = parseError;
    return t;
  }

  public Limits limits() {
    return limits;
  }

  /** The Tulu template, the default for models that bring none. */
  public static ChatTemplate tulu(String bosToken, String eosToken) {
    return of(tuluSource(), bosToken, eosToken);
  }

  /** The source of the Tulu template from the class path. */
  public static String tuluSource() {
    return resource(TULU_RESOURCE);
  }

  /**
   * The templates {@code chat_template_name} can name: open-instruct's built-ins (its
   * {@code CHAT_TEMPLATES}: tulu, zephyr, olmo, the thinker and r1 variants, ...), plus
   * {@code chatml} and {@code llama3}; each in {@code resources/templates/NAME.jinja}.
   */
  public static final List<String> BUILTIN = List.of("tulu", "zephyr", "olmo", "chatml",
      "llama3", "simple_concat_with_space", "simple_concat_with_new_line", "simple_chat",
      "assistant_message_only", "tulu_thinker", "tulu_thinker_r1_style", "olmo_old",
      "olmo_thinker", "olmo_thinker_no_think_7b", "olmo_thinker_remove_intermediate_thinking",
      "olmo_thinker_no_think_sft_tokenization", "olmo_thinker_rlzero",
      "olmo_thinker_code_rlzero", "r1_simple_chat", "r1_simple_chat_postpend_think",
      "r1_simple_chat_postpend_think_orz_style", "r1_simple_chat_postpend_think_tool_vllm",
      "qwen_instruct_user_boxed_math");

  /** A built-in template by name (see {@link #BUILTIN}). */
  public static ChatTemplate builtin(String name, String bosToken, String eosToken) {
    if (!BUILTIN.contains(name)) {
      throw new TemperException("no built-in chat template '" + name + "' (built-in: "
          + String.join(", ", BUILTIN) + ")");
    }
    return of(resource("/templates/" + name + ".jinja"), bosToken, eosToken);
  }

  private static String resource(String path) {
    try (InputStream in = ChatTemplate.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new TemperException("class path resource " + path + " is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new TemperException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * The template to use with {@code tokenizer}: the model's own when it has one, else Tulu's;
   * BOS/EOS texts from the tokenizer ("<s>"/"</s>" for llama2.c-style vocabularies).
   */
  public static ChatTemplate forTokenizer(Tokenizer tokenizer) {
    if (tokenizer instanceof HfTokenizer hf) {
      String src = hf.chatTemplate().orElseGet(ChatTemplate::tuluSource);
      return of(src, hf.bosToken(), hf.eosToken());
    }
    return tulu(tokenText(tokenizer, tokenizer.bosId(), "<s>"),
        tokenText(tokenizer, tokenizer.eosId(), "</s>"));
  }

  private static String tokenText(Tokenizer t, int id, String fallback) {
    if (id < 0) {
      return "";
    }
    String s = t.tokenText(id).strip();
    return s.isEmpty() ? fallback : s;
  }

  public String source() {
    return source;
  }

  public String bosToken() {
    return bosToken;
  }

  public String eosToken() {
    return eosToken;
  }

  /** Renders {@code messages}; with the generation prompt when {@code addGenerationPrompt}. */
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
    return render(messages, addGenerationPrompt, Map.of());
  }

  /** Renders with extra template variables (e.g. {@code date_string}, {@code tools}). */
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt,
      Map<String, ?> extra) {
    return renderMessages(messages, addGenerationPrompt, extra);
  }

  /**
   * Renders messages given as {@link ChatMessage}s, maps or Jackson nodes, with every field
   * they carry ({@code tool_calls}, {@code reasoning_content}, list-of-parts {@code content},
   * ...) visible to the template, as transformers passes its message dicts.
   */
  public String renderMessages(List<?> messages, boolean addGenerationPrompt,
      Map<String, ?> extra) {
    Map<String, Object> ctx = new LinkedHashMap<>();
    ctx.put("tools", null); // transformers always passes tools and documents (None)
    ctx.put("documents", null);
    for (var e : extra.entrySet()) {
      ctx.put(e.getKey(), plain(e.getValue(), 0));
    }
    List<Object> msgs = new ArrayList<>();
    for (Object m : messages) {
      msgs.add(plain(m, 1));
    }
    ctx.put("messages", msgs);
    ctx.put("add_generation_prompt", addGenerationPrompt);
    ctx.put("bos_token", bosToken);
    ctx.put("eos_token", eosToken);
    List<JinjaParser.Node> tree = tree();
    Duration timeout = limits.timeout();
    JinjaRenderer r = new JinjaRenderer(System.nanoTime() + timeout.toNanos(),
        limits.cancelled(), limits.maxOutputChars(),
        "took longer than " + timeout.toMillis() + " ms; stopped");
    try {
      return r.render(tree, ctx, GLOBALS);
    } catch (JinjaRenderer.Raised e) {
      throw new TemperException("chat template: " + e.getMessage() + at(r.line()));
    } catch (JinjaRenderer.LimitExceeded e) {
      throw new TemperException("chat template: " + e.getMessage());
    } catch (Py.PyError | ArithmeticException | ClassCastException | IndexOutOfBoundsException
        | NumberFormatException e) {
      throw new TemperException("chat template: " + e.getMessage() + at(r.line()), e);
    } catch (StackOverflowError e) {
      throw new TemperException("chat template: nested too deeply" + at(r.line()));
    }
  }

  private static String at(int line) {
    return line > 0 ? " (line " + line + ")" : "";
  }

  private synchronized List<JinjaParser.Node> tree() {
    if (parsed == null && parseError == null) {
      try {
        parsed = JinjaParser.parse(source);
      } catch (JinjaLexer.JinjaError e) {
        parseError = new TemperException("chat template: syntax error: " + e.getMessage()
            + at(e.line));
      } catch (RuntimeException e) {
        parseError = new TemperException("chat template: syntax error: " + e.getMessage());
      }
    }
    if (parseError != null) {
      throw parseError;
    }
    return parsed;
  }

  private static final Map<String, Object> GLOBALS = globals();

  private static Map<String, Object> globals() {
    Map<String, Object> g = JinjaRenderer.builtinGlobals();
    g.put("raise_exception", (Py.Callable) (args, kw) -> {
      throw new JinjaRenderer.Raised(args.isEmpty() ? "" : Py.str(args.get(0)));
    });
    g.put("strftime_now", (Py.Callable) (args, kw) ->
        strftime(ZonedDateTime.now(), args.isEmpty() ? "" : Py.str(args.get(0))));
    return Map.copyOf(g);
  }

  /** Copies a context value into plain maps, lists, strings, longs, doubles and booleans. */
  static Object plain(Object v, int depth) {
    if (depth > 64) {
      throw new TemperException("chat template variables are nested too deeply");
    }
    if (v == null || v instanceof String || v instanceof Boolean || v instanceof Long
        || v instanceof Double) {
      return v;
    }
    if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    if (v instanceof ChatMessage m) {
      return m.toTemplateValue();
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), plain(x, depth + 1)));
      return out;
    }
    if (v instanceof Collection<?> c) {
      List<Object> out = new ArrayList<>();
      c.forEach(x -> out.add(plain(x, depth + 1)));
      return out;
    }
    if (v instanceof com.fasterxml.jackson.databind.JsonNode n) {
      return fromJson(n, depth);
    }
    return v.toString();
  }

  private static Object fromJson(com.fasterxml.jackson.databind.JsonNode n, int depth) {
    if (depth > 64) {
      throw new TemperException("chat template variables are nested too deeply");
    }
    if (n == null || n.isNull() || n.isMissingNode()) {
      return null;
    } else if (n.isTextual()) {
      return n.asText();
    } else if (n.isBoolean()) {
      return n.booleanValue();
    } else if (n.isIntegralNumber()) {
      return n.longValue();
    } else if (n.isNumber()) {
      return n.doubleValue();
    } else if (n.isArray()) {
      List<Object> out = new ArrayList<>();
      n.forEach(x -> out.add(fromJson(x, depth + 1)));
      return out;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    n.fields().forEachRemaining(e -> out.put(e.getKey(), fromJson(e.getValue(), depth + 1)));
    return out;
  }

  /**
   * Renders {@code messages} and says which characters belong to which message, for
   * assistant-only loss masks.
   *
   * <p>Method: chat templates render a conversation left to right, so rendering the first i
   * messages gives a prefix of the full text; the text between the prefix ending after
   * message i-1 and the prefix ending after message i belongs to message i. For an assistant
   * message the generation prompt ({@code <|assistant|>\n}) is not its own: its span starts
   * where rendering messages 0..i-1 with {@code add_generation_prompt} ends. So an assistant
   * span holds the reply and what the template closes it with (EOS, {@code <|im_end|>}),
   * which the model must learn to produce.
   *
   * <p>Two turns of the same role in a row (HH-RLHF transcripts hold them): templates that
   * close a message differently when it is the last one (Tulu's ends the last assistant
   * message without its newline) render the generation prompt straight after that closing,
   * which is then not a prefix of the whole conversation. There the generation prompt is
   * taken as the difference between the renderings with and without it, and looked for at the
   * start of the message's own span. A template that rewrites earlier text when more messages
   * follow, or rejects the conversation ({@code raise_exception}), fails with an
   * {@link UnrenderableConversationException} rather than giving a wrong mask.
   */
  public Rendered renderWithSpans(List<ChatMessage> messages, boolean addGenerationPrompt) {
    try {
      return spans(messages, addGenerationPrompt);
    } catch (UnrenderableConversationException e) {
      throw e;
    } catch (TemperException e) { // the template rejected the conversation
      throw new UnrenderableConversationException(e.getMessage());
    }
  }

  private Rendered spans(List<ChatMessage> messages, boolean addGenerationPrompt) {
    String full = render(messages, addGenerationPrompt);
    List<Span> spans = new ArrayList<>();
    int start = 0;
    String before = ""; // messages 0..i-1 rendered without the generation prompt
    for (int i = 0; i < messages.size(); i++) {
      String upTo = i == messages.size() - 1 && !addGenerationPrompt ? full
          : render(messages.subList(0, i + 1), false);
      int end = prefixLength(full, upTo, i + 1);
      int msgStart = start;
      if (messages.get(i).isAssistant() && i > 0) {
        msgStart = contentStart(full, before, render(messages.subList(0, i), true), start, end,
            i);
      }
      if (msgStart < start || end < msgStart) {
        throw new UnrenderableConversationException("chat template: message " + (i + 1)
            + " does not render after the messages before it; cannot tell which tokens are "
            + "the assistant's");
      }
      spans.add(new Span(i, messages.get(i).role(), start, msgStart, end));
      start = end;
      before = upTo;
    }
    return new Rendered(full, spans);
  }

  /**
   * Where assistant message {@code i} (spanning {@code [start, end)} of {@code full}) begins
   * after its generation prompt: the end of {@code withPrompt} when that is a prefix of the
   * whole text, else the end of the generation prompt ({@code withPrompt} less
   * {@code before}) found in the message's own span.
   */
  private static int contentStart(String full, String before, String withPrompt, int start,
      int end, int i) {
    if (full.startsWith(withPrompt)) {
      return withPrompt.length();
    }
    if (withPrompt.startsWith(before)) {
      String prompt = withPrompt.substring(before.length());
      int at = full.indexOf(prompt, start);
      if (at >= 0 && at + prompt.length() <= end) {
        return at + prompt.length();
      }
    }
    throw new UnrenderableConversationException("chat template: the generation prompt before "
        + "message " + (i + 1) + " (an assistant turn) is not where the whole conversation "
        + "renders it; cannot tell which tokens are the assistant's");
  }

  private static int prefixLength(String full, String prefix, int count) {
    if (!full.startsWith(prefix)) {
      throw new UnrenderableConversationException("chat template: rendering the first " + count
          + " messages is not a prefix of the whole conversation; cannot tell which tokens are "
          + "the assistant's");
    }
    return prefix.length();
  }

  /**
   * A conversation the template cannot render with a loss mask (it rejects it, or renders
   * earlier messages differently when more follow). Training skips and counts such examples.
   */
  public static final class UnrenderableConversationException extends TemperException {
    public UnrenderableConversationException(String message) {
      super(message);
    }
  }

  /**
   * Characters of one message in the rendered text: {@code [start, end)} in all,
   * {@code [contentStart, end)} the part the message itself produced (for an assistant
   * message, everything after the generation prompt).
   */
  public record Span(int message, String role, int start, int contentStart, int end) {
    public boolean isAssistant() {
      return role.equals("assistant");
    }
  }

  /** A rendered conversation and its message spans, in order, covering the text. */
  public record Rendered(String text, List<Span> spans) {}

  /** {@code strftime_now(format)}: the local time in a Python strftime format. */
  public static String strftimeNow(String format) {
    return strftime(ZonedDateTime.now(), format);
  }

  static String strftime(ZonedDateTime t, String format) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if (c != '%' || i + 1 == format.length()) {
        sb.append(c);
        continue;
      }
      char d = format.charAt(++i);
      switch (d) {
        case 'd' -> sb.append(String.format("%02d", t.getDayOfMonth()));
        case 'e' -> sb.append(String.format("%2d", t.getDayOfMonth()));
        case 'm' -> sb.append(String.format("%02d", t.getMonthValue()));
        case 'Y' -> sb.append(t.getYear());
        case 'y' -> sb.append(String.format("%02d", t.getYear() % 100));
        case 'b' -> sb.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
        case 'B' -> sb.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
        case 'a' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
        case 'A' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
        case 'H' -> sb.append(String.format("%02d", t.getHour()));
        case 'I' -> sb.append(String.format("%02d", (t.getHour() + 11) % 12 + 1));
        case 'M' -> sb.append(String.format("%02d", t.getMinute()));
        case 'S' -> sb.append(String.format("%02d", t.getSecond()));
        case 'p' -> sb.append(t.getHour() < 12 ? "AM" : "PM");
        case 'j' -> sb.append(String.format("%03d", t.getDayOfYear()));
        case '%' -> sb.append('%');
        default -> sb.append('%').append(d);
      }
    }
    return sb.toString();
  }
}
