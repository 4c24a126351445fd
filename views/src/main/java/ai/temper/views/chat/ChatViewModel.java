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
import ai.temper.engine.jobs.Job;
import ai.temper.engine.jobs.JobHandle;
import ai.temper.engine.models.ModelLibrary;
import ai.temper.engine.store.ConversationRepository.Setup;
import ai.temper.engine.store.ConversationRepository.Summary;
import ai.temper.engine.store.DatasetRepository.DatasetInfo;
import ai.temper.views.common.BackgroundTask;
import ai.temper.views.common.FrameClock;
import ai.temper.views.common.Lifecycle;
import ai.temper.views.common.TaskExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleBooleanProperty;
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
 * records included, runs on the job runner's threads as {@link BackgroundTask}s: the FX thread
 * only updates controls. Generated text reaches the FX thread in batches ({@link ReplyPump}).
 *
 * <p>The page's parts: {@link ChatModelChoices} (which models, loaded ahead),
 * {@link ChatSettingsForm} (sampling), {@link ChatPreferences} (judging pairs), and here the
 * conversation and its replies. All methods are called on the FX thread.
 */
public final class ChatViewModel implements Lifecycle {
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
  private final ChatActions actions;
  private final ChatModelChoices choices;
  private final ChatSettingsForm form = new ChatSettingsForm();
  private final ChatPreferences preferences;
  private final ReplyPump pump;

  private final BooleanProperty sideBySide = new SimpleBooleanProperty();
  private final StringProperty systemPrompt = new SimpleStringProperty("");
  private final StringProperty input = new SimpleStringProperty("");
  private final ObservableList<ChatItem> leftItems = FXCollections.observableArrayList();
  private final ObservableList<ChatItem> rightItems = FXCollections.observableArrayList();
  private final ObservableList<Summary> conversations = FXCollections.observableArrayList();
  private final ReadOnlyObjectWrapper<Long> conversationId = new ReadOnlyObjectWrapper<>();
  private final ReadOnlyBooleanWrapper generating = new ReadOnlyBooleanWrapper();

  private ChatConversation conversation;
  /** Speeds of the replies of the current launch, by side, for the status line. */
  private final Map<Integer, Double> speeds = new TreeMap<>();
  private boolean applying;

  public ChatViewModel(Workbench workbench) {
    this(workbench, ChatEngine.leavingACore(new ModelCache(2)));
  }

  public ChatViewModel(Workbench workbench, ChatEngine engine) {
    this(workbench, engine, TaskExecutor.fx(workbench.jobs()), FrameClock.fx());
  }

  /**
   * With results delivered by {@code tasks} and text batched on {@code frames}: tests pass a
   * stand-in for the FX thread and frames they step by hand, and need no toolkit.
   */
  public ChatViewModel(Workbench workbench, ChatEngine engine, TaskExecutor tasks,
      FrameClock frames) {
    this.workbench = workbench;
    this.engine = engine;
    this.library = workbench.models();
    this.actions = new ChatActions(tasks);
    this.choices = new ChatModelChoices(engine, actions);
    this.preferences = new ChatPreferences(workbench, actions);
    this.pump = new ReplyPump(frames);
    choices.left.addListener((obs, old, now) -> {
      if (!applying) {
        choices.preload(now);
      }
    });
    choices.right.addListener((obs, old, now) -> {
      if (sideBySide.get() && !applying) {
        choices.preload(now);
      }
    });
    // "Pick a model for each side." and the like no longer apply once the picks change
    choices.left.addListener((obs, old, now) -> clearPickError());
    choices.right.addListener((obs, old, now) -> clearPickError());
    sideBySide.addListener((obs, old, now) -> clearPickError());
    sideBySide.addListener((obs, old, now) -> {
      if (!applying) {
        // a conversation is one model or a pair throughout: switching starts a new one
        newConversation();
        if (now) {
          choices.preload(choices.right.get());
        }
      }
    });
  }

  private void clearPickError() {
    String e = actions.error.get();
    if (e != null && e.startsWith("Pick a model")) {
      actions.error.set("");
    }
  }

  // ------------------------------------------------------------------ lists

  /** Shown: the models, conversations and datasets may have changed. */
  @Override
  public void activate() {
    refresh();
  }

  /** Reloads the model choices, the saved conversations and the preference datasets. */
  public CompletableFuture<Lists> refresh() {
    return actions.read(() -> new Lists(ChatModelChoices.discover(workbench, library),
        workbench.chats().list(), preferences.load()), lists -> {
          choices.show(lists.models());
          conversations.setAll(lists.conversations());
          preferences.show(lists.datasets());
        }).future();
  }

  /** What {@link #refresh} reads. */
  public record Lists(List<ModelChoice> models, List<Summary> conversations,
      List<DatasetInfo> datasets) {}

  private void refreshConversations() {
    actions.read(() -> workbench.chats().list(), conversations::setAll);
  }

  /**
   * Offers the model at {@code path} (a llama2.c file, an HF folder or a run folder) and picks
   * it for {@code side} (0 left, 1 right).
   */
  public ModelChoice openModel(Path path, int side) {
    ModelChoice existing = choices.offer(ModelChoice.of(path));
    (side == 0 ? choices.left : choices.right).set(existing);
    return existing;
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
    preferences.setJudgeIdx(-1);
    actions.error.set("");
  }

  /** Reopens a saved conversation with its models, system prompt and settings. */
  public void open(long id) {
    if (generating.get()) {
      actions.error.set("Stop the reply before opening another conversation.");
      return;
    }
    actions.step(() -> workbench.chats().open(id), c -> {
      conversation = c;
      conversationId.set(c.id());
      Setup s = c.setup();
      applying = true;
      try {
        sideBySide.set(c.sideBySide());
        systemPrompt.set(s.systemPrompt() == null ? "" : s.systemPrompt());
        form.apply(c.settings());
        choices.left.set(s.modelPath() == null ? null
            : choices.choiceFor(s.modelPath(), s.tokenizerPath()));
        choices.right.set(s.secondModelPath() == null ? choices.right.get()
            : choices.choiceFor(s.secondModelPath(), s.secondTokenizerPath()));
      } finally {
        applying = false;
      }
      show(c.turns(), c.verdicts(), c.sideBySide());
      actions.status.set("Opened “" + (s.title() == null ? "conversation " + id : s.title())
          + "”");
    });
  }

  /** Deletes a saved conversation (the open one too). */
  public void delete(long id) {
    if (Objects.equals(conversationId.get(), id)) {
      newConversation();
    }
    actions.step(() -> workbench.chats().delete(id),
        deleted -> refreshConversations());
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
    preferences.setJudgeIdx(open ? last : -1);
  }

  private static void addReplyItem(List<ChatItem> column, int idx, int side, Reply r) {
    if (r != null) {
      ChatItem item = new ChatItem(idx, side, "assistant", r.content());
      item.setInfo(ChatItem.info(r.tokens(), r.tokensPerSecond(), r.finishReason()));
      column.add(item);
    }
  }

  // ------------------------------------------------------------------ generating

  /** Sends the input as the next user message and starts the reply (or the two replies). */
  public void send() {
    String text = input.get() == null ? "" : input.get().strip();
    if (text.isEmpty() || generating.get() || actions.busy.get()) {
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
    preferences.setJudgeIdx(-1);
    List<ReplyStream> replies = prepareReplies(idx + 1, req);
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
    if (generating.get() || actions.busy.get() || conversation == null) {
      return;
    }
    Request req = request();
    if (req == null) {
      return;
    }
    ChatConversation c = conversation;
    actions.step(() -> {
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
    if (generating.get() || actions.busy.get() || conversation == null) {
      return;
    }
    Request req = request();
    if (req == null) {
      return;
    }
    ChatConversation c = conversation;
    actions.step(() -> {
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
    for (ReplyStream s : pump.streams()) {
      s.cancel();
    }
  }

  /** What a reply needs from the page: models and settings, checked. Null after an error. */
  private record Request(ModelChoice left, ModelChoice right, ChatSettings settings,
      String systemPrompt) {}

  private Request request() {
    ModelChoice l = choices.left.get();
    ModelChoice r = sideBySide.get() ? choices.right.get() : null;
    if (l == null || (sideBySide.get() && r == null)) {
      actions.error.set(sideBySide.get() ? "Pick a model for each side."
          : "Pick a model first.");
      return null;
    }
    try {
      actions.error.set("");
      return new Request(l, r, form.settings(), systemPrompt.get());
    } catch (TemperException | NumberFormatException e) {
      actions.error.set("Settings: " + e.getMessage());
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
      return workbench.chats().start(s);
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

  /** Shows an empty, streaming reply per side. */
  private List<ReplyStream> prepareReplies(int idx, Request req) {
    List<ReplyStream> out = new ArrayList<>();
    out.add(prepareReply(idx, 0, req.left(), leftItems));
    if (req.right() != null) {
      out.add(prepareReply(idx, 1, req.right(), rightItems));
    }
    generating.set(true);
    actions.status.set("Generating…");
    speeds.clear();
    return out;
  }

  private ReplyStream prepareReply(int idx, int side, ModelChoice model,
      ObservableList<ChatItem> column) {
    ChatItem item = new ChatItem(idx, side, "assistant", "");
    item.setStreaming(true);
    item.setInfo("loading " + model.label() + "…");
    column.add(item);
    ReplyStream stream = new ReplyStream(item, column, model);
    pump.add(stream);
    return stream;
  }

  /**
   * Off the FX thread: gets the conversation ready ({@code save}: database work), then submits
   * one reply job per stream. The FX thread does no database work, not even the jobs' records.
   */
  private void launch(Callable<ChatConversation> save, Request req, List<ReplyStream> replies) {
    actions.step(() -> {
      ChatConversation c = save.call();
      for (ReplyStream s : replies) {
        submit(c, s, req.settings());
      }
      return c;
    }, c -> {
      conversation = c;
      conversationId.set(c.id());
      refreshConversations();
    }, failure -> {
      actions.fail(failure);
      for (ReplyStream s : replies) {
        if (s.handle() == null) {
          finish(s, failure);
        }
      }
    });
  }

  /** Worker thread: one reply as a job, followed until it ends. */
  private void submit(ChatConversation c, ReplyStream stream, ChatSettings settings) {
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
    BackgroundTask.follow(handle).onSuccess(reply -> finish(stream, null))
        .onFailure(failure -> finish(stream, failure)).executeWith(actions.tasks);
  }

  /** A reply ended (done, stopped or failed): its bubble shows the final text. */
  private void finish(ReplyStream stream, Throwable failure) {
    if (!pump.finish(stream)) {
      return;
    }
    ChatItem item = stream.item;
    item.setStreaming(false);
    ChatReply r = stream.reply;
    if (r != null) {
      speeds.put(item.side(), r.tokensPerSecond());
      item.setText(r.text()); // the same text, as the generator cut it
      item.setInfo(ChatItem.info(r.tokens(), r.tokensPerSecond(), r.finishReason().name()));
    } else {
      stream.column.remove(item);
      if (failure != null && !(failure instanceof CancellationException)) {
        actions.fail(failure);
      }
    }
    if (!pump.isEmpty()) {
      return;
    }
    generating.set(false);
    actions.status.set(speeds.isEmpty()
        ? (failure instanceof CancellationException ? "Stopped" : "") : speedLine());
    refreshConversations();
    ChatConversation c = stream.conversation;
    if (c != null && c.sideBySide() && c == conversation) {
      actions.step(() -> Map.entry(c.turns(), c.verdicts()),
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

  /** Batches the text pump has delivered (tests check that updates are batched). */
  long pumpFrames() {
    return pump.batches();
  }

  // ------------------------------------------------------------------ preferences

  /**
   * Judges the last pair of replies: left or right better saves it as a preference example
   * into the dataset picked; a tie is recorded with the conversation only.
   */
  public void judge(Verdict verdict) {
    if (!generating.get() && !actions.busy.get()) {
      preferences.judge(conversation, verdict);
    }
  }

  /** Creates an empty preference dataset and picks it. */
  public void createPreferenceDataset(String name) {
    preferences.create(name);
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
    return form.settings();
  }

  /** Shows {@code s} in the settings controls. */
  public void apply(ChatSettings s) {
    form.apply(s);
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Stops what is generating, waits for it (a model must not be closed under a reply) and
   * closes the loaded models. The shell calls it once, when the window closes.
   */
  @Override
  public void close() {
    stop();
    pump.stop();
    List<CompletableFuture<?>> pending = new ArrayList<>();
    for (ReplyStream s : pump.streams()) {
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
    return choices.models;
  }

  public ObjectProperty<ModelChoice> leftModelProperty() {
    return choices.left;
  }

  public ObjectProperty<ModelChoice> rightModelProperty() {
    return choices.right;
  }

  public BooleanProperty sideBySideProperty() {
    return sideBySide;
  }

  public StringProperty systemPromptProperty() {
    return systemPrompt;
  }

  public DoubleProperty temperatureProperty() {
    return form.temperature;
  }

  public DoubleProperty topPProperty() {
    return form.topP;
  }

  public IntegerProperty topKProperty() {
    return form.topK;
  }

  public IntegerProperty maxNewTokensProperty() {
    return form.maxNewTokens;
  }

  public StringProperty seedProperty() {
    return form.seed;
  }

  public BooleanProperty ignoreEosProperty() {
    return form.ignoreEos;
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
    return preferences.datasets;
  }

  public ObjectProperty<DatasetInfo> datasetProperty() {
    return preferences.dataset;
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
    return actions.busy.getReadOnlyProperty();
  }

  /** True when the last pair of replies waits for a verdict. */
  public ReadOnlyBooleanProperty judgeableProperty() {
    return preferences.judgeable.getReadOnlyProperty();
  }

  public ReadOnlyStringProperty statusProperty() {
    return actions.status.getReadOnlyProperty();
  }

  public ReadOnlyStringProperty errorProperty() {
    return actions.error.getReadOnlyProperty();
  }

  /** Whether {@code path} exists (the view checks paths from choosers). */
  static boolean exists(Path path) {
    return path != null && Files.exists(path);
  }
}
