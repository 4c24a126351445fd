package ai.temper.engine.chat;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.TemperException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Real chat templates (open-instruct's built-ins, TRL's copies of the templates models ship,
 * model cards) and Jinja feature snippets, rendered on several conversations (tool calls,
 * reasoning_content, list-of-parts content) and compared character for character with what
 * Python's jinja2 rendered in transformers' setup ({@code chat-templates/generate.py}, run
 * once; its output is {@code expected.json}). A template that jinja2 refuses must fail here
 * too; for {@code raise_exception} with the template's own message.
 */
class ChatTemplateConformanceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DIR = "/chat-templates/";

  @Test
  void realTemplatesRenderAsJinja2Does() throws IOException {
    JsonNode convs = read("conversations.json");
    JsonNode expected = read("expected.json").get("templates");
    List<String> failures = new ArrayList<>();
    int cases = 0;
    for (Iterator<String> it = expected.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      String source = text("templates/" + name);
      for (Iterator<String> cs = expected.get(name).fieldNames(); cs.hasNext(); ) {
        String conv = cs.next();
        cases++;
        check(name + " / " + conv, source, convs.get(conv), expected.get(name).get(conv),
            failures);
      }
    }
    assertThat(cases).isGreaterThan(150);
    assertThat(failures).isEmpty();
  }

  @Test
  void jinjaFeaturesBehaveAsInPython() throws IOException {
    JsonNode convs = read("conversations.json");
    JsonNode features = read("features.json");
    JsonNode expected = read("expected.json").get("features");
    List<String> failures = new ArrayList<>();
    for (Iterator<String> it = features.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      check(name, features.get(name).asText(), convs.get("basic"), expected.get(name),
          failures);
    }
    assertThat(failures).isEmpty();
  }

  private static void check(String label, String source, JsonNode conv, JsonNode want,
      List<String> failures) {
    List<Object> messages = new ArrayList<>();
    conv.get("messages").forEach(messages::add);
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("date_string", "26 Jul 2024");
    conv.fields().forEachRemaining(e -> {
      if (!e.getKey().equals("messages") && !e.getKey().equals("add_generation_prompt")) {
        extra.put(e.getKey(), e.getValue());
      }
    });
    boolean agp = conv.path("add_generation_prompt").asBoolean(false);
    String got;
    try {
      got = ChatTemplate.of(source, "<s>", "</s>").renderMessages(messages, agp, extra);
    } catch (TemperException e) {
      if (!want.has("error")) {
        failures.add(label + ": failed: " + e.getMessage());
      } else if (want.get("error").asText().startsWith("TemplateError: ")
          && !e.getMessage().contains(want.get("error").asText().substring(15))) {
        failures.add(label + ": wrong message: " + e.getMessage() + " (jinja2: "
            + want.get("error").asText() + ")");
      }
      return;
    }
    if (want.has("error")) {
      failures.add(label + ": rendered although jinja2 failed with " + want.get("error"));
    } else if (!got.equals(want.get("output").asText())) {
      failures.add(label + ": got\n" + got + "\n--- jinja2:\n" + want.get("output").asText());
    }
  }

  private static JsonNode read(String name) throws IOException {
    return JSON.readTree(text(name));
  }

  private static String text(String name) throws IOException {
    try (InputStream in = ChatTemplateConformanceTest.class.getResourceAsStream(DIR + name)) {
      assertThat(in).as(name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
