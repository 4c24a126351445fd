package ai.temper.engine.models.hub;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.BooleanSupplier;

/** The hashes the Hub reports: SHA-256 of LFS files, git blob SHA-1 of the others. */
public final class Checksums {
  private Checksums() {}

  public static String sha256(Path file, BooleanSupplier cancelled) throws IOException {
    return digest("SHA-256", null, file, cancelled);
  }

  /** Git's object id of a file: SHA-1 over "blob <size>\0" and the content. */
  public static String gitBlobSha1(Path file, BooleanSupplier cancelled) throws IOException {
    byte[] header = ("blob " + Files.size(file) + "\0").getBytes(StandardCharsets.US_ASCII);
    return digest("SHA-1", header, file, cancelled);
  }

  private static String digest(String algorithm, byte[] prefix, Path file,
      BooleanSupplier cancelled) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is part of every Java runtime", e);
    }
    if (prefix != null) {
      md.update(prefix);
    }
    byte[] buf = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        if (cancelled.getAsBoolean()) {
          throw new java.util.concurrent.CancellationException("cancelled");
        }
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
