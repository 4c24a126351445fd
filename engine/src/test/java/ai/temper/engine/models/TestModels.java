package ai.temper.engine.models;

import ai.temper.engine.model.LlamaConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small model folders on disk for library tests (headers real, weights zero). */
final class TestModels {
  static final LlamaConfig TINY = LlamaConfig.llama(512, 64, 172, 5, 8, 4, 512, true);
  static final Path STORIES = Path.of("../shared/models/stories260K/stories260K.bin");
  static final Path STORIES_TOK = Path.of("../shared/models/stories260K/tok512.bin");

  private TestModels() {}

  /** An HF folder: config.json, a safetensors file, tokenizer files, optionally a template. */
  static Path hfFolder(Path dir, LlamaConfig config, boolean chatTemplate) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("config.json"), config.toJson().toPrettyString());
    Map<String, long[]> shapes = new LinkedHashMap<>();
    shapes.put("model.norm.weight", new long[] {config.hiddenSize()});
    safetensors(dir.resolve("model.safetensors"), shapes);
    Files.writeString(dir.resolve("tokenizer.json"), "{\"model\":{\"type\":\"BPE\"}}");
    Files.writeString(dir.resolve("tokenizer_config.json"), chatTemplate
        ? "{\"chat_template\":\"{% for m in messages %}{{ m['content'] }}{% endfor %}\"}"
        : "{}");
    return dir;
  }

  /** A PEFT adapter folder with LoRA A/B matrices of rank {@code r} on one projection. */
  static Path adapterFolder(Path dir, String base, int r, int dim) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("adapter_config.json"), "{\"peft_type\":\"LORA\",\"r\":" + r
        + ",\"base_model_name_or_path\":\"" + base + "\",\"target_modules\":[\"q_proj\"]}");
    Map<String, long[]> shapes = new LinkedHashMap<>();
    shapes.put("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
        new long[] {r, dim});
    shapes.put("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
        new long[] {dim, r});
    safetensors(dir.resolve("adapter_model.safetensors"), shapes);
    return dir;
  }

  /** A valid F32 safetensors file of zeros with the given tensor shapes. */
  static void safetensors(Path file, Map<String, long[]> shapes) throws IOException {
    StringBuilder h = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
    long offset = 0;
    for (var e : shapes.entrySet()) {
      long n = 1;
      StringBuilder dims = new StringBuilder();
      for (long d : e.getValue()) {
        n *= d;
        dims.append(dims.length() == 0 ? "" : ",").append(d);
      }
      h.append(",\"").append(e.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":[").append(dims)
          .append("],\"data_offsets\":[").append(offset).append(',').append(offset + 4 * n)
          .append("]}");
      offset += 4 * n;
    }
    h.append('}');
    while ((h.length() + 8) % 8 != 0) {
      h.append(' ');
    }
    byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length)
          .array());
      out.write(header);
      out.write(new byte[(int) offset]);
    }
  }

  /** A valid F32 safetensors file's bytes: one 1-D tensor of random data. */
  static byte[] safetensorsBytes(String tensor, int elements, long seed) {
    String h = "{\"" + tensor + "\":{\"dtype\":\"F32\",\"shape\":[" + elements
        + "],\"data_offsets\":[0," + 4L * elements + "]}}";
    StringBuilder padded = new StringBuilder(h);
    while ((padded.length() + 8) % 8 != 0) {
      padded.append(' ');
    }
    byte[] header = padded.toString().getBytes(StandardCharsets.UTF_8);
    byte[] data = new byte[4 * elements];
    new java.util.Random(seed).nextBytes(data);
    ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length)
        .order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(header.length).put(header).put(data);
    return b.array();
  }
}
