package ai.temper.views.chat;

import java.util.function.BiConsumer;
import java.util.function.Consumer;
import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.TextArea;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

/**
 * One column of chat bubbles (user messages on the right, replies on the left), following a
 * list of {@link ChatItem}s; a bubble's text is bound to its item, so streamed text shows as
 * it comes. Each bubble offers Copy and Edit; editing swaps the text for a text area in place.
 * Style classes: bubble, user / assistant, bubble-role, bubble-text, bubble-info.
 */
final class ChatColumn extends VBox {
  private final ObservableList<ChatItem> items;
  private final VBox content = new VBox(10);
  private final ScrollPane scroll = new ScrollPane(content);
  private final Consumer<ChatItem> onCopy;
  private final BiConsumer<ChatItem, String> onEdit;
  private boolean follow = true;

  ChatColumn(String id, javafx.scene.Node header, ObservableList<ChatItem> items,
      Consumer<ChatItem> onCopy, BiConsumer<ChatItem, String> onEdit) {
    this.items = items;
    this.onCopy = onCopy;
    this.onEdit = onEdit;
    setId(id);
    getStyleClass().add("chat-column");
    content.getStyleClass().add("conversation");
    content.setFillWidth(true);
    scroll.setFitToWidth(true);
    scroll.getStyleClass().add("chat-scroll");
    VBox.setVgrow(scroll, Priority.ALWAYS);
    setSpacing(6);
    getChildren().addAll(header, scroll);
    // keep the newest text in view while it streams, unless the user scrolled up to read
    scroll.vvalueProperty().addListener((obs, old, now) -> {
      if (!adjusting) {
        follow = now.doubleValue() >= scroll.getVmax() - 0.02;
      }
    });
    content.heightProperty().addListener((obs, old, now) -> {
      if (follow) {
        adjusting = true;
        scroll.setVvalue(scroll.getVmax());
        adjusting = false;
      }
    });
    items.addListener((ListChangeListener<ChatItem>) this::changed);
    rebuild();
  }

  private boolean adjusting;

  /** Appends bubbles for items added at the end (a streaming reply); rebuilds otherwise. */
  private void changed(ListChangeListener.Change<? extends ChatItem> c) {
    boolean appendOnly = true;
    int shown = content.getChildren().size();
    while (c.next()) {
      if (!c.wasAdded() || c.wasRemoved() || c.wasPermutated() || c.getFrom() != shown) {
        appendOnly = false;
      } else {
        shown += c.getAddedSize();
      }
    }
    c.reset();
    if (!appendOnly || items.size() != shown || (shown > 0 && isHint())) {
      rebuild();
      return;
    }
    while (c.next()) {
      for (ChatItem item : c.getAddedSubList()) {
        content.getChildren().add(row(item));
      }
    }
    follow = true;
  }

  private boolean isHint() {
    return !content.getChildren().isEmpty() && content.getChildren().get(0) instanceof Label;
  }

  private void rebuild() {
    content.getChildren().clear();
    if (items.isEmpty()) {
      Label hint = new Label("Pick a model, write a message and press Send (Ctrl+Enter).");
      hint.getStyleClass().add("muted");
      hint.setWrapText(true);
      content.getChildren().add(hint);
    }
    for (ChatItem item : items) {
      content.getChildren().add(row(item));
    }
    follow = true;
  }

  private HBox row(ChatItem item) {
    VBox bubble = bubble(item);
    Region spacer = new Region();
    spacer.setMinWidth(40);
    HBox.setHgrow(spacer, Priority.ALWAYS);
    HBox row = item.isUser() ? new HBox(spacer, bubble) : new HBox(bubble, spacer);
    row.setAlignment(item.isUser() ? Pos.TOP_RIGHT : Pos.TOP_LEFT);
    return row;
  }

  private VBox bubble(ChatItem item) {
    Label role = new Label(item.isUser() ? "You" : "Assistant");
    role.getStyleClass().add("bubble-role");
    Label info = new Label();
    info.getStyleClass().addAll("bubble-info", "muted");
    info.textProperty().bind(item.infoProperty());
    Region gap = new Region();
    HBox.setHgrow(gap, Priority.ALWAYS);
    Button copy = new Button("Copy");
    copy.getStyleClass().add("flat");
    copy.getStyleClass().add("bubble-copy");
    copy.setOnAction(e -> onCopy.accept(item));
    Button edit = new Button("Edit");
    edit.getStyleClass().addAll("flat", "bubble-edit");
    edit.disableProperty().bind(item.streamingProperty());
    HBox header = new HBox(8, role, gap, copy, edit);
    header.setAlignment(Pos.CENTER_LEFT);
    for (Region r : new Region[] {role, copy, edit}) {
      r.setMinWidth(Region.USE_PREF_SIZE);
    }
    info.managedProperty().bind(info.textProperty().isNotEmpty());
    info.visibleProperty().bind(info.managedProperty());

    Label text = new Label();
    text.getStyleClass().add("bubble-text");
    text.setWrapText(true);
    text.textProperty().bind(item.textProperty());
    text.setMinHeight(Region.USE_PREF_SIZE);

    VBox bubble = new VBox(4, header, text, info);
    bubble.getStyleClass().addAll("bubble", item.isUser() ? "user" : "assistant");
    bubble.setId("bubble-" + item.idx() + "-" + item.side());
    bubble.setMaxWidth(720);
    edit.setOnAction(e -> startEditing(bubble, text, item));
    return bubble;
  }

  private void startEditing(VBox bubble, Label text, ChatItem item) {
    TextArea area = new TextArea(item.text());
    area.setWrapText(true);
    area.setPrefRowCount(Math.min(12, Math.max(2, item.text().split("\n").length + 1)));
    area.getStyleClass().add("bubble-editor");
    Button save = new Button(item.isUser() ? "Save and regenerate" : "Save");
    save.getStyleClass().addAll("primary", "bubble-save");
    Button cancel = new Button("Cancel");
    cancel.getStyleClass().add("bubble-cancel");
    Label note = new Label("Turns after this one will be removed.");
    note.getStyleClass().add("muted");
    HBox buttons = new HBox(8, save, cancel, note);
    buttons.setAlignment(Pos.CENTER_LEFT);
    int at = bubble.getChildren().indexOf(text);
    bubble.getChildren().set(at, area);
    bubble.getChildren().add(at + 1, buttons);
    cancel.setOnAction(e -> {
      bubble.getChildren().remove(buttons);
      bubble.getChildren().set(bubble.getChildren().indexOf(area), text);
    });
    save.setOnAction(e -> onEdit.accept(item, area.getText()));
    area.requestFocus();
  }
}
