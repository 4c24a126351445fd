package ai.temper.views.common;

import java.util.function.Function;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.collections.ObservableList;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

/** A page layout: a title, a one-line explanation, actions, and a table of rows. */
public class TablePage<T> extends BorderPane {
  private final TableView<T> table = new TableView<>();
  private final HBox actions = new HBox(8);

  public TablePage(String title, String subtitle, ObservableList<T> rows, String emptyText) {
    getStyleClass().add("page");
    Label h = new Label(title);
    h.getStyleClass().add("page-title");
    Label sub = new Label(subtitle);
    sub.getStyleClass().add("page-subtitle");
    sub.setWrapText(true);
    Region spacer = new Region();
    HBox.setHgrow(spacer, Priority.ALWAYS);
    HBox top = new HBox(12, new VBox(2, h, sub), spacer, actions);
    top.setPadding(new Insets(0, 0, 12, 0));
    setTop(top);
    table.setItems(rows);
    table.setPlaceholder(new Label(emptyText));
    table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
    setCenter(table);
  }

  /** Adds a column showing {@code value} of each row. */
  public <V> TableColumn<T, V> column(String name, Function<T, V> value, double prefWidth) {
    TableColumn<T, V> c = new TableColumn<>(name);
    c.setCellValueFactory(cd -> new ReadOnlyObjectWrapper<>(value.apply(cd.getValue())));
    c.setPrefWidth(prefWidth);
    table.getColumns().add(c);
    return c;
  }

  public Button action(String text, Runnable onAction) {
    Button b = new Button(text);
    b.setOnAction(e -> onAction.run());
    actions.getChildren().add(b);
    return b;
  }

  public TableView<T> table() {
    return table;
  }
}
