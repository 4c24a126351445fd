package ai.temper.engine.fault;

import static org.assertj.core.api.Assertions.assertThat;

import ai.temper.engine.TemperException;
import ai.temper.engine.data.DataFormat;
import ai.temper.engine.data.MalformedRowException;
import ai.temper.engine.data.RowNormalizer;
import ai.temper.engine.data.Utf8Lines;
import ai.temper.engine.model.Llama2cCheckpoint;
import ai.temper.engine.model.hf.SafetensorsFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzz targets for the parsers that read untrusted bytes: the safetensors header, the llama2.c
 * header and the JSONL row normalisers. Each may refuse its input only with the project's
 * clean errors (TemperException, MalformedRowException), never with anything else.
 *
 * <p>Every build runs them on seeded mutations of the hostile corpus ({@link ParserFuzzTest},
 * a short budget). Coverage-guided fuzzing with Jazzer, one target at a time (the class is
 * left out of the default test run: Jazzer's agent takes half a minute to start):
 * {@code JAZZER_FUZZ=1 mvn -pl engine test -Dtest='ParserFuzzing#safetensorsHeader'
 * -Dsurefire.failIfNoSpecifiedTests=false} (up to its maxDuration, 10 minutes; findings are
 * kept as regression inputs under
 * {@code src/test/resources/ai/temper/engine/fault/ParserFuzzingInputs/METHOD/}, which the same
 * command without JAZZER_FUZZ replays).
 */
public class ParserFuzzing {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SCRATCH = scratch();

  private static Path scratch() {
    try {
      Path d = Files.createTempDirectory("temper-fuzz");
      d.toFile().deleteOnExit();
      return d;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path file(String name, byte[] data) {
    try {
      Path f = SCRATCH.resolve(name);
      Files.write(f, data);
      return f;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ------------------------------------------------------------------ targets

  @FuzzTest(maxDuration = "10m")
  public void safetensorsHeader(byte[] data) {
    try (SafetensorsFile f = SafetensorsFile.open(file("fuzz.safetensors", data))) {
      for (SafetensorsFile.Entry e : f.entries()) {
        assertThat(e.end()).isGreaterThanOrEqualTo(e.begin());
        if (e.numel() < 1 << 16) {
          f.read(e); // what the header promises can be read
        }
      }
    } catch (TemperException expected) {
      // a clean refusal
    }
  }

  @FuzzTest(maxDuration = "10m")
  public void llama2cHeader(byte[] data) {
    try {
      Llama2cCheckpoint.read(file("fuzz.bin", data));
    } catch (TemperException expected) {
      // a clean refusal
    }
  }

  @FuzzTest(maxDuration = "10m")
  public void jsonlRows(byte[] data) {
    try (Utf8Lines lines = new Utf8Lines(new ByteArrayInputStream(data))) {
      Utf8Lines.Line l;
      while ((l = lines.next()) != null) {
        if (l.error() != null) {
          assertThat(l.error()).isNotBlank();
          continue;
        }
        JsonNode row;
        try {
          row = JSON.readTree(l.text());
        } catch (JacksonException notJson) {
          continue;
        }
        if (row == null || !row.isObject()) {
          continue;
        }
        for (DataFormat f : DataFormat.values()) {
          if (!f.isRowFormat()) {
            continue;
          }
          try {
            RowNormalizer.of(f).normalize(row).toJsonString();
          } catch (MalformedRowException expected) {
            // a malformed row, reported by line
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

}
