package ai.temper.views.chat;

import ai.temper.engine.chat.ChatConversation;
import ai.temper.engine.chat.ChatReply;
import ai.temper.engine.jobs.JobHandle;
import ai.temper.views.chat.ChatViewModel.ModelChoice;
import javafx.collections.ObservableList;

/**
 * One reply being generated: the generating thread appends to {@link #add}, the FX thread
 * moves what gathered into the bubble on {@link #flush}; the two meet only in this object's
 * lock.
 */
final class ReplyStream {
  final ChatItem item;
  final ObservableList<ChatItem> column;
  final ModelChoice model;
  private final StringBuilder pending = new StringBuilder();
  private int tokens;
  private long start = System.nanoTime();
  volatile ChatReply reply;
  volatile ChatConversation conversation;
  private JobHandle<ChatReply> handle;
  private boolean cancelled;

  ReplyStream(ChatItem item, ObservableList<ChatItem> column, ModelChoice model) {
    this.item = item;
    this.column = column;
    this.model = model;
  }

  /** Generating thread: the reply starts now (for its tokens per second). */
  synchronized void begin() {
    start = System.nanoTime();
  }

  /** Generating thread: {@code piece} of text; {@code n} tokens so far. */
  synchronized void add(String piece, int n) {
    pending.append(piece);
    tokens = n;
  }

  /** FX thread: moves the text gathered since the last flush into the bubble. */
  void flush() {
    String piece;
    int n;
    long since;
    synchronized (this) {
      piece = pending.toString();
      pending.setLength(0);
      n = tokens;
      since = start;
    }
    if (!piece.isEmpty()) {
      item.append(piece);
    }
    if (n > 0 && reply == null) {
      double seconds = (System.nanoTime() - since) / 1e9;
      item.setInfo(ChatItem.info(n, seconds > 0 ? n / seconds : null, null));
    }
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
