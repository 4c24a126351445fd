package ai.temper.engine;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;

/**
 * Why a file could not be read, in words that never quote the file: a model folder may link
 * its tokenizer.json to a file the user did not mean to show (a parser's "Unrecognized token
 * 'root'" would print its first word).
 */
public final class FileErrors {
  private FileErrors() {}

  /** The reason, one line, without any of the file's contents. */
  public static String reason(IOException e) {
    if (e instanceof JsonProcessingException j) {
      JsonLocation at = j.getLocation();
      return "not valid JSON" + (at == null || at.getLineNr() < 0 ? ""
          : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")");
    }
    if (e instanceof CharacterCodingException) {
      return "not UTF-8 text";
    }
    String m = e.getMessage();
    if (m == null) {
      return e.getClass().getSimpleName();
    }
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  /**
   * A parser's message with every quoted part ('x', "x", `x`) left out and cut to one line:
   * for messages of native parsers, which quote what they did not expect.
   */
  public static String withoutQuotes(String m) {
    if (m == null) {
      return "";
    }
    int nl = m.indexOf('\n');
    String line = nl < 0 ? m : m.substring(0, nl);
    return line.replaceAll("'[^']*'|\"[^\"]*\"|`[^`]*`", "'...'");
  }
}
