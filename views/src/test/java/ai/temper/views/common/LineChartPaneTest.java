package ai.temper.views.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/** The chart model: an axis per metric, readable ticks, markers, colours that stay. */
@ExtendWith(ApplicationExtension.class)
class LineChartPaneTest {
  @Start
  void start(Stage stage) {}

  @Test
  void eachMetricGetsItsOwnAxisAndTrainAndEvalShareOne() {
    LineChartPane c = new LineChartPane("Metrics", "step", "", LineChartPane.PER_METRIC);
    for (int s = 1; s <= 40; s++) {
      c.append("learning_rate", s, 2e-5 * s / 40);
      c.append("grad_norm", s, 5 + 5.0 * s / 40);
      c.append("rewards/accuracies", s, 0.5 + s / 100.0);
    }
    c.append("eval_rewards/accuracies", 20, 0.6);
    c.append("eval_rewards/accuracies", 40, 0.8);
    assertThat(c.panelKeys()).containsExactly("learning_rate", "grad_norm",
        "rewards/accuracies");
    assertThat(c.yAxisOf("learning_rate")).isNotSameAs(c.yAxisOf("grad_norm"));
    assertThat(c.yAxisOf("eval_rewards/accuracies")).isSameAs(c.yAxisOf("rewards/accuracies"));
    assertThat(c.yAxisOf("learning_rate").getLabel()).isEqualTo("learning_rate");
    // the learning rate fills its own axis instead of lying flat at 0 beside the grad norm
    assertThat(c.yAxisOf("learning_rate").getRange().getUpperBound()).isLessThan(1e-4);
    // two eval points are drawn as points, forty train points as a line
    assertThat(c.hasMarkers("eval_rewards/accuracies")).isTrue();
    assertThat(c.hasMarkers("grad_norm")).isFalse();
  }

  @Test
  void tickLabelsAreReadable() {
    assertThat(LineChartPane.ReadableFormat.text(0)).isEqualTo("0");
    assertThat(LineChartPane.ReadableFormat.text(2e-5)).isEqualTo("2.00e-05");
    // plain decimals in the user's locale for ordinary values
    assertThat(LineChartPane.ReadableFormat.text(0.5)).matches("0[.,]5");
    assertThat(LineChartPane.ReadableFormat.text(1.25)).matches("1[.,]25");
    assertThat(LineChartPane.ReadableFormat.text(12_500)).matches("12\\D?500");
  }

  @Test
  void aSeriesKeepsItsColourWhenTheChartIsRefilled() {
    LineChartPane c = new LineChartPane("Loss", "step", "loss");
    c.setSeries(Map.of("#1 sft", List.of(new LineChartPane.Point(1, 2))));
    c.append("#2 dpo", 1, 1);
    java.awt.Color dpo = c.colourOf("#2 dpo");
    c.clear();
    c.setSeries(Map.of("#2 dpo", List.of(new LineChartPane.Point(1, 1))));
    assertThat(c.colourOf("#2 dpo")).isEqualTo(dpo);
    assertThat(c.yAxisOf("#2 dpo").getLabel()).isEqualTo("loss");
  }
}
