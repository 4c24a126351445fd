package ai.temper.engine.model.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.temper.engine.TemperException;
import ai.temper.engine.model.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
  @TempDir Path dir;

  static Tensor random(Random r, long... shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    float[] d = new float[(int) n];
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) r.nextGaussian();
    }
    return new Tensor(shape, d);
  }

  static Map<String, Tensor> sample() {
    Random r = new Random(7);
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("b.weight", random(r, 3, 5));
    m.put("a.bias", random(r, 5));
    m.put("c.scalar", new Tensor(new long[0], new float[] {2.5f}));
    m.put("d.empty", new Tensor(new long[] {0, 4}, new float[0]));
    return m;
  }

  @Test
  void f32RoundTripIsExactAndHeaderIsAlignedWithMetadata() throws IOException {
    Path f = dir.resolve("x.safetensors");
    Map<String, Tensor> m = sample();
    SafetensorsWriter.write(f, m, DType.F32);
    byte[] bytes = Files.readAllBytes(f);
    long headerLen = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat(headerLen % 8).isZero();
    String header = new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8);
    assertThat(header).startsWith("{\"__metadata__\":{\"format\":\"pt\"}");
    try (SafetensorsFile sf = SafetensorsFile.open(f)) {
      assertThat(sf.metadata()).containsEntry("format", "pt");
      // deterministic order: by name
      assertThat(sf.entries().stream().map(SafetensorsFile.Entry::name).toList())
          .containsExactly("a.bias", "b.weight", "c.scalar", "d.empty");
      for (var e : m.entrySet()) {
        Tensor t = sf.read(e.getKey());
        assertThat(t.shape()).containsExactly(e.getValue().shape());
        assertThat(t.data()).containsExactly(e.getValue().data());
      }
    }
  }

  @Test
  void aComputedTensorThatFailsLeavesNoFileAndOneGivingTooFewValuesIsAnError() {
    Path f = dir.resolve("c.safetensors");
    Map<String, Tensor> m = new LinkedHashMap<>(sample());
    m.put("e.computed", Tensor.computed(new long[] {4, 2}, (max, sink) -> {
      sink.accept(new float[] {1, 2});
      throw new IllegalStateException("merge failed");
    }));
    assertThatThrownBy(() -> SafetensorsWriter.write(f, m, DType.F32))
        .hasMessageContaining("merge failed");
    assertThat(f).doesNotExist();
    assertThat(dir.resolve("c.safetensors.partial")).doesNotExist();
    m.put("e.computed", Tensor.computed(new long[] {4, 2}, (max, sink) ->
        sink.accept(new float[] {1, 2, 3, 4})));
    assertThatThrownBy(() -> SafetensorsWriter.write(f, m, DType.F32))
        .hasMessageContaining("gave 4 values of 8");
    assertThat(f).doesNotExist();
  }

  @Test
  void sameWeightsGiveSameBytesWhateverTheInsertionOrder() throws IOException {
    Map<String, Tensor> m = sample();
    Map<String, Tensor> reversed = new LinkedHashMap<>();
    List<String> keys = List.copyOf(m.keySet());
    for (int i = keys.size() - 1; i >= 0; i--) {
      reversed.put(keys.get(i), m.get(keys.get(i)));
    }
    SafetensorsWriter.write(dir.resolve("a.safetensors"), m, DType.F32);
    SafetensorsWriter.write(dir.resolve("b.safetensors"), reversed, DType.F32);
    assertThat(Files.readAllBytes(dir.resolve("a.safetensors")))
        .isEqualTo(Files.readAllBytes(dir.resolve("b.safetensors")));
  }

  @Test
  void halfAndBfloat16RoundTripWithinTheirPrecision() {
    Map<String, Tensor> m = sample();
    for (DType dt : List.of(DType.F16, DType.BF16)) {
      Path f = dir.resolve(dt + ".safetensors");
      SafetensorsWriter.write(f, m, dt);
      Map<String, Tensor> back = SafetensorsFile.readAll(f);
      double tol = dt == DType.F16 ? 1e-3 : 8e-3;
      for (var e : m.entrySet()) {
        float[] want = e.getValue().data();
        float[] got = back.get(e.getKey()).data();
        for (int i = 0; i < want.length; i++) {
          assertThat((double) got[i]).isCloseTo(want[i], org.assertj.core.data.Offset.offset(
              tol * Math.max(1, Math.abs(want[i]))));
        }
      }
    }
  }

  @Test
  void halfConversionRoundTripsEveryHalfValue() {
    for (int h = 0; h < 0x10000; h++) {
      float f = DType.halfToFloat((short) h);
      if (Float.isNaN(f)) {
        assertThat(Float.isNaN(DType.halfToFloat(DType.floatToHalf(f)))).isTrue();
        continue;
      }
      assertThat(DType.floatToHalf(f) & 0xffff).as("half %04x", h).isEqualTo(h);
    }
    assertThat(DType.halfToFloat((short) 0x3c00)).isEqualTo(1.0f);
    assertThat(DType.halfToFloat((short) 0xc000)).isEqualTo(-2.0f);
    assertThat(DType.halfToFloat((short) 0x0001)).isEqualTo(0x1p-24f);
    assertThat(DType.floatToHalf(65520f)).isEqualTo((short) 0x7c00); // rounds up to infinity
    assertThat(DType.floatToHalf(1 + 0x1p-11f)).isEqualTo((short) 0x3c00); // tie to even
  }

  @Test
  void bfloat16IsTheHighHalfOfFloat32() {
    assertThat(DType.bf16ToFloat((short) 0x3f80)).isEqualTo(1.0f);
    assertThat(DType.bf16ToFloat((short) 0xc040)).isEqualTo(-3.0f);
    assertThat(DType.floatToBf16(1.0f)).isEqualTo((short) 0x3f80);
    // 1 + 2^-8 is halfway between two bf16 values: ties to even (down)
    assertThat(DType.floatToBf16(1 + 0x1p-8f)).isEqualTo((short) 0x3f80);
    assertThat(DType.floatToBf16(1 + 0x1p-8f + 0x1p-20f)).isEqualTo((short) 0x3f81);
    assertThat(Float.isNaN(DType.bf16ToFloat(DType.floatToBf16(Float.NaN)))).isTrue();
  }

  /** A file assembled by hand: header JSON then raw bytes, as another tool would write it. */
  static Path handMade(Path f, String header, byte[] data) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).put(data);
    Files.write(f, b.array());
    return f;
  }

  static byte[] le(int n, java.util.function.Consumer<ByteBuffer> fill) {
    ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    fill.accept(b);
    return b.array();
  }

  @Test
  void readsHandMadeIntegerAndBf16TensorsWithUnpaddedHeader() throws IOException {
    byte[] data = le(8 * 2 + 4 * 3 + 2 * 2, b -> {
      b.putLong(7).putLong(-3);
      b.putInt(1).putInt(2).putInt(40000);
      b.putShort((short) 0x3f80).putShort((short) 0xc040);
    });
    Path f = handMade(dir.resolve("h.safetensors"), "{\"ids\":{\"dtype\":\"I64\",\"shape\":[2],"
        + "\"data_offsets\":[0,16]},\"n\":{\"dtype\":\"I32\",\"shape\":[3],\"data_offsets\":[16,28]},"
        + "\"w\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[28,32]}}", data);
    Map<String, Tensor> m = SafetensorsFile.readAll(f);
    assertThat(m.get("ids").data()).containsExactly(7f, -3f);
    assertThat(m.get("n").data()).containsExactly(1f, 2f, 40000f);
    assertThat(m.get("w").data()).containsExactly(1f, -3f);
    assertThat(m.get("w").shape()).containsExactly(1, 2);
  }

  private void assertFails(Path f, String... parts) {
    assertThatThrownBy(() -> SafetensorsFile.readAll(f))
        .isInstanceOf(TemperException.class)
        .satisfies(e -> {
          assertThat(e.getMessage()).contains(f.toString());
          for (String p : parts) {
            assertThat(e.getMessage()).contains(p);
          }
        });
  }

  @Test
  void truncatedFileNamesTheTensorBeyondTheEnd() throws IOException {
    Path f = dir.resolve("t.safetensors");
    SafetensorsWriter.write(f, sample(), DType.F32);
    byte[] all = Files.readAllBytes(f);
    Files.write(f, Arrays.copyOf(all, all.length - 10));
    assertFails(f, "tensor 'b.weight'", "truncated");
  }

  @Test
  void fileCutInsideTheHeaderIsReported() throws IOException {
    Path f = dir.resolve("t.safetensors");
    SafetensorsWriter.write(f, sample(), DType.F32);
    byte[] all = Files.readAllBytes(f);
    Files.write(f, Arrays.copyOf(all, 40));
    assertFails(f, "header", "truncated");
    Files.write(f, Arrays.copyOf(all, 5));
    assertFails(f, "not a safetensors file");
  }

  @Test
  void headerLyingAboutSizesIsRefused() throws IOException {
    byte[] data = new byte[24];
    // shape says 2x3 F32 = 24 bytes, offsets say 20
    assertFails(handMade(dir.resolve("a.safetensors"),
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", data),
        "tensor 'w'", "needs 24 bytes", "span 20");
    // offsets beyond the data
    assertFails(handMade(dir.resolve("b.safetensors"),
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[0,32]}}", data),
        "tensor 'w'", "beyond the end");
    // two tensors sharing bytes
    assertFails(handMade(dir.resolve("c.safetensors"),
        "{\"u\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
            + "\"v\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", data),
        "overlaps");
    // bytes nobody owns
    assertFails(handMade(dir.resolve("d.safetensors"),
        "{\"u\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"v\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}}", data),
        "unused bytes before tensor 'v'");
    // trailing data the header does not describe
    assertFails(handMade(dir.resolve("e.safetensors"),
        "{\"u\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data),
        "describes 8 data bytes but the file holds 24");
    // header length larger than the file
    Path g = dir.resolve("g.safetensors");
    Files.write(g, le(16, b -> b.putLong(1L << 40).putLong(0)));
    assertFails(g, "header", "1099511627776");
  }

  @Test
  void malformedHeadersAreRefused() throws IOException {
    byte[] data = new byte[8];
    assertFails(handMade(dir.resolve("a.safetensors"), "{\"w\": [1, 2", data), "invalid JSON");
    assertFails(handMade(dir.resolve("b.safetensors"),
        "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[8],\"data_offsets\":[0,8]}}", data),
        "tensor 'w'", "unsupported dtype F8_E4M3");
    assertFails(handMade(dir.resolve("c.safetensors"),
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", data),
        "tensor 'w'", "invalid shape");
    assertFails(handMade(dir.resolve("d.safetensors"),
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", data), "tensor 'w'", "data_offsets");
    assertFails(handMade(dir.resolve("e.safetensors"),
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data),
        "invalid JSON");
  }

  @Test
  void pickleCheckpointIsRecognisedAndNeverOpened() throws IOException {
    Path zip = dir.resolve("pytorch_model.bin");
    Files.write(zip, new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0});
    assertFails(zip, "pickle", "safetensors");
    Path raw = dir.resolve("model.pt");
    Files.write(raw, new byte[] {(byte) 0x80, 2, 'c', 'o', 's', 0, 0, 0, 0, 0});
    assertFails(raw, "pickle", "never unpickles");
  }

  @Test
  void shardedWriteAndReadRoundTrip() throws IOException {
    Random r = new Random(3);
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (int i = 0; i < 5; i++) {
      m.put("layer." + i + ".w", random(r, 4, 4));
    }
    List<Path> files = SafetensorsIndex.write(dir, m, DType.F32, 130);
    assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly(
        "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
        "model-00003-of-00003.safetensors", "model.safetensors.index.json");
    assertThat(Files.readString(dir.resolve("model.safetensors.index.json")))
        .contains("\"total_size\" : 320");
    SafetensorsIndex.Weights w = SafetensorsIndex.read(dir);
    assertThat(w.tensors().keySet()).containsExactlyInAnyOrderElementsOf(m.keySet());
    for (var e : m.entrySet()) {
      assertThat(w.tensors().get(e.getKey()).data()).containsExactly(e.getValue().data());
    }
    assertThat(w.fileOf("layer.4.w").getFileName().toString())
        .isEqualTo("model-00003-of-00003.safetensors");

    Files.delete(dir.resolve("model-00002-of-00003.safetensors"));
    assertThatThrownBy(() -> SafetensorsIndex.read(dir))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining("model-00002-of-00003.safetensors")
        .hasMessageContaining("missing");
  }

  @Test
  void directoryWithOnlyAPickleSaysToConvert() throws IOException {
    Files.write(dir.resolve("pytorch_model.bin"), new byte[] {'P', 'K', 3, 4});
    assertThatThrownBy(() -> SafetensorsIndex.read(dir))
        .isInstanceOf(TemperException.class)
        .hasMessageContaining("pytorch_model.bin")
        .hasMessageContaining("never unpickles")
        .hasMessageContaining("safe_serialization");
  }
}
