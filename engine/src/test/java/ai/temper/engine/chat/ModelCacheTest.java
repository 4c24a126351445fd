package ai.temper.engine.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.TemperException;
import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.model.Stories260K;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Models loaded once and shared; a run folder read from its newest complete checkpoint. */
class ModelCacheTest {
  static final List<ChatMessage> PROMPT = List.of(ChatMessage.user("Tell me about a dog."));

  @TempDir Path tmp;

  @BeforeAll
  static void present() {
    Stories260K.assumePresent();
  }

  @Test
  void aModelIsLoadedOnceAndIdleOnesBeyondCapacityAreClosed() throws IOException {
    Path copy = ChatFixtures.hfCopy(tmp.resolve("copy"), 0, 0);
    try (ModelCache cache = new ModelCache(1)) {
      ModelCache.Lease a = cache.acquire(Stories260K.MODEL, Stories260K.TOKENIZER,
          JobContext.none());
      ModelCache.Lease again = cache.acquire(Stories260K.MODEL, Stories260K.TOKENIZER,
          JobContext.none());
      assertThat(again.model()).isSameAs(a.model());
      // held models stay, even past the capacity
      ModelCache.Lease b = cache.acquire(copy, null, JobContext.none());
      assertThat(cache.size()).isEqualTo(2);
      a.close();
      again.close();
      b.close();
      assertThat(cache.size()).isEqualTo(1);
      assertThat(cache.isLoaded(new ModelCache.Key(copy.toAbsolutePath().normalize(), null)))
          .isTrue();
    }
  }

  @Test
  void aFailedLoadIsReportedAndNotKept() throws IOException {
    Path junk = Files.writeString(tmp.resolve("model.pt"), "not a model");
    try (ModelCache cache = new ModelCache()) {
      assertThatThrownBy(() -> cache.acquire(tmp, null, JobContext.none()))
          .isInstanceOf(TemperException.class).hasMessageContaining("no config.json");
      assertThatThrownBy(() -> cache.acquire(junk, null, JobContext.none()))
          .isInstanceOf(TemperException.class);
      assertThat(cache.size()).isZero();
    }
  }

  /**
   * A run in progress: checkpoints appear as step-N folders (renamed into place from a hidden
   * staging folder) while we chat. Chat loads the newest complete one, never a staging
   * folder, writes nothing into the run folder, and a reply from a loaded checkpoint is not
   * changed by the run writing the next one.
   */
  @Test
  void aRunFolderIsChattedWithFromItsNewestCompleteCheckpointWithoutDisturbingIt()
      throws Exception {
    Path run = Files.createDirectories(tmp.resolve("run-7"));
    ChatFixtures.hfCopy(run.resolve("step-10"), 0, 0);
    // a checkpoint being written: hidden staging folder with half a model
    Path staging = Files.createDirectories(run.resolve(".step-20.staging-1a2b3c4d"));
    Files.copy(run.resolve("step-10/config.json"), staging.resolve("config.json"));
    Files.write(staging.resolve("model.safetensors"), new byte[] {1, 2, 3});
    assertThat(CheckpointDirs.resolve(run)).isEqualTo(run.resolve("step-10"));

    try (ChatEngine engine = new ChatEngine(new ModelCache(3))) {
      ModelCache.Lease exact;
      try (ModelCache.Lease ref = engine.models().acquire(Stories260K.MODEL,
          Stories260K.TOKENIZER, JobContext.none())) {
        exact = engine.models().acquire(run, null, JobContext.none());
        assertThat(exact.path()).isEqualTo(run.resolve("step-10").toAbsolutePath().normalize());
        String expected = reply(engine, ref);
        assertThat(reply(engine, exact)).isEqualTo(expected);
      }
      Map<String, FileTime> before = snapshot(run);

      // the run saves step-20 and step-30 while we generate from step-10
      AtomicReference<Throwable> writerFailure = new AtomicReference<>();
      Thread writer = new Thread(() -> {
        try {
          Files.delete(staging.resolve("model.safetensors"));
          Files.delete(staging.resolve("config.json"));
          Files.delete(staging);
          ChatFixtures.hfCopy(run.resolve("step-20"), 0.02, 20);
          ChatFixtures.hfCopy(run.resolve("step-30"), 0.02, 30);
        } catch (Throwable t) {
          writerFailure.set(t);
        }
      });
      String first = reply(engine, exact);
      writer.start();
      List<String> during = new ArrayList<>();
      List<Path> seen = new ArrayList<>();
      while (writer.isAlive()) {
        during.add(reply(engine, exact));
        try (ModelCache.Lease now = engine.models().acquire(run, null, JobContext.none())) {
          seen.add(now.path().getFileName());
        }
      }
      writer.join();
      assertThat(writerFailure.get()).isNull();
      assertThat(during).isNotEmpty().allMatch(first::equals);
      assertThat(seen).allMatch(p -> p.toString().matches("step-(10|20|30)"));

      try (ModelCache.Lease latest = engine.models().acquire(run, null, JobContext.none())) {
        assertThat(latest.path().getFileName().toString()).isEqualTo("step-30");
        assertThat(latest.model()).isNotSameAs(exact.model());
        assertThat(reply(engine, latest)).isNotEqualTo(first);
      }
      exact.close();
      // step-10 is as the run wrote it: nothing was created, changed or locked there
      Map<String, FileTime> after = snapshot(run.resolve("step-10"));
      before.keySet().removeIf(k -> !k.startsWith("step-10"));
      after.forEach((k, v) -> assertThat(before.get("step-10/" + k)).isEqualTo(v));
      assertThat(after).hasSameSizeAs(before);
    }
  }

  private static String reply(ChatEngine engine, ModelCache.Lease lease) {
    return engine.reply(lease.model(), PROMPT, ChatSettings.greedy(60), ReplyListener.NONE,
        JobContext.none()).text();
  }

  private static Map<String, FileTime> snapshot(Path dir) throws IOException {
    Map<String, FileTime> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (Files.isRegularFile(p)) {
          out.put(dir.relativize(p).toString(), Files.getLastModifiedTime(p));
        }
      }
    }
    return out;
  }
}
