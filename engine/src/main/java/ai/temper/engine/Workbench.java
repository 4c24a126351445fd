package ai.temper.engine;

import ai.temper.engine.annotate.Annotations;
import ai.temper.engine.chat.Conversations;
import ai.temper.engine.data.DatasetLibrary;
import ai.temper.engine.eval.CheckpointEvaluation;
import ai.temper.engine.eval.Evaluations;
import ai.temper.engine.jobs.JobRunner;
import ai.temper.engine.models.ModelLibrary;
import ai.temper.engine.store.Database;
import ai.temper.engine.train.TrainingRuns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One opened workbench home: the embedded database, the job runner, the folders for
 * checkpoints and the model cache, and the services over them ({@link #models()},
 * {@link #runs()}, {@link #datasets()}, {@link #chats()}, {@link #evaluations()},
 * {@link #annotations()}). The GUI and the command line both work through it.
 */
public final class Workbench implements AutoCloseable {
  public static final String HOME_ENV = "TEMPER_HOME";

  private final Path home;
  private final HomeLock lock;
  private final Database database;
  private final JobRunner jobs;
  private ModelLibrary models;
  private TrainingRuns runs;
  private DatasetLibrary datasets;
  private Conversations chats;
  private Evaluations evaluations;
  private Annotations annotations;

  private final Object closing = new Object();
  private boolean closed;
  /**
   * SIGTERM (a logout, `kill`, Ctrl-C) runs this before the JVM halts: jobs are cancelled and
   * reach a check, the database closes cleanly and the lock goes. The JVM waits for it, and a
   * close already under way in another thread (a window closing as the session ends) finishes
   * first, so the JVM never halts in the middle of H2 closing its file.
   */
  private final Thread closeAtExit = new Thread(
      () -> close(EXIT_WAIT, Duration.ofSeconds(1), true), "temper-close-home");

  /** How long SIGTERM waits for a job to reach a check; a stuck one is left to the halt. */
  static final Duration EXIT_WAIT = Duration.ofSeconds(3);

  private Workbench(Path home, HomeLock lock, Database database) {
    this.home = home;
    this.lock = lock;
    this.database = database;
    this.jobs = new JobRunner(database.jobs());
    try {
      Runtime.getRuntime().addShutdownHook(closeAtExit);
    } catch (IllegalStateException shuttingDown) {
      // opened while the JVM exits: nothing to guard
    }
  }

  /** The explicit home if given, else $TEMPER_HOME, else ~/.temper. */
  public static Path resolveHome(Path explicit) {
    if (explicit != null) {
      return explicit.toAbsolutePath().normalize();
    }
    String env = System.getenv(HOME_ENV);
    if (env != null && !env.isBlank()) {
      return Path.of(env).toAbsolutePath().normalize();
    }
    return Path.of(System.getProperty("user.home"), ".temper").toAbsolutePath().normalize();
  }

  /**
   * Opens (creating if needed) the home at {@code home}. Fails with a {@link TemperException}
   * when another process holds it or its database is damaged; a damaged file is left as it is.
   */
  public static Workbench open(Path home) {
    Path dir = home.toAbsolutePath().normalize();
    try {
      Files.createDirectories(dir);
      for (String sub : new String[] {"checkpoints", "models"}) {
        Files.createDirectories(dir.resolve(sub));
      }
    } catch (IOException e) {
      throw new TemperException("Cannot create the Temper home " + dir + ": " + e.getMessage(), e);
    }
    HomeLock lock = HomeLock.acquire(dir);
    try {
      Database db = Database.open(dir);
      db.jobs().markInterrupted();
      db.runs().markInterrupted();
      return new Workbench(dir, lock, db);
    } catch (RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  public Path home() {
    return home;
  }

  public Path checkpointsDir() {
    return home.resolve("checkpoints");
  }

  public Path modelsDir() {
    return home.resolve("models");
  }

  /** The model library: base models, checkpoints and adapters with their lineage. */
  public synchronized ModelLibrary models() {
    if (models == null) {
      models = new ModelLibrary(this);
    }
    return models;
  }

  /** Training runs: create, start as jobs, resume; one set of listeners for all. */
  public synchronized TrainingRuns runs() {
    if (runs == null) {
      // eval_suite: each saved checkpoint of a run is evaluated
      runs = new TrainingRuns(this, (config, ctx) -> config.evalSuite() == null ? List.of()
          : List.of(new CheckpointEvaluation(this, config.evalSuite(), ctx)));
    }
    return runs;
  }

  /** The datasets: list, page and search, import, statistics, delete. */
  public synchronized DatasetLibrary datasets() {
    if (datasets == null) {
      datasets = new DatasetLibrary(database);
    }
    return datasets;
  }

  /** The saved chat conversations. */
  public synchronized Conversations chats() {
    if (chats == null) {
      chats = new Conversations(database);
    }
    return chats;
  }

  /** Evaluation suites run on models, and their stored results. */
  public synchronized Evaluations evaluations() {
    if (evaluations == null) {
      evaluations = new Evaluations(this);
    }
    return evaluations;
  }

  /** Preference-labelling sessions, their labels and bundles. */
  public synchronized Annotations annotations() {
    if (annotations == null) {
      annotations = new Annotations(database);
    }
    return annotations;
  }

  /**
   * The database itself, for engine code and commands below the services. Pages use the
   * services above (an architecture test keeps them off the repositories).
   */
  public Database db() {
    return database;
  }

  public JobRunner jobs() {
    return jobs;
  }

  /**
   * Cancels running jobs, closes the database and releases the home; a second call waits
   * for the first to finish.
   */
  @Override
  public void close() {
    close(Duration.ofSeconds(5), Duration.ofSeconds(10), false);
  }

  private void close(Duration eachJob, Duration threads, boolean exiting) {
    synchronized (closing) {
      if (closed) {
        return;
      }
      closed = true;
      try {
        jobs.close(eachJob, threads);
        if (exiting) {
          database.shutdown(); // a stuck job may still hold a connection
        } else {
          database.close();
        }
      } finally {
        lock.close();
      }
    }
    if (Thread.currentThread() != closeAtExit) {
      try {
        Runtime.getRuntime().removeShutdownHook(closeAtExit);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs now and finds the home closed
      }
    }
  }
}
