package ai.temper.engine.store;

import ai.temper.engine.TemperException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.h2.jdbcx.JdbcConnectionPool;

/**
 * The embedded H2 database of one home, its schema kept by versioned Flyway migrations
 * ({@code db/migration/V*__*.sql}). The repositories reached from here are the only code
 * that talks SQL.
 */
public final class Database implements AutoCloseable {
  public static final String FILE_NAME = "temper.mv.db";

  private final Path file;
  private final JdbcConnectionPool pool;
  private final Sql sql;

  private String url;

  private Database(Path file, JdbcConnectionPool pool) {
    this.file = file;
    this.pool = pool;
    this.sql = new Sql(pool, new Outcomes(file.getParent()));
  }

  /** Opens the database of {@code home}, creating or upgrading its schema. */
  public static Database open(Path home) {
    Path file = home.resolve(FILE_NAME);
    boolean existed = Files.exists(file);
    boolean clean = true;
    if (existed) {
      clean = H2FileCheck.check(file);
      verifyReadOnly(home, file);
    }
    // WRITE_DELAY=0: a commit is written to the file before it returns, so labels, runs and
    // metrics survive a killed process (H2 otherwise buffers commits for up to a second).
    String url = "jdbc:h2:file:" + home.resolve("temper") + ";DB_CLOSE_ON_EXIT=FALSE"
        + ";WRITE_DELAY=0";
    if (!clean) {
      settle(file, url);
    }
    JdbcConnectionPool pool = JdbcConnectionPool.create(url, "temper", "");
    pool.setMaxConnections(16);
    try {
      Flyway.configure()
          .dataSource(pool)
          .locations("classpath:db/migration")
          .failOnMissingLocations(true)
          .load()
          .migrate();
    } catch (FlywayException e) {
      pool.dispose();
      String storage = Outcomes.reason(e);
      throw new TemperException("Cannot prepare the database " + file + ": "
          + (storage != null ? storage + "; free some space and run the command again (what "
              + "was committed is kept)" : rootMessage(e)), e);
    }
    Database db = new Database(file, pool);
    db.url = url;
    db.applyOutcomes();
    return db;
  }

  /** Ends written aside by a process whose database could not be written (see Outcomes). */
  private void applyOutcomes() {
    Outcomes outcomes = new Outcomes(file.getParent());
    List<Outcomes.Outcome> pending = outcomes.read();
    for (Outcomes.Outcome o : pending) {
      sql.update("UPDATE " + (o.table().equals("jobs") ? "jobs" : "runs")
          + " SET status = ?, error = ?, ended_at = CURRENT_TIMESTAMP"
          + " WHERE id = ? AND status IN ('RUNNING', 'INTERRUPTED')", o.status(), o.error(),
          o.id());
    }
    if (!pending.isEmpty()) {
      outcomes.clear();
    }
    outcomes.reserve();
  }

  /**
   * Sets a job's or run's end, or keeps it for the next open when the database cannot be
   * written (a full disk), so the job and run records agree afterwards.
   */
  void finishOrDefer(String table, long id, String status, String error, Runnable update) {
    sql.finishOrDefer(table, id, status, error, update);
  }

  /**
   * After a process that did not close the file cleanly, opens it once and shuts it down
   * before the session proper. A store left by a process that died while H2 was closing it
   * (a GUI whose X session ended under a SIGTERM) opened straight away kept every commit of
   * the next session in memory until that session closed: a kill -9 then lost them all
   * (StoreDurabilityTest). One clean close first, and commits reach the file again as they
   * are made.
   */
  private static void settle(Path file, String url) {
    try (Connection c = java.sql.DriverManager.getConnection(url, "temper", "");
        var st = c.createStatement()) {
      st.execute("SHUTDOWN");
    } catch (SQLException e) {
      throw new TemperException("Cannot open the database " + file + ": " + rootMessage(e), e);
    }
  }

  /**
   * Opens an existing file read-only and reads the whole schema history first: a truncated or
   * damaged file fails here, while H2 cannot yet write to it.
   */
  private static void verifyReadOnly(Path home, Path file) {
    String url = "jdbc:h2:file:" + home.resolve("temper") + ";ACCESS_MODE_DATA=r"
        + ";DB_CLOSE_ON_EXIT=FALSE";
    try (Connection c = java.sql.DriverManager.getConnection(url, "temper", "");
        var st = c.createStatement()) {
      try (var rs = st.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES")) {
        rs.next();
      }
      if (st.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES "
          + "WHERE TABLE_NAME = 'flyway_schema_history'").next()) {
        try (var rs = st.executeQuery("SELECT COUNT(*) FROM \"flyway_schema_history\"")) {
          rs.next();
        } catch (SQLException missing) {
          // a new database has no history yet
        }
      }
      st.execute("SHUTDOWN");
    } catch (SQLException e) {
      // H2 asks to write when it would have to repair the file: read-only, it cannot.
      String why = e.getErrorCode() == org.h2.api.ErrorCode.DATABASE_IS_READ_ONLY
          ? "it is incomplete or inconsistent, perhaps truncated"
          : firstLine(e.getMessage());
      TemperException damaged = H2FileCheck.damaged(file, why);
      damaged.initCause(e);
      throw damaged;
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return firstLine(t.getMessage());
  }

  public Path file() {
    return file;
  }

  /** The JDBC helper the repositories share. */
  public Sql sql() {
    return sql;
  }

  public JobRepository jobs() {
    return new JobRepository(sql);
  }

  public RunRepository runs() {
    return new RunRepository(sql);
  }

  public MetricRepository metrics() {
    return new MetricRepository(sql);
  }

  public CheckpointRepository checkpoints() {
    return new CheckpointRepository(sql);
  }

  public ModelRepository models() {
    return new ModelRepository(sql);
  }

  public DatasetRepository datasets() {
    return new DatasetRepository(sql);
  }

  public AnnotationRepository annotations() {
    return new AnnotationRepository(sql);
  }

  public EvalRepository evals() {
    return new EvalRepository(sql);
  }

  public ConversationRepository conversations() {
    return new ConversationRepository(sql);
  }

  @Override
  public void close() {
    // H2 closes the file cleanly when the last pooled connection goes.
    pool.dispose();
  }

  /**
   * Closes the database now, even while other threads hold connections (their statements
   * fail from here on): for the JVM's exit. H2 closes its file when the last connection goes;
   * left to another thread, that close could still be writing when the JVM halts after its
   * shutdown hooks, so the hook closes it itself. Committed work is on disk already.
   */
  public void shutdown() {
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, "temper", "");
        java.sql.Statement st = c.createStatement()) {
      st.execute("SHUTDOWN");
    } catch (java.sql.SQLException alreadyClosed) {
      // nothing left to close
    }
    pool.dispose();
  }
}
