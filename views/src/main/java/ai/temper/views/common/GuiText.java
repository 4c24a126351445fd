package ai.temper.views.common;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Engine messages in the words of the window: the engine speaks to the command line ("choose
 * another --name", "pass --format hh"), the GUI has fields and choices for the same things.
 */
public final class GuiText {
  private static final Pattern PASS_FORMAT = Pattern.compile("pass --format( ([a-z|]+))?");
  private static final Pattern OPTION = Pattern.compile("--([a-z][a-z-]*)");

  private GuiText() {}

  /** {@code message} with command-line options named as the fields that set them. */
  public static String of(String message) {
    if (message == null) {
      return "";
    }
    String s = message
        .replace("choose another --name", "choose another name")
        .replace("(--on-error abort)", "(malformed rows: abort)")
        .replace("(--name)", "(Name)")
        .replace("--set ", "")
        .replace("temper datasets list shows them", "the Datasets page lists them")
        .replace("temper models list shows the library", "the Models page lists them")
        .replace("see: temper models list", "see the Models page");
    Matcher m = PASS_FORMAT.matcher(s);
    s = m.replaceAll(r -> r.group(2) == null ? "choose the format"
        : "choose the format " + r.group(2));
    // any other option: its name, as the field is labelled
    return OPTION.matcher(s).replaceAll(r -> r.group(1).replace('-', ' '));
  }
}
