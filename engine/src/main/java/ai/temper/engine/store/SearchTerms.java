package ai.temper.engine.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A search box query: whitespace-separated terms, or "quoted phrases", each matched as a
 * case-insensitive substring; an example matches when it contains all of them.
 */
public final class SearchTerms {
  private SearchTerms() {}

  public static List<String> parse(String query) {
    List<String> terms = new ArrayList<>();
    if (query == null) {
      return terms;
    }
    String q = query.toLowerCase(Locale.ROOT);
    int i = 0;
    while (i < q.length()) {
      char ch = q.charAt(i);
      if (Character.isWhitespace(ch)) {
        i++;
      } else if (ch == '"') {
        int end = q.indexOf('"', i + 1);
        String phrase = end < 0 ? q.substring(i + 1) : q.substring(i + 1, end);
        if (!phrase.isBlank()) {
          terms.add(phrase);
        }
        i = end < 0 ? q.length() : end + 1;
      } else {
        int end = i;
        while (end < q.length() && !Character.isWhitespace(q.charAt(end))) {
          end++;
        }
        terms.add(q.substring(i, end));
        i = end;
      }
    }
    return terms;
  }

  /** Escapes LIKE's wildcards so a term matches literally (escape character: backslash). */
  static String escapeLike(String term) {
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
  }
}
