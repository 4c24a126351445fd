package ai.temper.engine.chat;

import ai.temper.engine.BlockingCheck;
import ai.temper.engine.TemperException;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.LoadedModel;
import ai.temper.engine.model.ModelLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Loaded models for chat, by path: a model is read once and shared by every conversation and
 * side that uses it. Each load builds its own {@link ai.temper.engine.model.LlamaModel} from
 * files read into memory (read-only), so chatting with the checkpoint of a run in progress
 * shares nothing with the run. A run folder resolves to its newest checkpoint (see
 * {@link CheckpointDirs}) each time it is acquired, so a newer checkpoint is picked up on the
 * next reply.
 *
 * <p>Users hold a {@link Lease} while generating; models nobody holds are closed, least
 * recently used first, once more than {@code capacity} are loaded.
 */
public final class ModelCache implements AutoCloseable {
  /** What identifies a loaded model: the resolved model path and the tokenizer file. */
  public record Key(Path model, Path tokenizer) {}

  private static final class Entry {
    final CompletableFuture<LoadedModel> future = new CompletableFuture<>();
    int leases;
  }

  /** A model in use; close it when the reply is done. */
  public final class Lease implements AutoCloseable {
    private final Key key;
    private final Entry entry;
    private final LoadedModel model;
    private boolean closed;

    private Lease(Key key, Entry entry, LoadedModel model) {
      this.key = key;
      this.entry = entry;
      this.model = model;
    }

    public LoadedModel model() {
      return model;
    }

    /** The path the model was loaded from (a run folder's newest checkpoint). */
    public Path path() {
      return key.model();
    }

    @Override
    public void close() {
      synchronized (ModelCache.this) {
        if (!closed) {
          closed = true;
          entry.leases--;
        }
      }
      evictIdle();
    }
  }

  private final int capacity;
  /** Access order: the first entries are the least recently used. */
  private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
  private boolean closed;

  /** Keeps up to {@code capacity} idle models loaded (2: one per side of a comparison). */
  public ModelCache(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1");
    }
    this.capacity = capacity;
  }

  public ModelCache() {
    this(2);
  }

  /**
   * The model at {@code model} (a llama2.c file, an HF folder, or a run folder), loading it
   * in the calling thread if no one has yet; waits while another thread loads it. Stops
   * waiting when {@code ctx} is cancelled.
   */
  public Lease acquire(Path model, Path tokenizer, JobContext ctx) {
    BlockingCheck.check("model load " + model);
    for (int attempt = 0; ; attempt++) {
      Key key = new Key(CheckpointDirs.resolve(model).toAbsolutePath().normalize(),
          tokenizer == null ? null : tokenizer.toAbsolutePath().normalize());
      try {
        return acquire(key, ctx);
      } catch (TemperException e) {
        // a run may delete an old checkpoint while we read it: take the newest one again
        if (attempt < 2 && !Files.exists(key.model()) && !key.model().equals(model.toAbsolutePath().normalize())) {
          continue;
        }
        throw e;
      }
    }
  }

  private Lease acquire(Key key, JobContext ctx) {
    Entry entry;
    boolean loader = false;
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("the model cache is closed");
      }
      entry = entries.get(key);
      if (entry == null) {
        entry = new Entry();
        entries.put(key, entry);
        loader = true;
      }
      entry.leases++;
    }
    try {
      if (loader) {
        ctx.progress(-1, "loading " + key.model().getFileName());
        try {
          entry.future.complete(ModelLoader.load(key.model(), key.tokenizer()));
        } catch (RuntimeException | Error e) {
          synchronized (this) {
            entries.remove(key);
          }
          entry.future.completeExceptionally(e);
        }
      }
      LoadedModel m = await(entry, ctx);
      Lease lease = new Lease(key, entry, m);
      evictIdle();
      return lease;
    } catch (RuntimeException | Error e) {
      synchronized (this) {
        entry.leases--;
      }
      throw e;
    }
  }

  private static LoadedModel await(Entry entry, JobContext ctx) {
    while (true) {
      ctx.checkCancelled();
      try {
        return entry.future.get(100, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        // check for cancellation and wait on
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.util.concurrent.CancellationException("interrupted");
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        throw new TemperException("cannot load the model: " + e.getCause(), e.getCause());
      }
    }
  }

  /** Whether the model of {@code key} is loaded now (tests, status). */
  public synchronized boolean isLoaded(Key key) {
    Entry e = entries.get(key);
    return e != null && e.future.isDone() && !e.future.isCompletedExceptionally();
  }

  /** How many models are loaded or loading. */
  public synchronized int size() {
    return entries.size();
  }

  private void evictIdle() {
    List<LoadedModel> toClose = new ArrayList<>();
    synchronized (this) {
      int excess = entries.size() - capacity;
      Iterator<Map.Entry<Key, Entry>> it = entries.entrySet().iterator();
      while (excess > 0 && it.hasNext()) {
        Entry e = it.next().getValue();
        if (e.leases == 0 && e.future.isDone()) {
          it.remove();
          excess--;
          LoadedModel m = e.future.getNow(null);
          if (m != null) {
            toClose.add(m);
          }
        }
      }
    }
    toClose.forEach(LoadedModel::close);
  }

  /** Closes every loaded model; leases still held become invalid. */
  @Override
  public void close() {
    List<LoadedModel> toClose = new ArrayList<>();
    synchronized (this) {
      closed = true;
      for (Entry e : entries.values()) {
        LoadedModel m = e.future.isDone() && !e.future.isCompletedExceptionally()
            ? e.future.getNow(null) : null;
        if (m != null) {
          toClose.add(m);
        }
      }
      entries.clear();
    }
    toClose.forEach(LoadedModel::close);
  }
}
