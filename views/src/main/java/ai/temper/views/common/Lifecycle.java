package ai.temper.views.common;

/**
 * A page's view-model through the life of the window (after Bisq 2's activate/deactivate):
 * the shell calls {@link #activate} each time the page is shown, {@link #deactivate} when
 * another page is, and {@link #close} once when the window closes. Work a page starts for
 * itself (refreshes, timers, listeners) lives between activate and deactivate; what it holds
 * for longer (loaded models, running replies) is released in close.
 */
public interface Lifecycle extends AutoCloseable {
  /** The page is shown: refresh what may have changed, start following what it shows. */
  default void activate() {}

  /** Another page is shown: stop what only matters while this one is visible. */
  default void deactivate() {}

  /** The window closes: stop work and free what the page holds. Called once. */
  @Override
  default void close() {}
}
