package ai.temper.engine.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Datasets and their examples. Examples of a dataset have contiguous positions
 * {@code idx = 0..row_count-1}, so a page is an index range, not an OFFSET scan; search is a
 * LIKE over the lowercased in-row {@code search_text} (see V10__datasets_search.sql).
 */
public final class DatasetRepository {
  /** A dataset's row. */
  public record DatasetInfo(long id, String name, String kind, String format,
      String sourcePath, String contentHash, long rowCount, String provenance,
      Instant createdAt) {}

  /** A stored example: {@code data} is the canonical JSON of the dataset's kind. */
  public record StoredExample(long id, long datasetId, long idx, String data, Long sourceLine) {}

  /** An example to insert. */
  public record NewExample(long idx, String data, String searchText, long contentHash,
      Long sourceLine) {}

  /** The longest search text kept per example (the column's size). */
  public static final int SEARCH_TEXT_MAX = 1_000_000;

  private static final String EXAMPLE_COLUMNS = "id, dataset_id, idx, data, source_line";

  private final Sql sql;

  DatasetRepository(Sql sql) {
    this.sql = sql;
  }

  /** Creates an empty dataset; fill it with {@link #insertExamples} and {@link #finish}. */
  public long create(String name, String kind, String format, String sourcePath,
      String contentHash, String provenance) {
    return sql.insert("INSERT INTO datasets(name, kind, format, source_path, content_hash, "
        + "row_count, provenance) VALUES (?, ?, ?, ?, ?, 0, ?)", name, kind, format, sourcePath,
        contentHash, provenance);
  }

  public void insertExamples(long datasetId, List<NewExample> examples) {
    List<Object[]> rows = new ArrayList<>(examples.size());
    for (NewExample e : examples) {
      String search = e.searchText();
      if (search != null && search.length() > SEARCH_TEXT_MAX) {
        search = search.substring(0, SEARCH_TEXT_MAX);
      }
      rows.add(new Object[] {datasetId, e.idx(), e.data(), search, e.contentHash(),
          e.sourceLine()});
    }
    sql.batch("INSERT INTO examples(dataset_id, idx, data, search_text, content_hash, "
        + "source_line) VALUES (?, ?, ?, ?, ?, ?)", rows);
  }

  /**
   * Adds one example at the end of a finished dataset and counts it: its position is the
   * dataset's row count, taken under a row lock so that concurrent appends get distinct
   * positions. Returns that position.
   */
  public long appendExample(long datasetId, String data, String searchText, long contentHash,
      Long sourceLine) {
    return sql.inTransaction(c -> {
      Optional<Long> count = sql.queryOne("SELECT row_count FROM datasets WHERE id = ? "
          + "FOR UPDATE", rs -> rs.getLong(1), datasetId);
      if (count.isEmpty()) {
        throw new ai.temper.engine.TemperException("No dataset with id " + datasetId);
      }
      long idx = count.get();
      insertExamples(datasetId, List.of(new NewExample(idx, data, searchText, contentHash,
          sourceLine)));
      sql.update("UPDATE datasets SET row_count = ? WHERE id = ?", idx + 1, datasetId);
      return idx;
    });
  }

  /**
   * Copies examples between datasets inside the database (no JSON travels through Java):
   * each row is {newIdx, sourceDatasetId, sourceIdx}.
   */
  public void copyExamples(long targetId, List<long[]> rows) {
    List<Object[]> params = new ArrayList<>(rows.size());
    for (long[] r : rows) {
      params.add(new Object[] {targetId, r[0], r[1], r[2]});
    }
    sql.batch("INSERT INTO examples(dataset_id, idx, data, search_text, content_hash, "
        + "source_line) SELECT ?, ?, data, search_text, content_hash, source_line "
        + "FROM examples WHERE dataset_id = ? AND idx = ?", params);
  }

  /** Sets the final row count and provenance of a filled dataset. */
  public void finish(long datasetId, long rowCount, String provenance) {
    sql.update("UPDATE datasets SET row_count = ?, provenance = ? WHERE id = ?", rowCount,
        provenance, datasetId);
  }

  public Optional<DatasetInfo> find(String name) {
    return sql.queryOne("SELECT * FROM datasets WHERE name = ?", DatasetRepository::info, name);
  }

  public Optional<DatasetInfo> find(long id) {
    return sql.queryOne("SELECT * FROM datasets WHERE id = ?", DatasetRepository::info, id);
  }

  public List<DatasetInfo> list() {
    return sql.query("SELECT * FROM datasets ORDER BY name", DatasetRepository::info);
  }

  /** Deletes a dataset and its examples; false when there was none. */
  public boolean delete(long datasetId) {
    return sql.inTransaction(c -> {
      try (var ps = c.prepareStatement("DELETE FROM examples WHERE dataset_id = ?")) {
        ps.setLong(1, datasetId);
        ps.executeUpdate();
      }
      try (var ps = c.prepareStatement("DELETE FROM datasets WHERE id = ?")) {
        ps.setLong(1, datasetId);
        return ps.executeUpdate() > 0;
      }
    });
  }

  /** Examples {@code offset .. offset+limit-1} in order: an index range lookup. */
  public List<StoredExample> page(long datasetId, long offset, int limit) {
    return sql.query("SELECT " + EXAMPLE_COLUMNS + " FROM examples WHERE dataset_id = ? "
        + "AND idx >= ? AND idx < ? ORDER BY idx", DatasetRepository::example, datasetId,
        offset, offset + limit);
  }

  public Optional<StoredExample> example(long datasetId, long idx) {
    return sql.queryOne("SELECT " + EXAMPLE_COLUMNS + " FROM examples WHERE dataset_id = ? "
        + "AND idx = ?", DatasetRepository::example, datasetId, idx);
  }

  /**
   * A page of the examples whose search text contains every term (case-insensitive
   * substrings, see {@link SearchTerms}), in dataset order.
   */
  public List<StoredExample> search(long datasetId, String query, long offset, int limit) {
    List<String> terms = SearchTerms.parse(query);
    if (terms.isEmpty()) {
      return page(datasetId, offset, limit);
    }
    Object[] params = params(datasetId, terms, offset, (long) limit);
    return sql.query("SELECT " + EXAMPLE_COLUMNS + " FROM examples WHERE dataset_id = ?"
        + likes(terms.size()) + " ORDER BY idx LIMIT ? OFFSET ?", DatasetRepository::example,
        reorderLimit(params));
  }

  /** How many examples match {@code query} (all of them for a blank query). */
  public long countMatches(long datasetId, String query) {
    List<String> terms = SearchTerms.parse(query);
    if (terms.isEmpty()) {
      return sql.queryLong("SELECT row_count FROM datasets WHERE id = ?", datasetId);
    }
    return sql.queryLong("SELECT COUNT(*) FROM examples WHERE dataset_id = ?"
        + likes(terms.size()), params(datasetId, terms));
  }

  private static String likes(int n) {
    return " AND search_text LIKE ? ESCAPE '\\'".repeat(n);
  }

  private static Object[] params(long datasetId, List<String> terms, Object... tail) {
    Object[] p = new Object[1 + terms.size() + tail.length];
    p[0] = datasetId;
    for (int i = 0; i < terms.size(); i++) {
      p[i + 1] = "%" + SearchTerms.escapeLike(terms.get(i)) + "%";
    }
    System.arraycopy(tail, 0, p, 1 + terms.size(), tail.length);
    return p;
  }

  /** Tail was (offset, limit); the statement reads LIMIT then OFFSET. */
  private static Object[] reorderLimit(Object[] p) {
    Object offset = p[p.length - 2];
    p[p.length - 2] = p[p.length - 1];
    p[p.length - 1] = offset;
    return p;
  }

  /** Streams all examples in order, {@code batch} at a time. */
  public void forEach(long datasetId, int batch, Consumer<List<StoredExample>> consumer) {
    long rows = sql.queryLong("SELECT COALESCE(MAX(idx) + 1, 0) FROM examples "
        + "WHERE dataset_id = ?", datasetId);
    for (long from = 0; from < rows; from += batch) {
      List<StoredExample> page = page(datasetId, from, batch);
      if (!page.isEmpty()) {
        consumer.accept(page);
      }
    }
  }

  /** The content fingerprints of all examples, by position. */
  public long[] contentHashes(long datasetId) {
    List<Long> hashes = sql.query("SELECT content_hash FROM examples WHERE dataset_id = ? "
        + "ORDER BY idx", rs -> rs.getLong(1), datasetId);
    long[] out = new long[hashes.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = hashes.get(i);
    }
    return out;
  }

  /** Examples whose content repeats an earlier example of the same dataset. */
  public long duplicateCount(long datasetId) {
    return sql.queryLong("SELECT COUNT(*) - COUNT(DISTINCT content_hash) FROM examples "
        + "WHERE dataset_id = ?", datasetId);
  }

  private static DatasetInfo info(ResultSet rs) throws SQLException {
    return new DatasetInfo(rs.getLong("id"), rs.getString("name"), rs.getString("kind"),
        rs.getString("format"), rs.getString("source_path"), rs.getString("content_hash"),
        rs.getLong("row_count"), rs.getString("provenance"), Sql.instant(rs, "created_at"));
  }

  private static StoredExample example(ResultSet rs) throws SQLException {
    long line = rs.getLong("source_line");
    return new StoredExample(rs.getLong("id"), rs.getLong("dataset_id"), rs.getLong("idx"),
        rs.getString("data"), rs.wasNull() ? null : line);
  }
}
