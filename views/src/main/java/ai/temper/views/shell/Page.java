package ai.temper.views.shell;

import javafx.scene.Node;

/** One page of the workbench, reached from the navigation. */
public interface Page {
  /** Stable id, used for navigation and remembered between sessions. */
  String id();

  String title();

  /** A short symbol for the navigation button. */
  String glyph();

  /** The page's content; built once and kept. */
  Node view();

  /** Called each time the page is shown: refresh what may have changed. */
  default void activated() {}

  /** A page from its parts. */
  static Page of(String id, String title, String glyph, Node view, Runnable onActivated) {
    return new Page() {
      @Override
      public String id() {
        return id;
      }

      @Override
      public String title() {
        return title;
      }

      @Override
      public String glyph() {
        return glyph;
      }

      @Override
      public Node view() {
        return view;
      }

      @Override
      public void activated() {
        if (onActivated != null) {
          onActivated.run();
        }
      }
    };
  }
}
