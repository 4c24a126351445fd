package ai.temper.engine.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.TemperException;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Real chat templates (their public form, typed in) rendered as transformers renders them. */
class ChatTemplateTest {
  static final List<ChatMessage> CHAT = List.of(
      ChatMessage.system("You are terse."),
      ChatMessage.user("Hello"),
      ChatMessage.assistant("Hi!"),
      ChatMessage.user("  What is 2+2?  "),
      ChatMessage.assistant("4"));

  static final String ZEPHYR = """
      {% for message in messages %}
      {% if message['role'] == 'user' %}
      {{ '<|user|>\\n' + message['content'] + eos_token }}
      {% elif message['role'] == 'system' %}
      {{ '<|system|>\\n' + message['content'] + eos_token }}
      {% elif message['role'] == 'assistant' %}
      {{ '<|assistant|>\\n'  + message['content'] + eos_token }}
      {% endif %}
      {% if loop.last and add_generation_prompt %}
      {{ '<|assistant|>' }}
      {% endif %}
      {% endfor %}""";

  static final String LLAMA3 = "{% set loop_messages = messages %}{% for message in "
      + "loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + "
      + "'<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if "
      + "loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}"
      + "{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant"
      + "<|end_header_id|>\\n\\n' }}{% endif %}";

  static final String LLAMA2 = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = "
      + "messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set "
      + "loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in "
      + "loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ "
      + "raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
      + "{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = "
      + "'<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}"
      + "{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}"
      + "{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == "
      + "'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

  static final String QWEN25 = """
      {%- if tools %}
          {{- '<|im_start|>system\\n' }}
          {%- if messages[0]['role'] == 'system' %}
              {{- messages[0]['content'] }}
          {%- else %}
              {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
          {%- endif %}
          {{- "\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>" }}
          {%- for tool in tools %}
              {{- "\\n" }}
              {{- tool | tojson }}
          {%- endfor %}
          {{- "\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call><|im_end|>\\n" }}
      {%- else %}
          {%- if messages[0]['role'] == 'system' %}
              {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
          {%- else %}
              {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}
          {%- endif %}
      {%- endif %}
      {%- for message in messages %}
          {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
              {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
          {%- elif message.role == "assistant" %}
              {{- '<|im_start|>' + message.role }}
              {%- if message.content %}
                  {{- '\\n' + message.content }}
              {%- endif %}
              {{- '<|im_end|>\\n' }}
          {%- elif message.role == "tool" %}
              {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
                  {{- '<|im_start|>user' }}
              {%- endif %}
              {{- '\\n<tool_response>\\n' }}
              {{- message.content }}
              {{- '\\n</tool_response>' }}
              {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
                  {{- '<|im_end|>\\n' }}
              {%- endif %}
          {%- endif %}
      {%- endfor %}
      {%- if add_generation_prompt %}
          {{- '<|im_start|>assistant\\n' }}
      {%- endif %}
      """;

  static final String LLAMA31_HEAD = """
      {{- bos_token }}
      {%- if not date_string is defined %}
          {%- if strftime_now is defined %}
              {%- set date_string = strftime_now("%d %b %Y") %}
          {%- else %}
              {%- set date_string = "26 Jul 2024" %}
          {%- endif %}
      {%- endif %}
      {%- if messages[0]['role'] == 'system' %}
          {%- set system_message = messages[0]['content']|trim %}
          {%- set messages = messages[1:] %}
      {%- else %}
          {%- set system_message = "" %}
      {%- endif %}
      {{- "<|start_header_id|>system<|end_header_id|>\\n\\n" }}
      {{- "Cutting Knowledge Date: December 2023\\n" }}
      {{- "Today Date: " + date_string + "\\n\\n" }}
      {{- system_message }}
      {{- "<|eot_id|>" }}
      {%- for message in messages %}
          {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}
              {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}
          {%- endif %}
      {%- endfor %}
      {%- if add_generation_prompt %}
          {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
      {%- endif %}
      """;

  @Test
  void tuluIsTheDefaultAndRendersLikeOpenInstruct() {
    ChatTemplate t = ChatTemplate.tulu("<s>", "</s>");
    assertThat(t.render(CHAT, false)).isEqualTo(
        "<|system|>\nYou are terse.\n<|user|>\nHello\n<|assistant|>\nHi!</s>\n"
            + "<|user|>\n  What is 2+2?  \n<|assistant|>\n4</s>");
    assertThat(t.render(List.of(ChatMessage.user("Hi")), true))
        .isEqualTo("<|user|>\nHi\n<|assistant|>\n");
    assertThat(ChatTemplate.tuluSource()).startsWith("{% for message in messages %}");
  }

  @Test
  void zephyrNeedsTrimAndLstripBlocks() {
    ChatTemplate t = ChatTemplate.of(ZEPHYR, "<s>", "</s>");
    assertThat(t.render(List.of(ChatMessage.system("You are a friendly chatbot"),
        ChatMessage.user("How many helicopters can a human eat in one sitting?")), true))
        .isEqualTo("<|system|>\nYou are a friendly chatbot</s>\n<|user|>\n"
            + "How many helicopters can a human eat in one sitting?</s>\n<|assistant|>\n");
  }

  @Test
  void llama3TrimsContentAndStartsWithBos() {
    ChatTemplate t = ChatTemplate.of(LLAMA3, "<|begin_of_text|>", "<|eot_id|>");
    assertThat(t.render(CHAT.subList(1, 4), true)).isEqualTo(
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\nHi!<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n");
  }

  @Test
  void llama31UsesDateStringOrStrftimeNow() {
    ChatTemplate t = ChatTemplate.of(LLAMA31_HEAD, "<|begin_of_text|>", "<|eot_id|>");
    String head = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
        + "Cutting Knowledge Date: December 2023\nToday Date: ";
    assertThat(t.render(CHAT.subList(0, 2), true, Map.of("date_string", "26 Jul 2024")))
        .isEqualTo(head + "26 Jul 2024\n\nYou are terse.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    String today = ChatTemplate.strftimeNow("%d %b %Y");
    assertThat(t.render(CHAT.subList(1, 2), false)).startsWith(head + today + "\n\n<|eot_id|>");
    assertThat(ChatTemplate.strftime(ZonedDateTime.of(2024, 7, 6, 15, 4, 5, 0, ZoneOffset.UTC),
        "%d %b %Y %H:%M:%S %A %B %y %I%p %j %%")).isEqualTo(
        "06 Jul 2024 15:04:05 Saturday July 24 03PM 188 %");
  }

  @Test
  void qwenChatMlAddsDefaultSystemAndRendersToolsAsPythonJson() {
    ChatTemplate t = ChatTemplate.of(QWEN25, null, "<|im_end|>");
    assertThat(t.render(List.of(ChatMessage.user("Hello"), ChatMessage.assistant("Hi!")), false))
        .isEqualTo("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a "
            + "helpful assistant.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n"
            + "<|im_start|>assistant\nHi!<|im_end|>\n");
    Map<String, Object> tool = new java.util.LinkedHashMap<>();
    tool.put("type", "function");
    tool.put("function", Map.of("name", "add"));
    String withTools = t.render(List.of(ChatMessage.system("Be exact."),
        ChatMessage.user("1+1")), true, Map.of("tools", List.of(tool)));
    assertThat(withTools).startsWith("<|im_start|>system\nBe exact.\n\n# Tools\n\n")
        .contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"add\"}}\n</tools>")
        .endsWith("<|im_start|>user\n1+1<|im_end|>\n<|im_start|>assistant\n");
    assertThat(withTools).doesNotContain("<|im_start|>system\nBe exact.<|im_end|>");
  }

  @Test
  void raiseExceptionBecomesAClearError() {
    ChatTemplate t = ChatTemplate.of(LLAMA2, "<s>", "</s>");
    assertThat(t.render(CHAT.subList(0, 3), false)).isEqualTo(
        "<s>[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\nHello [/INST] Hi! </s>");
    assertThatThrownBy(() -> t.render(List.of(ChatMessage.user("a"), ChatMessage.user("b")),
        false))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining("Conversation roles must alternate user/assistant");
  }

  @Test
  void pythonStringMethodsAndFilters() {
    ChatTemplate t = ChatTemplate.of("{{ messages[0].content.startswith('  x') }}|"
        + "{{ messages[0].content.strip().upper() }}|{{ messages[0].content.split() | length }}|"
        + "{{ messages[0].content.lstrip().endswith('z  ') }}|{{ 'a,b'.split(',')[1] }}|"
        + "{{ messages[0] | tojson }}|{{ '-'.join(['p', 'q']) }}|{{ 'ab'.title() }}|"
        + "{{ 'é\"\\n' | tojson }}", "", "");
    assertThat(t.render(List.of(ChatMessage.user("  x y z  ")), false)).isEqualTo(
        "True|X Y Z|3|True|b|{\"role\": \"user\", \"content\": \"  x y z  \"}|p-q|Ab|"
            + "\"é\\\"\\n\"");
  }

  @Test
  void generationBlocksRenderTheirBody() {
    ChatTemplate t = ChatTemplate.of("{% for m in messages %}{% if m.role == 'assistant' %}"
        + "{% generation %}{{ m.content }}{% endgeneration %}{% else %}[{{ m.content }}]"
        + "{% endif %}{% endfor %}", "", "");
    assertThat(t.render(CHAT.subList(1, 3), false)).isEqualTo("[Hello]Hi!");
  }

  @Test
  void sandboxRefusesFilesAndBoundsWork() {
    assertThatThrownBy(() -> ChatTemplate.of("{% include 'templates/tulu.jinja' %}", "", "")
        .render(CHAT, false)).isInstanceOf(TemperException.class);
    assertThatThrownBy(() -> ChatTemplate.of("{% import 'templates/tulu.jinja' as x %}", "", "")
        .render(CHAT, false)).isInstanceOf(TemperException.class);
    assertThatThrownBy(() -> ChatTemplate.of("{% extends '/etc/passwd' %}", "", "")
        .render(CHAT, false)).isInstanceOf(TemperException.class);
    // no Java reflection through template values
    for (String probe : List.of("{{ messages.getClass() }}", "{{ bos_token.getClass() }}",
        "{{ messages[0].getClass().forName('java.lang.Runtime') }}")) {
      String out;
      try {
        out = ChatTemplate.of(probe, "", "").render(CHAT, false);
      } catch (TemperException e) {
        out = "";
      }
      assertThat(out).doesNotContain("java.").doesNotContain("class");
    }
    assertThatThrownBy(() -> ChatTemplate.of("{% for i in range(200000) %}{% for j in "
        + "range(200000) %}xxxxxxxxxx{% endfor %}{% endfor %}", "", "").render(CHAT, false))
        .isInstanceOf(TemperException.class);
    assertThatThrownBy(() -> ChatTemplate.of("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}"
        + "{{ f(0) }}", "", "").render(CHAT, false))
        .isInstanceOf(TemperException.class);
  }

  @Test
  void spansSplitTheTextByMessageWithoutGenerationPrompts() {
    ChatTemplate t = ChatTemplate.tulu("<s>", "</s>");
    ChatTemplate.Rendered r = t.renderWithSpans(CHAT, false);
    assertThat(r.spans()).hasSize(5);
    List<String> parts = r.spans().stream().map(s -> r.text().substring(s.start(), s.end()))
        .toList();
    assertThat(parts).containsExactly("<|system|>\nYou are terse.\n", "<|user|>\nHello\n",
        "<|assistant|>\nHi!</s>", "\n<|user|>\n  What is 2+2?  \n", "<|assistant|>\n4</s>");
    List<String> replies = r.spans().stream().filter(ChatTemplate.Span::isAssistant)
        .map(s -> r.text().substring(s.contentStart(), s.end())).toList();
    assertThat(replies).containsExactly("Hi!</s>", "4</s>");
  }

  @Test
  void twoTurnsOfTheSameRoleInARowKeepTheirSpans() {
    // HH-RLHF transcripts hold them; Tulu ends a last assistant turn without its newline, so
    // "the first i messages with the generation prompt" is no prefix of the whole text here
    ChatTemplate t = ChatTemplate.tulu("<s>", "</s>");
    List<ChatMessage> chat = List.of(ChatMessage.user("Hi"), ChatMessage.assistant("One."),
        ChatMessage.assistant("Two."), ChatMessage.user("And?"), ChatMessage.user("Well?"),
        ChatMessage.assistant("Three."));
    ChatTemplate.Rendered r = t.renderWithSpans(chat, false);
    assertThat(r.spans().stream().map(s -> r.text().substring(s.start(), s.end())))
        .containsExactly("<|user|>\nHi\n", "<|assistant|>\nOne.</s>",
            "\n<|assistant|>\nTwo.</s>", "\n<|user|>\nAnd?\n", "<|user|>\nWell?\n",
            "<|assistant|>\nThree.</s>");
    assertThat(r.spans().stream().filter(ChatTemplate.Span::isAssistant)
        .map(s -> r.text().substring(s.contentStart(), s.end())))
        .containsExactly("One.</s>", "Two.</s>", "Three.</s>");
  }

  @Test
  void aConversationTheTemplateRejectsIsUnrenderable() {
    ChatTemplate t = ChatTemplate.of(LLAMA2, "<s>", "</s>");
    assertThatThrownBy(() -> t.renderWithSpans(List.of(ChatMessage.user("a"),
        ChatMessage.assistant("b"), ChatMessage.assistant("c")), false))
        .isInstanceOf(ChatTemplate.UnrenderableConversationException.class)
        .hasMessageContaining("Conversation roles must alternate");
  }
}
