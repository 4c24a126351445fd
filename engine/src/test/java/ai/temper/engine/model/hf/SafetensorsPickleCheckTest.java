package ai.temper.engine.model.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.TemperException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A safetensors header length can begin with the bytes of pickle or zip magic (a 640-byte
 * header starts 0x80 0x02, as pickle protocol 2 does): such files are still read.
 */
class SafetensorsPickleCheckTest {
  @TempDir Path dir;

  Path safetensors(int headerLength) throws IOException {
    String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    byte[] header = (json + " ".repeat(headerLength - json.length()))
        .getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + header.length + 4).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(header.length).put(header).putFloat(1.5f);
    return Files.write(dir.resolve("h" + headerLength + ".safetensors"), b.array());
  }

  @Test
  void headerLengthsThatLookLikeMagicAreStillSafetensors() throws IOException {
    for (int len : new int[] {0x280, 0x380, 0x4B50}) { // 0x80 0x02, 0x80 0x03, "PK"
      Path f = safetensors(len);
      assertThat(SafetensorsFile.isPickle(f)).as("header length %d", len).isFalse();
      assertThat(SafetensorsFile.readAll(f).get("a").data()).containsExactly(1.5f);
    }
  }

  @Test
  void picklesAndZipsAreStillRefused() throws IOException {
    Path pickle = Files.write(dir.resolve("p.safetensors"),
        new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10, 0, 0, 0, 0, 0, 0, 0});
    Path zip = Files.write(dir.resolve("z.safetensors"),
        new byte[] {'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0, 0, 0});
    for (Path p : new Path[] {pickle, zip}) {
      assertThat(SafetensorsFile.isPickle(p)).isTrue();
      assertThatThrownBy(() -> SafetensorsFile.readAll(p)).isInstanceOf(TemperException.class)
          .hasMessageContaining("pickle");
    }
  }
}
