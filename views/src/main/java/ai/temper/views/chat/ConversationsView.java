package ai.temper.views.chat;

import ai.temper.engine.Workbench;
import ai.temper.engine.store.ConversationRepository.Summary;
import ai.temper.views.common.ListViewModel;
import ai.temper.views.common.TablePage;

/** Saved conversations. */
public final class ConversationsView extends TablePage<Summary> {
  public ConversationsView(ListViewModel<Summary> model) {
    super("Chat", "Conversations with checkpoints, one model or two side by side.",
        model.rows(), "No conversations yet.");
    column("ID", Summary::id, 50);
    column("Title", Summary::title, 240);
    column("Model", Summary::modelPath, 240);
    column("Second model", Summary::secondModelPath, 200);
    column("Messages", Summary::messages, 80);
    column("Updated", Summary::updatedAt, 180);
    action("Refresh", model::refresh);
    table().setId("chat-table");
  }

  public static ListViewModel<Summary> model(Workbench wb) {
    return new ListViewModel<>(wb.jobs(), () -> wb.db().conversations().list());
  }
}
