package ai.temper.engine.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.TemperException;
import ai.temper.engine.generate.FinishReason;
import ai.temper.engine.generate.Generation;
import ai.temper.engine.generate.Generator;
import ai.temper.engine.generate.TokenListener;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.LoadedModel;
import ai.temper.engine.model.Stories260K;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Chat replies from stories260K against the generator fed the same rendered prompt. */
class ChatEngineTest {
  static ChatEngine engine;
  static ModelCache.Lease lease;
  static LoadedModel model;

  @BeforeAll
  static void load() {
    Stories260K.assumePresent();
    engine = new ChatEngine();
    lease = engine.models().acquire(Stories260K.MODEL, Stories260K.TOKENIZER, JobContext.none());
    model = lease.model();
  }

  @AfterAll
  static void close() {
    if (engine != null) {
      lease.close();
      engine.close();
    }
  }

  static final List<ChatMessage> HELLO = List.of(ChatMessage.user("Tell me a story about a cat."));

  @Test
  void promptIsTheTuluRenderingEncodedLikePlainTextWithBos() {
    String rendered = ChatEngine.renderPrompt(model, HELLO);
    assertThat(rendered).isEqualTo("<|user|>\nTell me a story about a cat.\n<|assistant|>\n");
    assertThat(ChatEngine.isTulu(ChatEngine.templateFor(model))).isTrue();
    // so `temper generate --prompt RENDERED` feeds the model exactly these ids
    assertThat(ChatEngine.promptIds(model, HELLO))
        .isEqualTo(model.tokenizer().encode(rendered, true));
  }

  @Test
  void greedyReplyStreamsTheGeneratorsCompletionOfTheRenderedPrompt() {
    StringBuilder streamed = new StringBuilder();
    int[] calls = {0};
    ChatReply r = engine.reply(model, HELLO, ChatSettings.greedy(120), (piece, n) -> {
      streamed.append(piece);
      calls[0] = n;
    }, JobContext.none());
    String rendered = ChatEngine.renderPrompt(model, HELLO);
    Generation g = new Generator(model.model(), model.tokenizer()).generate(List.of(rendered),
        ChatEngine.samplingParams(model, ChatSettings.greedy(120)), TokenListener.NONE).get(0);
    assertThat(r.text()).isEqualTo(streamed.toString()).isEqualTo(g.completion());
    assertThat(r.text()).hasSizeGreaterThan(20);
    assertThat(r.tokens()).isEqualTo(g.completionIds().length).isEqualTo(calls[0]);
    assertThat(r.promptTokens()).isEqualTo(g.promptIds().length);
    assertThat(r.finishReason()).isEqualTo(g.finishReason());
    assertThat(r.tokensPerSecond()).isPositive();
  }

  @Test
  void seededSamplingRepeatsAndSeedsDiffer() {
    ChatSettings s = ChatSettings.defaults().withTemperature(1.0).withMaxNewTokens(40);
    String a = engine.reply(model, HELLO, s.withSeed(7L), ReplyListener.NONE, JobContext.none())
        .text();
    String b = engine.reply(model, HELLO, s.withSeed(7L), ReplyListener.NONE, JobContext.none())
        .text();
    String c = engine.reply(model, HELLO, s.withSeed(8L), ReplyListener.NONE, JobContext.none())
        .text();
    assertThat(a).isEqualTo(b).isNotEqualTo(c);
  }

  @Test
  void cancellingStopsAfterTheCurrentTokenAndKeepsTheText() {
    AtomicBoolean cancelled = new AtomicBoolean();
    JobContext ctx = new JobContext() {
      @Override
      public void progress(double fraction, String message) {}

      @Override
      public boolean isCancelled() {
        return cancelled.get();
      }
    };
    StringBuilder streamed = new StringBuilder();
    ChatReply r = engine.reply(model, HELLO, ChatSettings.greedy(200).withIgnoreEos(true),
        (piece, n) -> {
          streamed.append(piece);
          if (n == 10) {
            cancelled.set(true);
          }
        }, ctx);
    assertThat(r.finishReason()).isEqualTo(FinishReason.STOPPED);
    assertThat(r.tokens()).isEqualTo(10);
    assertThat(r.text()).isEqualTo(streamed.toString());
  }

  @Test
  void aConversationLongerThanTheModelFailsWithAClearMessage() {
    String longText = "The cat sat on the mat. ".repeat(200);
    assertThatThrownBy(() -> engine.reply(model, List.of(ChatMessage.user(longText)),
        ChatSettings.greedy(5), ReplyListener.NONE, JobContext.none()))
        .isInstanceOf(TemperException.class).hasMessageContaining("512 positions");
  }

  @Test
  void settingsRoundTripThroughJson() {
    ChatSettings s = new ChatSettings(0.7, 0.9, 40, 128, 42L, List.of("###"), false);
    assertThat(ChatSettings.fromJson(s.toJson())).isEqualTo(s);
    assertThat(ChatSettings.fromJson(null)).isEqualTo(ChatSettings.defaults());
    assertThatThrownBy(() -> ChatSettings.defaults().withTopP(0))
        .isInstanceOf(TemperException.class).hasMessageContaining("top_p");
  }
}
