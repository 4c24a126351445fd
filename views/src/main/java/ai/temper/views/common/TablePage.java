package ai.temper.views.common;

import java.util.function.Function;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.collections.ObservableList;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.Tooltip;
import javafx.scene.control.TableView;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.scene.text.Text;

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
    // the explanation wraps; the actions keep their whole labels
    VBox heading = new VBox(2, h, sub);
    heading.setMinWidth(0);
    HBox.setHgrow(heading, Priority.ALWAYS);
    actions.setMinWidth(Region.USE_PREF_SIZE);
    HBox top = new HBox(12, heading, actions);
    top.setPadding(new Insets(0, 0, 12, 0));
    setTop(top);
    table.setItems(rows);
    table.setPlaceholder(placeholder(emptyText));
    table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
    setCenter(table);
  }

  /** Adds a column showing {@code value} of each row. */
  public <V> TableColumn<T, V> column(String name, Function<T, V> value, double prefWidth) {
    TableColumn<T, V> c = new TableColumn<>(name);
    c.setCellValueFactory(cd -> new ReadOnlyObjectWrapper<>(value.apply(cd.getValue())));
    fit(c, prefWidth);
    table.getColumns().add(c);
    return c;
  }

  /**
   * Sizes a column so its header is never cut ("Par..."), and gives its cells a tooltip with
   * the whole value, for values longer than the column is wide.
   */
  public static <S, V> void fit(TableColumn<S, V> c, double prefWidth) {
    double header = new Text(c.getText()).getLayoutBounds().getWidth() * 1.15 + 24;
    c.setMinWidth(header);
    c.setPrefWidth(Math.max(prefWidth, header));
    c.setCellFactory(col -> new TableCell<>() {
      @Override
      protected void updateItem(V item, boolean empty) {
        super.updateItem(item, empty);
        String text = empty || item == null ? null : item.toString();
        setText(text);
        setTooltip(text == null || text.isEmpty() ? null : new Tooltip(text));
      }
    });
  }

  /** An empty-table message that wraps instead of being cut. */
  public static Label placeholder(String text) {
    Label l = new Label(text);
    l.setWrapText(true);
    l.setMaxWidth(520);
    l.setTextAlignment(javafx.scene.text.TextAlignment.CENTER);
    l.setAlignment(javafx.geometry.Pos.CENTER);
    l.getStyleClass().add("muted");
    return l;
  }

  public Button action(String text, Runnable onAction) {
    Button b = new Button(text);
    b.setMinWidth(Region.USE_PREF_SIZE);
    b.setOnAction(e -> onAction.run());
    actions.getChildren().add(b);
    return b;
  }

  public TableView<T> table() {
    return table;
  }
}
