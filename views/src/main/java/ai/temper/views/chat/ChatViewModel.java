package ai.temper.views.chat;

import ai.temper.engine.TemperException;
import ai.temper.engine.Workbench;
import ai.temper.engine.chat.ChatConversation;
import ai.temper.engine.chat.ChatConversation.Reply;
import ai.temper.engine.chat.ChatConversation.Turn;
import ai.temper.engine.chat.ChatEngine;
import ai.temper.engine.chat.ChatMessage;
import ai.temper.engine.chat.ChatReply;
import ai.temper.engine.chat.ChatSettings;
import ai.temper.engine.chat.ModelCache;
import ai.temper.engine.chat.Verdict;
import ai.temper.engine.data.DatasetKind;
import ai.temper.engine.jobs.Job;
import ai.temper.engine.jobs.JobHandle;
import ai.temper.engine.models.ModelLibrary;
import ai.temper.engine.store.ConversationRepository.Setup;
import ai.temper.engine.store.ConversationRepository.Summary;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import ai.temper.engine.store.ModelRepository.ModelRow;
import ai.temper.engine.store.RunRepository.Run;
import ai.temper.views.common.Fx;
import ai.temper.views.common.Lifecycle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import javafx.animation.AnimationTimer;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The Chat page: a conversation with one model, or with two side by side, saved as it goes.
 *
 * <p>Threads: every reply is a workbench job (kind "chat"), one per side. The engine lets
 * replies leave a core to the GUI (see {@link ChatEngine#leavingACore}): on two cores the two
 * sides of a comparison take turns, on more they generate together; the same model twice
 * always takes turns (a model generates for one caller at a time). Database work, the jobs'
 * records included, runs on the job runner's threads: the FX thread only updates controls.
 * Generated text reaches the FX thread in batches: the generating thread appends to a
 * buffer, and an {@link AnimationTimer} moves what has gathered into the bubbles at most
 * every {@link #FLUSH_INTERVAL_NANOS} (every second frame at 60 Hz), however fast tokens come.
 * The timer runs only while something streams.
 *
 * <p>All methods are called on the FX thread.
 */
public final class ChatViewModel implements Lifecycle {
  /**
   * Streamed text reaches the bubbles at most this often: every second frame at 60 Hz (about
   * 30 updates a second, smooth to read). Each update re-lays out and redraws the growing
   * bubble, which with software rendering costs a few milliseconds of the same cores that
   * generate the text.
   */
  static final long FLUSH_INTERVAL_NANOS = 25_000_000;

  /** Job kind of replies, and of model loading. */
  public static final String JOB_KIND = "chat";

  /** A model the pickers offer: a library entry, a run in progress, or a path opened. */
  public record ModelChoice(String label, Path path, Path tokenizer) {
    public ModelChoice {
      Objects.requireNonNull(path, "path");
      path = path.toAbsolutePath().normalize();
      tokenizer = tokenizer == null ? null : tokenizer.toAbsolutePath().normalize();
    }

    /** A file or folder opened by path (a llama2.c file finds its tokenizer beside it). */
    public static ModelChoice of(Path path) {
      Path name = path.toAbsolutePath().normalize().getFileName();
      return new ModelChoice(name == null ? path.toString() : name.toString(), path, null);
    }

    @Override
    public String toString() {
      return label;
    }
  }

  private final Workbench workbench;
  private final ChatEngine engine;
  private final ModelLibrary library;

  private final ObservableList<ModelChoice> models = FXCollections.observableArrayList();
  private final ObjectProperty<ModelChoice> leftModel = new SimpleObjectProperty<>();
  private final ObjectProperty<ModelChoice> rightModel = new SimpleObjectProperty<>();
  private final BooleanProperty sideBySide = new SimpleBooleanProperty();
  private final StringProperty systemPrompt = new SimpleStringProperty("");
  private final DoubleProperty temperature = new SimpleDoubleProperty();
  private final DoubleProperty topP = new SimpleDoubleProperty();
  private final IntegerProperty topK = new SimpleIntegerProperty();
  private final IntegerProperty maxNewTokens = new SimpleIntegerProperty();
  /** Blank: a fresh seed for every reply. */
  private final StringProperty seed = new SimpleStringProperty("");
  private final BooleanProperty ignoreEos = new SimpleBooleanProperty();
  private final StringProperty input = new SimpleStringProperty("");

  private final ObservableList<ChatItem> leftItems = FXCollections.observableArrayList();
  private final ObservableList<ChatItem> rightItems = FXCollections.observableArrayList();
  private final ObservableList<Summary> conversations = FXCollections.observableArrayList();
  private final ObservableList<DatasetInfo> preferenceDatasets =
      FXCollections.observableArrayList();
  private final ObjectProperty<DatasetInfo> dataset = new SimpleObjectProperty<>();
  private final ReadOnlyObjectWrapper<Long> conversationId = new ReadOnlyObjectWrapper<>();
  private final ReadOnlyBooleanWrapper generating = new ReadOnlyBooleanWrapper();
  private final ReadOnlyBooleanWrapper busy = new ReadOnlyBooleanWrapper();
  private final ReadOnlyBooleanWrapper judgeable = new ReadOnlyBooleanWrapper();
  private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper("");
  private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper("");

  private ChatConversation conversation;
  /** Speeds of the replies of the current launch, by side, for the status line. */
  private final Map<Integer, Double> speeds = new java.util.TreeMap<>();
  private int judgeIdx = -1;
  private boolean applying;
  private final List<Stream> streams = new ArrayList<>();
  private long frames;
  private long lastFlush;
  private final AnimationTimer pump = new AnimationTimer() {
    @Override
    public void handle(long now) {
      if (now - lastFlush >= FLUSH_INTERVAL_NANOS) {
        lastFlush = now;
        flush();
      }
    }
  };

  public ChatViewModel(Workbench workbench) {
    this(workbench, ChatEngine.leavingACore(new ModelCache(2)));
  }

  public ChatViewModel(Workbench workbench, ChatEngine engine) {
    this.workbench = workbench;
    this.engine = engine;
    this.library = new ModelLibrary(workbench);
    apply(ChatSettings.defaults());
    leftModel.addListener((obs, old, now) -> preload(now));
    rightModel.addListener((obs, old, now) -> {
      if (sideBySide.get()) {
        preload(now);
      }
    });
    sideBySide.addListener((obs, old, now) -> {
      if (!applying) {
        // a conversation is one model or a pair throughout: switching starts a new one
        newConversation();
        if (now) {
          preload(rightModel.get());
        }
      }
    });
  }

  // ------------------------------------------------------------------ lists

  /** Shown: the models, conversations and datasets may have changed. */
  @Override
  public void activate() {
    refresh();
  }

  /** Reloads the model choices, the saved conversations and the preference datasets. */
  public void refresh() {
    Fx.load(workbench.jobs(), () -> {
      List<ModelChoice> choices = new ArrayList<>();
      for (ModelRow m : library.list()) {
        if (!m.kind().equals("adapter")) {
          choices.add(new ModelChoice(m.name(), Path.of(m.path()),
              m.tokenizerPath() == null ? null : Path.of(m.tokenizerPath())));
        }
      }
      for (Run r : workbench.db().runs().list()) {
        if ("RUNNING".equals(r.status()) && r.outputDir() != null) {
          choices.add(new ModelChoice("Run " + (r.name() == null ? "#" + r.id() : r.name())
              + " (newest checkpoint)", Path.of(r.outputDir()), null));
        }
      }
      return new Lists(choices, workbench.db().conversations().list(), preferenceSets());
    }, lists -> {
      List<ModelChoice> keep = new ArrayList<>(lists.models());
      for (ModelChoice opened : models) {
        if (keep.stream().noneMatch(c -> c.path().equals(opened.path()))) {
          keep.add(opened); // opened by path this session
        }
      }
      models.setAll(keep);
      leftModel.set(same(leftModel.get()));
      rightModel.set(same(rightModel.get()));
      conversations.setAll(lists.conversations());
      setDatasets(lists.datasets());
    }, this::fail);
  }

  private record Lists(List<ModelChoice> models, List<Summary> conversations,
      List<DatasetInfo> datasets) {}

  private ModelChoice same(ModelChoice c) {
    if (c == null) {
      return null;
    }
    return models.stream().filter(m -> m.path().equals(c.path())).findFirst().orElse(c);
  }

  private List<DatasetInfo> preferenceSets() {
    return workbench.db().datasets().list().stream()
        .filter(d -> d.kind().equalsIgnoreCase(DatasetKind.PREFERENCE.id())).toList();
  }

  private void setDatasets(List<DatasetInfo> list) {
    Long keep = dataset.get() == null ? null : dataset.get().id();
    preferenceDatasets.setAll(list);
    dataset.set(list.stream().filter(d -> keep != null && d.id() == keep).findFirst()
        .orElse(list.isEmpty() ? null : list.get(0)));
  }

  private void refreshConversations() {
    Fx.load(workbench.jobs(), () -> workbench.db().conversations().list(),
        conversations::setAll, this::fail);
  }

  /**
   * Offers the model at {@code path} (a llama2.c file, an HF folder or a run folder) and picks
   * it for {@code side} (0 left, 1 right).
   */
  public ModelChoice openModel(Path path, int side) {
    ModelChoice c = ModelChoice.of(path);
    ModelChoice existing = same(c);
    if (!models.contains(existing)) {
      models.add(existing);
    }
    (side == 0 ? leftModel : rightModel).set(existing);
    return existing;
  }

  /** Loads a picked model in the background so the first reply does not wait for it. */
  private void preload(ModelChoice c) {
    if (c == null || applying) {
      return;
    }
    status.set("Loading " + c.label() + "…");
    // submitted from a runner thread: a job's record is a database write
    workbench.jobs().background(() -> workbench.jobs().submit(JOB_KIND, "Load " + c.label(),
        ctx -> {
          try (ModelCache.Lease lease = engine.models().acquire(c.path(), c.tokenizer(), ctx)) {
            return null;
          }
        }).future()).thenCompose(f -> f).whenComplete((v, failure) -> Fx.run(() -> {
      Throwable t = unwrap(failure);
      if (t == null) {
        if (status.get().startsWith("Loading " + c.label())) {
          status.set(c.label() + " loaded");
        }
      } else if (!(t instanceof CancellationException)) {
        error.set(c.label() + ": " + t.getMessage());
        status.set("");
      }
    }));
  }

  // ------------------------------------------------------------------ conversations

  /** Starts a new, empty conversation (saved with its first message). */
  public void newConversation() {
    if (generating.get()) {
      stop();
    }
    conversation = null;
    conversationId.set(null);
    leftItems.clear();
    rightItems.clear();
    setJudgeIdx(-1);
    error.set("");
  }

  /** Reopens a saved conversation with its models, system prompt and settings. */
  public void open(long id) {
    if (generating.get()) {
      error.set("Stop the reply before opening another conversation.");
      return;
    }
    background(() -> ChatConversation.open(workbench.db(), id), c -> {
      conversation = c;
      conversationId.set(c.id());
      Setup s = c.setup();
      applying = true;
      try {
        sideBySide.set(c.sideBySide());
        systemPrompt.set(s.systemPrompt() == null ? "" : s.systemPrompt());
        apply(c.settings());
        leftModel.set(s.modelPath() == null ? null
            : choiceFor(s.modelPath(), s.tokenizerPath()));
        rightModel.set(s.secondModelPath() == null ? rightModel.get()
            : choiceFor(s.secondModelPath(), s.secondTokenizerPath()));
      } finally {
        applying = false;
      }
      show(c.turns(), c.verdicts(), c.sideBySide());
      status.set("Opened “" + (s.title() == null ? "conversation " + id : s.title()) + "”");
    });
  }

  private ModelChoice choiceFor(String path, String tokenizer) {
    ModelChoice c = new ModelChoice(Path.of(path).getFileName().toString(), Path.of(path),
        tokenizer == null ? null : Path.of(tokenizer));
    ModelChoice known = same(c);
    if (!models.contains(known)) {
      models.add(known);
    }
    return known;
  }

  /** Deletes a saved conversation (the open one too). */
  public void delete(long id) {
    if (Objects.equals(conversationId.get(), id)) {
      newConversation();
    }
    background(() -> workbench.db().conversations().delete(id), deleted -> refreshConversations());
  }

  private void show(List<Turn> turns, Map<Integer, Verdict> verdicts, boolean pair) {
    leftItems.clear();
    rightItems.clear();
    for (Turn t : turns) {
      if (t.isUser()) {
        leftItems.add(new ChatItem(t.idx(), 0, "user", t.left().content()));
        if (pair) {
          rightItems.add(new ChatItem(t.idx(), 0, "user", t.left().content()));
        }
      } else {
        addReplyItem(leftItems, t.idx(), 0, t.left());
        if (pair) {
          addReplyItem(rightItems, t.idx(), 1, t.right());
        }
      }
    }
    int last = turns.size() - 1;
    boolean open = last >= 0 && pair && !turns.get(last).isUser()
        && turns.get(last).left() != null && turns.get(last).right() != null
        && !verdicts.containsKey(last);
    setJudgeIdx(open ? last : -1);
  }

  private static void addReplyItem(List<ChatItem> column, int idx, int side, Reply r) {
    if (r != null) {
      ChatItem item = new ChatItem(idx, side, "assistant", r.content());
      item.setInfo(info(r.tokens(), r.tokensPerSecond(), r.finishReason()));
      column.add(item);
    }
  }

  // ------------------------------------------------------------------ generating

  /** Sends the input as the next user message and starts the reply (or the two replies). */
  public void send() {
    String text = input.get() == null ? "" : input.get().strip();
    if (text.isEmpty() || generating.get() || busy.get()) {
      return;
    }
    Request req = request();
    if (req == null) {
      return;
    }
    input.set("");
    // show the message and the empty replies at once; an unanswered message at the end is
    // replaced, as the conversation does
    dropUnanswered(leftItems);
    dropUnanswered(rightItems);
    int idx = leftItems.isEmpty() ? 0 : leftItems.get(leftItems.size() - 1).idx() + 1;
    leftItems.add(new ChatItem(idx, 0, "user", text));
    if (req.right() != null) {
      rightItems.add(new ChatItem(idx, 0, "user", text));
    }
    setJudgeIdx(-1);
    List<Stream> replies = prepareReplies(idx + 1, req);
    ChatConversation current = conversation;
    launch(() -> {
      ChatConversation c = saved(current, req);
      int replyIdx = c.addUser(text);
      if (replyIdx != idx + 1) {
        throw new IllegalStateException("the page shows turn " + (idx + 1)
            + " but the conversation is at turn " + replyIdx);
      }
      return c;
    }, req, replies);
  }

  /** Generates the last reply again (both sides), replacing it. */
  public void regenerate() {
    if (generating.get() || busy.get() || conversation == null) {
      return;
    }
    Request req = request();
    if (req == null) {
      return;
    }
    ChatConversation c = conversation;
    background(() -> {
      saved(c, req);
      int idx = c.prepareRegenerate();
      return Map.entry(idx, c.turns());
    }, e -> {
      show(e.getValue(), Map.of(), req.right() != null);
      if (e.getKey() >= 0) {
        launch(() -> c, req, prepareReplies(e.getKey(), req));
      }
    });
  }

  /**
   * Replaces the text of an earlier turn and drops the turns after it; after an edited user
   * message the reply is generated again.
   */
  public void edit(ChatItem item, String text) {
    if (generating.get() || busy.get() || conversation == null) {
      return;
    }
    Request req = request();
    if (req == null) {
      return;
    }
    ChatConversation c = conversation;
    background(() -> {
      saved(c, req);
      int due = c.edit(item.idx(), item.side(), text);
      return Map.entry(due, c.turns());
    }, e -> {
      show(e.getValue(), Map.of(), req.right() != null);
      if (e.getKey() >= 0) {
        launch(() -> c, req, prepareReplies(e.getKey(), req));
      }
    });
  }

  /** Stops the replies being generated; what they wrote so far is kept and saved. */
  public void stop() {
    for (Stream s : streams) {
      s.cancel();
    }
  }

  /** What a reply needs from the page: models and settings, checked. Null after an error. */
  private record Request(ModelChoice left, ModelChoice right, ChatSettings settings,
      String systemPrompt) {}

  private Request request() {
    ModelChoice l = leftModel.get();
    ModelChoice r = sideBySide.get() ? rightModel.get() : null;
    if (l == null || (sideBySide.get() && r == null)) {
      error.set(sideBySide.get() ? "Pick a model for each side." : "Pick a model first.");
      return null;
    }
    try {
      error.set("");
      return new Request(l, r, settings(), systemPrompt.get());
    } catch (TemperException | NumberFormatException e) {
      error.set("Settings: " + e.getMessage());
      return null;
    }
  }

  /** The conversation to write into, created on first use; its setup brought up to date. */
  private ChatConversation saved(ChatConversation c, Request req) {
    String title = c == null ? null : c.setup().title();
    Setup s = new Setup(title, req.left().path().toString(), str(req.left().tokenizer()),
        req.right() == null ? null : req.right().path().toString(),
        req.right() == null ? null : str(req.right().tokenizer()), req.systemPrompt(),
        req.settings().toJson());
    if (c == null) {
      return ChatConversation.start(workbench.db(), s);
    }
    if (!s.equals(c.setup())) {
      c.updateSetup(s);
    }
    return c;
  }

  private static String str(Path p) {
    return p == null ? null : p.toString();
  }

  private static void dropUnanswered(List<ChatItem> column) {
    if (!column.isEmpty() && column.get(column.size() - 1).isUser()) {
      column.remove(column.size() - 1);
    }
  }

  /** Shows an empty, streaming reply per side (FX thread). */
  private List<Stream> prepareReplies(int idx, Request req) {
    List<Stream> out = new ArrayList<>();
    out.add(prepareReply(idx, 0, req.left(), leftItems));
    if (req.right() != null) {
      out.add(prepareReply(idx, 1, req.right(), rightItems));
    }
    generating.set(true);
    status.set("Generating…");
    speeds.clear();
    pump.start();
    return out;
  }

  private Stream prepareReply(int idx, int side, ModelChoice model,
      ObservableList<ChatItem> column) {
    ChatItem item = new ChatItem(idx, side, "assistant", "");
    item.setStreaming(true);
    item.setInfo("loading " + model.label() + "…");
    column.add(item);
    Stream stream = new Stream(item, column, model);
    streams.add(stream);
    return stream;
  }

  /**
   * Off the FX thread: gets the conversation ready ({@code save}: database work), then submits
   * one reply job per stream. The FX thread does no database work, not even the jobs' records.
   */
  private void launch(java.util.concurrent.Callable<ChatConversation> save, Request req,
      List<Stream> replies) {
    busy.set(true);
    Fx.load(workbench.jobs(), () -> {
      ChatConversation c = save.call();
      for (Stream s : replies) {
        submit(c, s, req.settings());
      }
      return c;
    }, c -> {
      busy.set(false);
      conversation = c;
      conversationId.set(c.id());
      refreshConversations();
    }, failure -> {
      busy.set(false);
      fail(failure);
      for (Stream s : replies) {
        if (s.handle() == null) {
          finish(s, failure);
        }
      }
    });
  }

  private void submit(ChatConversation c, Stream stream, ChatSettings settings) {
    int idx = stream.item.idx();
    int side = stream.item.side();
    ModelChoice model = stream.model;
    stream.conversation = c;
    Job<ChatReply> job = ctx -> {
      try (ModelCache.Lease lease = engine.models().acquire(model.path(), model.tokenizer(),
          ctx)) {
        ctx.checkCancelled();
        ctx.progress(-1, "generating");
        List<ChatMessage> prompt = c.promptFor(idx, side);
        stream.begin();
        ChatReply reply = engine.reply(lease.model(), prompt, settings, stream::add, ctx);
        c.putReply(idx, side, Reply.of(reply, lease.path().toString()));
        stream.reply = reply;
        return reply;
      }
    };
    JobHandle<ChatReply> handle = workbench.jobs().submit(JOB_KIND,
        "Chat with " + model.label(), job);
    stream.attach(handle);
    handle.future().whenComplete((reply, failure) -> Fx.run(() -> finish(stream,
        unwrap(failure))));
  }

  /** A reply ended (done, stopped or failed): its bubble shows the final text (FX thread). */
  private void finish(Stream stream, Throwable failure) {
    if (!streams.remove(stream)) {
      return;
    }
    flush(stream);
    ChatItem item = stream.item;
    item.setStreaming(false);
    ChatReply r = stream.reply;
    if (r != null) {
      speeds.put(item.side(), r.tokensPerSecond());
      item.setText(r.text()); // the same text, as the generator cut it
      item.setInfo(info(r.tokens(), r.tokensPerSecond(), r.finishReason().name()));
    } else {
      stream.column.remove(item);
      if (failure != null && !(failure instanceof CancellationException)) {
        error.set(failure.getMessage() == null ? failure.toString() : failure.getMessage());
      }
    }
    if (!streams.isEmpty()) {
      return;
    }
    pump.stop();
    generating.set(false);
    status.set(speeds.isEmpty() ? (failure instanceof CancellationException ? "Stopped" : "")
        : speedLine());
    refreshConversations();
    ChatConversation c = stream.conversation;
    if (c != null && c.sideBySide() && c == conversation) {
      background(() -> Map.entry(c.turns(), c.verdicts()),
          e -> show(e.getKey(), e.getValue(), true));
    }
  }

  private String speedLine() {
    if (speeds.size() == 1 && speeds.containsKey(0)) {
      return String.format(Locale.ROOT, "%.1f tokens/s", speeds.get(0));
    }
    List<String> parts = new ArrayList<>();
    speeds.forEach((side, tps) -> parts.add(String.format(Locale.ROOT, "%s %.1f tokens/s",
        side == 0 ? "Left" : "Right", tps)));
    return String.join(" · ", parts);
  }

  /** Moves the text gathered since the last batch into the bubbles. */
  private void flush() {
    frames++;
    for (Stream s : streams) {
      flush(s);
    }
  }

  private void flush(Stream s) {
    String piece;
    int tokens;
    long start;
    synchronized (s) {
      piece = s.pending.toString();
      s.pending.setLength(0);
      tokens = s.tokens;
      start = s.start;
    }
    if (!piece.isEmpty()) {
      s.item.append(piece);
    }
    if (tokens > 0 && s.reply == null) {
      double seconds = (System.nanoTime() - start) / 1e9;
      s.item.setInfo(info(tokens, seconds > 0 ? tokens / seconds : null, null));
    }
  }

  /** Batches the text pump has delivered (tests check that updates are batched). */
  long pumpFrames() {
    return frames;
  }

  /**
   * One reply being generated: what the generating thread leaves for the FX thread, and its
   * job once submitted.
   */
  private static final class Stream {
    final ChatItem item;
    final ObservableList<ChatItem> column;
    final ModelChoice model;
    final StringBuilder pending = new StringBuilder();
    int tokens;
    long start = System.nanoTime();
    volatile ChatReply reply;
    volatile ChatConversation conversation;
    private JobHandle<ChatReply> handle;
    private boolean cancelled;

    Stream(ChatItem item, ObservableList<ChatItem> column, ModelChoice model) {
      this.item = item;
      this.column = column;
      this.model = model;
    }

    synchronized void begin() {
      start = System.nanoTime();
    }

    synchronized void add(String piece, int n) {
      pending.append(piece);
      tokens = n;
    }

    /** Cancels the job, now or as soon as it is submitted. */
    synchronized void cancel() {
      cancelled = true;
      if (handle != null) {
        handle.cancel();
      }
    }

    synchronized void attach(JobHandle<ChatReply> h) {
      handle = h;
      if (cancelled) {
        h.cancel();
      }
    }

    synchronized JobHandle<ChatReply> handle() {
      return handle;
    }
  }

  static String info(Integer tokens, Double tokensPerSecond, String finish) {
    List<String> parts = new ArrayList<>();
    if (tokens != null) {
      parts.add(tokens + (tokens == 1 ? " token" : " tokens"));
    }
    if (tokensPerSecond != null && !tokensPerSecond.isNaN()) {
      parts.add(String.format(Locale.ROOT, "%.1f tok/s", tokensPerSecond));
    }
    if (finish != null) {
      parts.add(switch (finish) {
        case "EOS" -> "end of reply";
        case "STOP_STRING" -> "stop text";
        case "LENGTH" -> "length limit";
        case "STOPPED" -> "stopped";
        case "EDITED" -> "edited";
        default -> finish.toLowerCase(Locale.ROOT);
      });
    }
    return String.join(" · ", parts);
  }

  // ------------------------------------------------------------------ preferences

  /**
   * Judges the last pair of replies: left or right better saves it as a preference example
   * into the dataset picked; a tie is recorded with the conversation only.
   */
  public void judge(Verdict verdict) {
    ChatConversation c = conversation;
    int idx = judgeIdx;
    if (c == null || idx < 0 || generating.get() || busy.get()) {
      return;
    }
    DatasetInfo d = dataset.get();
    if (verdict != Verdict.TIE && d == null) {
      error.set("Pick or create a preference dataset to save the pair into.");
      return;
    }
    setJudgeIdx(-1);
    background(() -> c.judge(idx, verdict, d == null ? null : d.id()), at -> {
      status.set(verdict == Verdict.TIE ? "Tie recorded (not added to a dataset)"
          : (verdict == Verdict.LEFT ? "Left" : "Right") + " preferred: saved as example "
              + at + " of " + d.name());
      background(this::preferenceSets, this::setDatasets);
    });
  }

  /** Creates an empty preference dataset and picks it. */
  public void createPreferenceDataset(String name) {
    String n = name == null ? "" : name.strip();
    background(() -> {
      long id = ChatConversation.createPreferenceDataset(workbench.db(), n);
      return Map.entry(id, preferenceSets());
    }, e -> {
      setDatasets(e.getValue());
      e.getValue().stream().filter(d -> d.id() == e.getKey()).findFirst()
          .ifPresent(dataset::set);
      status.set("Created preference dataset " + n);
    });
  }

  private void setJudgeIdx(int idx) {
    judgeIdx = idx;
    judgeable.set(idx >= 0);
  }

  // ------------------------------------------------------------------ copy

  /** The text of the last reply (both sides, labelled, side by side). */
  public String lastReplyText() {
    String l = lastReply(leftItems);
    if (!sideBySide.get()) {
      return l;
    }
    return "Left:\n" + l + "\n\nRight:\n" + lastReply(rightItems);
  }

  private static String lastReply(List<ChatItem> column) {
    for (int i = column.size() - 1; i >= 0; i--) {
      if (!column.get(i).isUser()) {
        return column.get(i).text();
      }
    }
    return "";
  }

  // ------------------------------------------------------------------ settings

  /** The settings as entered, checked. */
  public ChatSettings settings() {
    String s = seed.get() == null ? "" : seed.get().strip();
    Long parsed;
    try {
      parsed = s.isEmpty() ? null : Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new TemperException("the seed must be a whole number or blank, not '" + s + "'");
    }
    return new ChatSettings(temperature.get(), topP.get(), topK.get(), maxNewTokens.get(),
        parsed, List.of(), ignoreEos.get());
  }

  /** Shows {@code s} in the settings controls. */
  public void apply(ChatSettings s) {
    temperature.set(s.temperature());
    topP.set(s.topP());
    topK.set(s.topK());
    maxNewTokens.set(s.maxNewTokens());
    seed.set(s.seed() == null ? "" : s.seed().toString());
    ignoreEos.set(s.ignoreEos());
  }

  // ------------------------------------------------------------------ plumbing

  private <T> void background(java.util.concurrent.Callable<T> work,
      java.util.function.Consumer<T> onSuccess) {
    busy.set(true);
    Fx.load(workbench.jobs(), work, v -> {
      busy.set(false);
      onSuccess.accept(v);
    }, e -> {
      busy.set(false);
      fail(e);
    });
  }

  private void fail(Throwable e) {
    error.set(e.getMessage() == null ? e.toString() : e.getMessage());
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  /**
   * Stops what is generating, waits for it (a model must not be closed under a reply) and
   * closes the loaded models. Call from the FX thread when the page goes away.
   */
  @Override
  public void close() {
    stop();
    pump.stop();
    List<CompletableFuture<?>> pending = new ArrayList<>();
    for (Stream s : streams) {
      JobHandle<?> h = s.handle();
      if (h != null) {
        pending.add(h.future());
      }
    }
    try {
      CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0]))
          .get(30, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // cancelled or failed replies are over too
    }
    engine.close();
  }

  // ------------------------------------------------------------------ properties

  public ChatEngine engine() {
    return engine;
  }

  public ObservableList<ModelChoice> models() {
    return models;
  }

  public ObjectProperty<ModelChoice> leftModelProperty() {
    return leftModel;
  }

  public ObjectProperty<ModelChoice> rightModelProperty() {
    return rightModel;
  }

  public BooleanProperty sideBySideProperty() {
    return sideBySide;
  }

  public StringProperty systemPromptProperty() {
    return systemPrompt;
  }

  public DoubleProperty temperatureProperty() {
    return temperature;
  }

  public DoubleProperty topPProperty() {
    return topP;
  }

  public IntegerProperty topKProperty() {
    return topK;
  }

  public IntegerProperty maxNewTokensProperty() {
    return maxNewTokens;
  }

  public StringProperty seedProperty() {
    return seed;
  }

  public BooleanProperty ignoreEosProperty() {
    return ignoreEos;
  }

  public StringProperty inputProperty() {
    return input;
  }

  /** The left column (the only one when not side by side). */
  public ObservableList<ChatItem> leftItems() {
    return leftItems;
  }

  public ObservableList<ChatItem> rightItems() {
    return rightItems;
  }

  public ObservableList<Summary> conversations() {
    return conversations;
  }

  public ObservableList<DatasetInfo> preferenceDatasets() {
    return preferenceDatasets;
  }

  public ObjectProperty<DatasetInfo> datasetProperty() {
    return dataset;
  }

  /** The open conversation's id; null before its first message. */
  public ReadOnlyObjectProperty<Long> conversationIdProperty() {
    return conversationId.getReadOnlyProperty();
  }

  public ReadOnlyBooleanProperty generatingProperty() {
    return generating.getReadOnlyProperty();
  }

  /** True while a database step of an action runs (saving, opening, judging). */
  public ReadOnlyBooleanProperty busyProperty() {
    return busy.getReadOnlyProperty();
  }

  /** True when the last pair of replies waits for a verdict. */
  public ReadOnlyBooleanProperty judgeableProperty() {
    return judgeable.getReadOnlyProperty();
  }

  public ReadOnlyStringProperty statusProperty() {
    return status.getReadOnlyProperty();
  }

  public ReadOnlyStringProperty errorProperty() {
    return error.getReadOnlyProperty();
  }

  /** Whether {@code path} exists (the view checks paths from choosers). */
  static boolean exists(Path path) {
    return path != null && Files.exists(path);
  }
}
