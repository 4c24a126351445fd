package ai.temper.views.shell;

import ai.temper.views.common.Lifecycle;
import java.util.Objects;
import javafx.scene.Node;

/**
 * One page of the workbench, reached from the navigation. The shell drives its
 * {@link Lifecycle}: activate when shown, deactivate when left, close when the window closes.
 */
public interface Page extends Lifecycle {
  /** Stable id, used for navigation and remembered between sessions. */
  String id();

  String title();

  /** A short symbol for the navigation button. */
  String glyph();

  /** The page's content; built once and kept. */
  Node view();

  /** A page whose lifecycle is its view-model's. */
  static Page of(String id, String title, String glyph, Node view, Lifecycle model) {
    Objects.requireNonNull(model, "model");
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
      public void activate() {
        model.activate();
      }

      @Override
      public void deactivate() {
        model.deactivate();
      }

      @Override
      public void close() {
        model.close();
      }
    };
  }

  /** A page that only refreshes when shown. */
  static Page of(String id, String title, String glyph, Node view, Runnable onActivated) {
    return of(id, title, glyph, view, new Lifecycle() {
      @Override
      public void activate() {
        if (onActivated != null) {
          onActivated.run();
        }
      }
    });
  }
}
