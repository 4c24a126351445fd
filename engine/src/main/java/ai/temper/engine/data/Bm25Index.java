package ai.temper.engine.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * A temporary in-memory Lucene index scored by BM25 (k1 1.2, b 0.75), English analysis
 * (stop words, Porter stemming). Documents are keyed by a caller's position number.
 */
final class Bm25Index implements AutoCloseable {
  /** Lucene refuses queries above 1024 clauses; long targets keep their first terms. */
  static final int MAX_TERMS = 1000;

  private final Analyzer analyzer = new EnglishAnalyzer();
  private final ByteBuffersDirectory dir = new ByteBuffersDirectory();
  private IndexWriter writer;
  private DirectoryReader reader;
  private IndexSearcher searcher;

  Bm25Index() {
    try {
      IndexWriterConfig config = new IndexWriterConfig(analyzer);
      config.setSimilarity(new BM25Similarity());
      config.setRAMBufferSizeMB(64);
      writer = new IndexWriter(dir, config);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void add(long position, String text) {
    Document d = new Document();
    d.add(new StoredField("pos", position));
    d.add(new TextField("text", text, Field.Store.NO));
    try {
      writer.addDocument(d);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Ends indexing; searches may follow. */
  void commit() {
    try {
      writer.close();
      reader = DirectoryReader.open(dir);
      searcher = new IndexSearcher(reader);
      searcher.setSimilarity(new BM25Similarity());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The positions of the k best matches for {@code text}, best first. */
  long[] search(String text, int k) {
    Set<String> terms = new LinkedHashSet<>();
    try (TokenStream ts = analyzer.tokenStream("text", text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      ts.reset();
      while (ts.incrementToken() && terms.size() < MAX_TERMS) {
        terms.add(term.toString());
      }
      ts.end();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (terms.isEmpty()) {
      return new long[0];
    }
    BooleanQuery.Builder q = new BooleanQuery.Builder();
    for (String t : terms) {
      q.add(new TermQuery(new Term("text", t)), BooleanClause.Occur.SHOULD);
    }
    try {
      ScoreDoc[] hits = searcher.search(q.build(), k).scoreDocs;
      long[] out = new long[hits.length];
      var stored = searcher.storedFields();
      for (int i = 0; i < hits.length; i++) {
        out[i] = stored.document(hits[i].doc).getField("pos").numericValue().longValue();
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      if (reader != null) {
        reader.close();
      } else {
        writer.close();
      }
      dir.close();
      analyzer.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
