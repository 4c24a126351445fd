package ai.temper.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.temper.engine.generate.Generation;
import ai.temper.engine.generate.Generator;
import ai.temper.engine.generate.SamplingParams;
import ai.temper.engine.model.Llama2cCheckpoint;
import ai.temper.engine.model.LlamaModel;
import ai.temper.engine.model.Stories260K;
import ai.temper.engine.tokenizer.Llama2cTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The device option reaches every place tensors are made: no source opens a root manager except
 * {@link Devices#newManager()} (every other array comes from a manager opened there, or from a
 * sub-manager of one), and a loaded model's weights sit on the chosen device.
 */
class DevicePlacementTest {
  private static final Pattern ROOT_MANAGER = Pattern.compile("newBaseManager\\s*\\(");

  @AfterEach
  void restore() {
    Devices.select(null); // back to the suite's -Dtemper.device=cpu
  }

  @Test
  void noSourceOpensARootManagerExceptDevices() throws IOException {
    List<String> offenders = new ArrayList<>();
    for (String module : List.of("engine", "views", "app")) {
      for (String set : List.of("main", "test")) {
        Path root = Path.of(module, "src", set, "java");
        if (!Files.isDirectory(root)) {
          continue;
        }
        try (Stream<Path> files = Files.walk(root)) {
          for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
            if (f.getFileName().toString().equals("Devices.java")
                || f.getFileName().toString().equals("DevicePlacementTest.java")) {
              continue;
            }
            if (ROOT_MANAGER.matcher(Files.readString(f)).find()) {
              offenders.add(f.toString());
            }
          }
        }
      }
    }
    assertThat(Path.of("engine", "src", "main", "java")).isDirectory(); // the scan saw sources
    assertThat(offenders).as("open managers with Devices.newManager(), not newBaseManager")
        .isEmpty();
  }

  @Test
  void theSuiteChoosesTheCpuExplicitlyAndAutoResolvesToTheSameHere() {
    assertThat(System.getProperty(Devices.PROPERTY)).isEqualTo("cpu");
    assertThat(Devices.current()).isEqualTo(Device.cpu());
    Devices.select("auto");
    // this machine's libtorch is the bundled CPU build: auto must find no GPU
    assertThat(Devices.current().isGpu()).isFalse();
  }

  @Test
  void weightsAndGenerationFollowTheChoiceWithIdenticalTokens() {
    Stories260K.assumePresent();
    Llama2cTokenizer tok = Llama2cTokenizer.read(Stories260K.TOKENIZER);
    List<String> texts = new ArrayList<>();
    for (String spec : List.of("cpu", "auto")) {
      Devices.select(spec);
      try (LlamaModel model = LlamaModel.create(Llama2cCheckpoint.read(Stories260K.MODEL))) {
        for (NDArray p : model.parameters().values()) {
          assertThat(p.getDevice()).isEqualTo(Devices.current());
        }
        Generation g = new Generator(model, tok)
            .generate("Lily", SamplingParams.greedy(0).withMaxLength(40));
        texts.add(g.text());
      }
    }
    assertThat(texts.get(0)).startsWith("Lily").isEqualTo(texts.get(1));
  }

  @Test
  void badSpellingsAndMissingDevicesAreOneLineErrorsNamingTheOption() {
    assertThatThrownBy(() -> Devices.select("tpu"))
        .isInstanceOf(TemperException.class).hasMessageContaining("--device 'tpu'");
    Devices.select("cuda:3");
    assertThatThrownBy(Devices::current)
        .isInstanceOf(TemperException.class)
        .hasMessageContaining("--device cuda:3").hasMessageContaining("no CUDA GPU");
  }

  @Test
  void cudaErrorsComeWithWhatToDo() {
    // the CUDA runtime's own words for a driver older than libtorch's CUDA (error 35) and for
    // a GPU newer than libtorch's kernels
    assertThat(Devices.cudaAdvice("CUDA API call failed: CUDA driver version is insufficient "
        + "for CUDA runtime version (35)")).contains("older than the CUDA this libtorch was "
        + "built for").contains("PYTORCH_FLAVOR");
    assertThat(Devices.cudaAdvice("CUDA error: no kernel image is available for execution on "
        + "the device")).contains("no kernels for this GPU's architecture");
    assertThat(Devices.cudaAdvice(null)).contains("no device");
  }
}
