package ai.temper.engine.store;

import ai.temper.engine.BlockingCheck;
import ai.temper.engine.TemperException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The small JDBC helper under every repository: parameter binding, row mapping and
 * transactions, so no repository repeats the try-with-resources dance.
 */
public final class Sql {
  /** Maps one row. */
  @FunctionalInterface
  public interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  /** Work inside one transaction. */
  @FunctionalInterface
  public interface TxWork<T> {
    T run(Connection c) throws SQLException;
  }

  private final DataSource source;
  private final ThreadLocal<Connection> current = new ThreadLocal<>();
  private final Outcomes outcomes;

  Sql(DataSource source) {
    this(source, null);
  }

  Sql(DataSource source, Outcomes outcomes) {
    this.source = source;
    this.outcomes = outcomes;
  }

  /**
   * Sets a job's or run's end; when the database cannot be written (a full disk), keeps it
   * for the next open instead, so the records still agree afterwards.
   */
  void finishOrDefer(String table, long id, String status, String error, Runnable update) {
    try {
      update.run();
    } catch (TemperException e) {
      if (outcomes == null || !Outcomes.isStorageFailure(e)
          || !outcomes.defer(table, id, status, error)) {
        throw e;
      }
    }
  }

  /** Runs {@code work} in one transaction: all of it lands, or none. Nested calls join. */
  public <T> T inTransaction(TxWork<T> work) {
    Connection open = current.get();
    if (open != null) {
      try {
        return work.run(open);
      } catch (SQLException e) {
        throw wrap(e);
      }
    }
    BlockingCheck.check("database transaction");
    try (Connection c = source.getConnection()) {
      c.setAutoCommit(false);
      current.set(c);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        current.remove();
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw wrap(e);
    }
  }

  public <T> List<T> query(String sql, RowMapper<T> mapper, Object... params) {
    return inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        bind(ps, params);
        try (ResultSet rs = ps.executeQuery()) {
          List<T> out = new ArrayList<>();
          while (rs.next()) {
            out.add(mapper.map(rs));
          }
          return out;
        }
      }
    });
  }

  public <T> Optional<T> queryOne(String sql, RowMapper<T> mapper, Object... params) {
    List<T> rows = query(sql, mapper, params);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  public long queryLong(String sql, Object... params) {
    return queryOne(sql, rs -> rs.getLong(1), params).orElse(0L);
  }

  public int update(String sql, Object... params) {
    return inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        bind(ps, params);
        return ps.executeUpdate();
      }
    });
  }

  /** Inserts one row and returns its generated id. */
  public long insert(String sql, Object... params) {
    return inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS)) {
        bind(ps, params);
        ps.executeUpdate();
        try (ResultSet keys = ps.getGeneratedKeys()) {
          if (!keys.next()) {
            throw new SQLException("no generated key for: " + sql);
          }
          return keys.getLong(1);
        }
      }
    });
  }

  /** Runs one statement for each parameter row, in one batch and one transaction. */
  public void batch(String sql, List<Object[]> rows) {
    if (rows.isEmpty()) {
      return;
    }
    inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        for (Object[] row : rows) {
          bind(ps, row);
          ps.addBatch();
        }
        ps.executeBatch();
      }
      return null;
    });
  }

  static void bind(PreparedStatement ps, Object... params) throws SQLException {
    for (int i = 0; i < params.length; i++) {
      Object p = params[i];
      if (p instanceof Instant t) {
        ps.setTimestamp(i + 1, Timestamp.from(t));
      } else if (p instanceof Enum<?> e) {
        ps.setString(i + 1, e.name());
      } else {
        ps.setObject(i + 1, p);
      }
    }
  }

  /** Reads a nullable timestamp column as an Instant. */
  public static Instant instant(ResultSet rs, String column) throws SQLException {
    Timestamp t = rs.getTimestamp(column);
    return t == null ? null : t.toInstant();
  }

  private RuntimeException wrap(SQLException e) {
    String storage = Outcomes.reason(e);
    if (storage != null) {
      // one line, not H2's chain of "database has been closed" frames
      return new TemperException("Database error: " + storage
          + (outcomes == null ? "" : " holding " + outcomes.home())
          + "; free some space and run the command again (what was committed is kept)", e);
    }
    String m = e.getMessage();
    int nl = m == null ? -1 : m.indexOf('\n');
    return new TemperException("Database error: " + (nl < 0 ? m : m.substring(0, nl)), e);
  }
}
