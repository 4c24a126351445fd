package ai.temper.engine.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.TemperException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The sandbox's limits: runaway templates stop, within the limit, with a clear error. */
class ChatTemplateLimitsTest {
  private static final List<ChatMessage> CHAT = List.of(ChatMessage.user("hi"));

  @Test
  void nestedHugeLoopStopsAtTheDeadline() {
    ChatTemplate t = ChatTemplate.of("{% for i in range(100000) %}{% for j in range(100000) %}"
        + "{% endfor %}{% endfor %}", "", "")
        .withLimits(new ChatTemplate.Limits(Duration.ofMillis(300), 1 << 20, () -> false));
    long start = System.nanoTime();
    assertThatThrownBy(() -> t.render(CHAT, false))
        .isInstanceOf(TemperException.class)
        .hasMessage("chat template: took longer than 300 ms; stopped");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void defaultLimitsStopTheSameLoopToo() {
    ChatTemplate t = ChatTemplate.of("{% for i in range(100000) %}{% for j in range(100000) %}"
        + "{{ 'x' }}{% endfor %}{% endfor %}", "", "");
    assertThat(t.limits().timeout()).isEqualTo(ChatTemplate.DEFAULT_TIMEOUT);
    assertThatThrownBy(() -> t.render(CHAT, false))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining("produced more than " + ChatTemplate.MAX_OUTPUT + " characters");
  }

  @Test
  void outputSizeIsBounded() {
    ChatTemplate t = ChatTemplate.of("{% for i in range(1000) %}{{ '0123456789' }}{% endfor %}",
        "", "").withLimits(new ChatTemplate.Limits(Duration.ofSeconds(5), 5_000, () -> false));
    assertThatThrownBy(() -> t.render(CHAT, false))
        .hasMessage("chat template: the template produced more than 5000 characters");
    assertThat(t.withLimits(ChatTemplate.Limits.defaults()).render(CHAT, false)).hasSize(10_000);
  }

  @Test
  void selfRecursiveMacrosStop() {
    assertThatThrownBy(() -> ChatTemplate.of("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}"
        + "{{ f(0) }}", "", "").render(CHAT, false))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining("macro 'f' calls itself more than 100 levels deep");
    // mutual recursion with a loop in each call
    assertThatThrownBy(() -> ChatTemplate.of("{% macro a(n) %}{% for i in range(3) %}"
        + "{{ b(n) }}{% endfor %}{% endmacro %}{% macro b(n) %}{{ a(n) }}{% endmacro %}"
        + "{{ a(0) }}", "", "").render(CHAT, false))
        .hasMessageContaining("levels deep");
  }

  @Test
  void cancellationIsChecked() {
    AtomicBoolean cancel = new AtomicBoolean();
    ChatTemplate t = ChatTemplate.of("{% for i in range(100000) %}{% endfor %}done", "", "")
        .withLimits(new ChatTemplate.Limits(Duration.ofMinutes(1), 1 << 20, cancel::get));
    assertThat(t.render(CHAT, false, Map.of())).isEqualTo("done");
    cancel.set(true);
    assertThatThrownBy(() -> t.render(CHAT, false)).hasMessage(
        "chat template: rendering was cancelled");
    // an interrupted thread cancels by default
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> ChatTemplate.of("{% for i in range(1000) %}{% endfor %}", "", "")
          .render(CHAT, false)).hasMessage("chat template: rendering was cancelled");
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void rangeAndErrorsReportLikeJinja2() {
    assertThatThrownBy(() -> ChatTemplate.of("{{ range(200000)|length }}", "", "")
        .render(CHAT, false)).hasMessageContaining("Range too big");
    assertThatThrownBy(() -> ChatTemplate.of("line1\n{{ raise_exception('No ' ~ messages|length"
        + " ~ ' here') }}", "", "").render(CHAT, false))
        .hasMessage("chat template: No 1 here (line 2)");
    assertThatThrownBy(() -> ChatTemplate.of("a\nb\n{% if x %}", "", "").render(CHAT, false))
        .hasMessageStartingWith("chat template: syntax error: ");
    assertThatThrownBy(() -> ChatTemplate.of("{{ 'a' + messages }}", "", "").render(CHAT, false))
        .hasMessageContaining("can only concatenate str (not \"list\") to str");
  }
}
