package ai.temper.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Platform;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The allocator setting reaches glibc where there is one (see NativeMemory). */
class NativeMemoryTest {
  @Test
  void glibcTakesTheFixedMmapThreshold() {
    assumeTrue(Platform.isLinux(), "mallopt is glibc's: Linux only");
    assumeTrue(System.getenv("MALLOC_MMAP_THRESHOLD_") == null,
        "MALLOC_MMAP_THRESHOLD_ is set: the user's value is kept");
    assumeTrue(Files.exists(Path.of("/lib/x86_64-linux-gnu/libc.so.6"))
        || Files.exists(Path.of("/lib/aarch64-linux-gnu/libc.so.6"))
        || Files.exists(Path.of("/lib64/libc.so.6")), "no glibc found");
    assertThat(NativeMemory.configure()).isTrue();
    assertThat(TorchRuntime.threads()).isPositive(); // the engine starts after it as before
    assertThat(NativeMemory.configure()).as("a second call answers the same").isTrue();
  }
}
