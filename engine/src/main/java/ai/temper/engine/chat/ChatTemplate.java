package ai.temper.engine.chat;

import ai.temper.engine.TemperException;
import ai.temper.engine.tokenizer.HfTokenizer;
import ai.temper.engine.tokenizer.Tokenizer;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jinjava.javax.el.CompositeELResolver;

/**
 * A model's chat template (the Jinja source from tokenizer_config.json or
 * chat_template.jinja), rendered as transformers' {@code apply_chat_template} renders it:
 * trim_blocks and lstrip_blocks on, one trailing newline of the source dropped, the context
 * holding {@code messages}, {@code add_generation_prompt}, {@code bos_token},
 * {@code eos_token} and any extra variables; {@code raise_exception}, {@code strftime_now},
 * Python-style {@code tojson}, Python str methods and the {@code generation} block tag are
 * provided.
 *
 * <p>Sandbox: templates come with downloaded models, so rendering may not read files or class
 * path resources ({@code include}, {@code import}, {@code from} and {@code extends} are
 * disabled and the resource locator refuses everything), sees only strings, numbers,
 * booleans, lists and maps built here (no Java objects), and is bounded in output size,
 * string and list sizes, {@code range} length and macro recursion.
 *
 * <p>The default template for models without one is Tulu's
 * ({@code resources/templates/tulu.jinja}):
 * {@code <|user|>\n...\n<|assistant|>\n...</s>\n}.
 */
public final class ChatTemplate {
  /** Longest rendering accepted (characters). */
  public static final long MAX_OUTPUT = 4L << 20;
  static final String TULU_RESOURCE = "/templates/tulu.jinja";
  private static final Jinjava JINJAVA = sandboxedJinjava();

  private final String source;
  private final String prepared;
  private final String bosToken;
  private final String eosToken;

  private ChatTemplate(String source, String bosToken, String eosToken) {
    // jinja2 (keep_trailing_newline=False) drops one trailing newline of the source
    this.source = source.endsWith("\n") ? source.substring(0, source.length() - 1) : source;
    this.prepared = JinjaWhitespace.apply(this.source);
    this.bosToken = bosToken == null ? "" : bosToken;
    this.eosToken = eosToken == null ? "" : eosToken;
  }

  /** A template with the tokenizer's special token texts (null becomes ""). */
  public static ChatTemplate of(String source, String bosToken, String eosToken) {
    if (source == null || source.isBlank()) {
      throw new TemperException("empty chat template");
    }
    return new ChatTemplate(source, bosToken, eosToken);
  }

  /** The Tulu template, the default for models that bring none. */
  public static ChatTemplate tulu(String bosToken, String eosToken) {
    return of(tuluSource(), bosToken, eosToken);
  }

  /** The source of the Tulu template from the class path. */
  public static String tuluSource() {
    try (InputStream in = ChatTemplate.class.getResourceAsStream(TULU_RESOURCE)) {
      if (in == null) {
        throw new TemperException("class path resource " + TULU_RESOURCE + " is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new TemperException("cannot read " + TULU_RESOURCE + ": " + e.getMessage(), e);
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
    Map<String, Object> ctx = new LinkedHashMap<>();
    for (var e : extra.entrySet()) {
      ctx.put(e.getKey(), plain(e.getValue(), 0));
    }
    List<Object> msgs = new ArrayList<>();
    for (ChatMessage m : messages) {
      Map<String, Object> mm = new LinkedHashMap<>();
      mm.put("role", m.role());
      mm.put("content", m.content());
      msgs.add(mm);
    }
    ctx.put("messages", msgs);
    ctx.put("add_generation_prompt", addGenerationPrompt);
    ctx.put("bos_token", bosToken);
    ctx.put("eos_token", eosToken);
    ctx.putIfAbsent("strftime_now", true); // so `strftime_now is defined` holds, as in HF
    RenderResult r;
    try {
      r = JINJAVA.renderForResult(prepared, ctx);
    } catch (RuntimeException e) {
      throw new TemperException("chat template failed: " + e.getMessage(), e);
    }
    for (TemplateError err : r.getErrors()) {
      if (isFailure(err)) {
        throw new TemperException("chat template: " + describe(err));
      }
    }
    return r.getOutput();
  }

  /** Fatal errors, and warnings that mean the output is wrong (limits hit, exceptions). */
  private static boolean isFailure(TemplateError err) {
    return err.getSeverity() == TemplateError.ErrorType.FATAL || switch (err.getReason()) {
      case EXCEPTION, DISABLED, OUTPUT_TOO_BIG, OVER_LIMIT, COLLECTION_TOO_BIG, BAD_URL -> true;
      default -> false;
    };
  }

  private static String describe(TemplateError err) {
    String msg = err.getMessage();
    Throwable cause = err.getException();
    while (cause != null) {
      if (cause instanceof TemplateRaisedException) {
        msg = cause.getMessage();
        break;
      }
      cause = cause.getCause();
    }
    if (msg != null && msg.contains(TemplateRaisedException.MARK)) {
      msg = msg.substring(msg.indexOf(TemplateRaisedException.MARK)
          + TemplateRaisedException.MARK.length());
    }
    return msg + (err.getLineno() > 0 ? " (line " + err.getLineno() + ")" : "");
  }

  /** Copies a context value into plain maps, lists, strings, numbers and booleans. */
  private static Object plain(Object v, int depth) {
    if (depth > 32) {
      throw new TemperException("chat template variables are nested too deeply");
    }
    if (v == null || v instanceof String || v instanceof Number || v instanceof Boolean) {
      return v;
    }
    if (v instanceof ChatMessage m) {
      Map<String, Object> mm = new LinkedHashMap<>();
      mm.put("role", m.role());
      mm.put("content", m.content());
      return mm;
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
      return plain(new com.fasterxml.jackson.databind.ObjectMapper().convertValue(n, Object.class),
          depth + 1);
    }
    return v.toString();
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

  // ---- the sandboxed engine --------------------------------------------------------------

  private static Jinjava sandboxedJinjava() {
    CompositeELResolver resolver = new CompositeELResolver();
    resolver.add(new PyStringMethods());
    resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
    Map<Context.Library, Set<String>> disabled = new EnumMap<>(Context.Library.class);
    disabled.put(Context.Library.TAG, Set.of("include", "import", "from", "extends"));
    JinjavaConfig config = JinjavaConfig.newBuilder()
        .withTrimBlocks(true)
        .withLstripBlocks(true)
        .withMaxOutputSize(MAX_OUTPUT)
        .withMaxStringLength(MAX_OUTPUT)
        .withMaxListSize(100_000)
        .withMaxMapSize(100_000)
        .withRangeLimit(100_000)
        .withMaxRenderDepth(10)
        .withEnableRecursiveMacroCalls(true)
        .withMaxMacroRecursionDepth(20)
        .withNestedInterpretationEnabled(false)
        .withFailOnUnknownTokens(false)
        .withDisabled(disabled)
        .withElResolver(resolver)
        .build();
    Jinjava j = new Jinjava(config);
    j.setResourceLocator((name, charset, interpreter) -> {
      throw new IOException("chat templates may not load other templates or files ('"
          + name + "')");
    });
    j.registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplate.class,
        "raiseException", String.class));
    j.registerFunction(new ELFunctionDefinition("", "strftime_now", ChatTemplate.class,
        "strftimeNow", String.class));
    j.registerFilter(new PyJsonFilter());
    j.registerTag(new GenerationTag());
    return j;
  }

  /** What the template's own {@code raise_exception(msg)} throws. */
  static final class TemplateRaisedException extends RuntimeException {
    static final String MARK = "template raised: ";

    TemplateRaisedException(String message) {
      super(MARK + message);
    }

    @Override
    public String getMessage() {
      return super.getMessage().substring(MARK.length());
    }
  }

  /** {@code raise_exception(message)}: templates reject conversations they cannot render. */
  public static String raiseException(String message) {
    throw new TemplateRaisedException(message);
  }

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

  /** {@code tojson} as transformers defines it: json.dumps(x, ensure_ascii=False[, indent]). */
  static final class PyJsonFilter implements Filter {
    @Override
    public String getName() {
      return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
      int indent = -1;
      if (args != null && args.length > 0 && args[0] != null && !args[0].isBlank()) {
        String a = args[0].replace("indent=", "").strip();
        indent = a.equals("None") ? -1 : Integer.parseInt(a);
      }
      StringBuilder sb = new StringBuilder();
      PyJson.write(sb, var, indent, 0);
      return sb.toString();
    }
  }

  /**
   * {@code {% generation %}...{% endgeneration %}}: transformers marks assistant text for
   * its own masks with it; here it just renders its body.
   */
  static final class GenerationTag implements Tag {
    @Override
    public String getName() {
      return "generation";
    }

    @Override
    public String getEndTagName() {
      return "endgeneration";
    }

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
      StringBuilder sb = new StringBuilder();
      for (Node child : tagNode.getChildren()) {
        sb.append(child.render(interpreter).getValue());
      }
      return sb.toString();
    }
  }
}
