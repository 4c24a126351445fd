package ai.temper.engine.models.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for the Hugging Face Hub on 127.0.0.1: the model-info API with file sizes and LFS
 * hashes, resolve URLs (LFS files redirect to a second "CDN" server on another port), Range
 * requests, and faults on demand: a dropped connection, a wrong size or hash, a slow transfer.
 */
public final class FakeHub implements AutoCloseable {
  /** One request as the server saw it. */
  public record Seen(String server, String path, String range, String authorization) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern INFO =
      Pattern.compile("/api/models/(.+)/revision/([^/]+)");
  private static final Pattern RESOLVE = Pattern.compile("/(.+?/.+?)/resolve/([^/]+)/(.+)");

  private final HttpServer hub;
  private final HttpServer cdn;
  private final String repo;
  private final String sha;
  private final Map<String, byte[]> files = new LinkedHashMap<>();
  private final Map<String, Boolean> lfs = new LinkedHashMap<>();
  private final Map<String, Long> reportedSize = new ConcurrentHashMap<>();
  private final Map<String, String> reportedHash = new ConcurrentHashMap<>();
  private final Map<String, Integer> dropAfter = new ConcurrentHashMap<>();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private volatile long delayPerChunkMs;

  public FakeHub(String repo, String sha) throws IOException {
    this.repo = repo;
    this.sha = sha;
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    hub = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
    cdn = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
    hub.createContext("/", ex -> handle("hub", ex));
    cdn.createContext("/", ex -> handle("cdn", ex));
    hub.setExecutor(Executors.newCachedThreadPool(FakeHub::daemon));
    cdn.setExecutor(Executors.newCachedThreadPool(FakeHub::daemon));
    hub.start();
    cdn.start();
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r, "fake-hub");
    t.setDaemon(true);
    return t;
  }

  public String endpoint() {
    return "http://127.0.0.1:" + hub.getAddress().getPort();
  }

  public String sha() {
    return sha;
  }

  /** A plain git file (listed with its git blob id). */
  public FakeHub file(String name, byte[] content) {
    files.put(name, content);
    lfs.put(name, false);
    return this;
  }

  public FakeHub file(String name, String content) {
    return file(name, content.getBytes(StandardCharsets.UTF_8));
  }

  /** An LFS file (listed with its SHA-256, served from the CDN by redirect). */
  public FakeHub lfsFile(String name, byte[] content) {
    files.put(name, content);
    lfs.put(name, true);
    return this;
  }

  /** The API lists this size instead of the real one. */
  public void reportSize(String name, long size) {
    reportedSize.put(name, size);
  }

  /** The API lists this hash instead of the real one. */
  public void reportHash(String name, String hash) {
    reportedHash.put(name, hash);
  }

  /** The next full transfer of {@code name} stops after {@code bytes} and drops the connection. */
  public void dropOnce(String name, int bytes) {
    dropAfter.put(name, bytes);
  }

  /** Slows every file transfer down (for cancellation tests). */
  public void delayPerChunk(long ms) {
    delayPerChunkMs = ms;
  }

  public List<Seen> seen() {
    return new ArrayList<>(seen);
  }

  public List<Seen> requestsFor(String fileName) {
    return seen.stream().filter(s -> s.path().endsWith("/" + fileName)).toList();
  }

  private void handle(String server, HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    seen.add(new Seen(server, ex.getRequestURI().getPath(),
        ex.getRequestHeaders().getFirst("Range"),
        ex.getRequestHeaders().getFirst("Authorization")));
    try {
      if (server.equals("cdn")) {
        serveFile(ex, path.substring("/blobs/".length()));
        return;
      }
      Matcher info = INFO.matcher(path);
      if (info.matches()) {
        if (!info.group(1).equals(repo)) {
          error(ex, 404, "RepoNotFound", "Repository not found");
        } else if (!info.group(2).equals("main") && !info.group(2).equals(sha)) {
          error(ex, 404, "RevisionNotFound", "Invalid rev id: " + info.group(2));
        } else {
          send(ex, 200, "application/json", info().toString().getBytes(StandardCharsets.UTF_8));
        }
        return;
      }
      Matcher resolve = RESOLVE.matcher(ex.getRequestURI().getPath());
      if (resolve.matches() && resolve.group(1).equals(repo)
          && resolve.group(2).equals(sha) && files.containsKey(resolve.group(3))) {
        String name = resolve.group(3);
        if (lfs.get(name)) {
          ex.getResponseHeaders().add("Location",
              "http://127.0.0.1:" + cdn.getAddress().getPort() + "/blobs/" + name);
          ex.sendResponseHeaders(302, -1);
          ex.close();
        } else {
          serveFile(ex, name);
        }
        return;
      }
      error(ex, 404, "EntryNotFound", "not found: " + path);
    } catch (IOException e) {
      ex.close();
    }
  }

  private ObjectNode info() {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", repo);
    n.put("sha", sha);
    ArrayNode siblings = n.putArray("siblings");
    for (var e : files.entrySet()) {
      String name = e.getKey();
      byte[] content = e.getValue();
      long size = reportedSize.getOrDefault(name, (long) content.length);
      ObjectNode s = siblings.addObject();
      s.put("rfilename", name);
      s.put("size", size);
      if (lfs.get(name)) {
        s.put("blobId", hex("SHA-1", ("pointer of " + name).getBytes(StandardCharsets.UTF_8)));
        ObjectNode l = s.putObject("lfs");
        l.put("sha256", reportedHash.getOrDefault(name, hex("SHA-256", content)));
        l.put("size", size);
        l.put("pointerSize", 134);
      } else {
        byte[] header = ("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[header.length + content.length];
        System.arraycopy(header, 0, all, 0, header.length);
        System.arraycopy(content, 0, all, header.length, content.length);
        s.put("blobId", reportedHash.getOrDefault(name, hex("SHA-1", all)));
      }
    }
    return n;
  }

  private void serveFile(HttpExchange ex, String name) throws IOException {
    byte[] content = files.get(name);
    if (content == null) {
      error(ex, 404, "EntryNotFound", name);
      return;
    }
    String range = ex.getRequestHeaders().getFirst("Range");
    int from = 0;
    if (range != null) {
      Matcher m = Pattern.compile("bytes=(\\d+)-").matcher(range);
      if (!m.matches()) {
        error(ex, 400, null, "bad range " + range);
        return;
      }
      from = Integer.parseInt(m.group(1));
      if (from >= content.length) {
        ex.getResponseHeaders().add("Content-Range", "bytes */" + content.length);
        ex.sendResponseHeaders(416, -1);
        ex.close();
        return;
      }
      ex.getResponseHeaders().add("Content-Range",
          "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
    }
    ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
    ex.sendResponseHeaders(range != null ? 206 : 200, content.length - from);
    Integer drop = range == null ? dropAfter.remove(name) : null;
    int end = drop != null ? Math.min(drop, content.length) : content.length;
    OutputStream out = ex.getResponseBody();
    int chunk = 16 * 1024;
    for (int i = from; i < end; i += chunk) {
      out.write(content, i, Math.min(chunk, end - i));
      out.flush();
      if (delayPerChunkMs > 0) {
        try {
          Thread.sleep(delayPerChunkMs);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    // Closing with bytes still owed makes the server drop the connection: a broken transfer.
    ex.close();
  }

  private static void error(HttpExchange ex, int code, String errorCode, String message)
      throws IOException {
    if (errorCode != null) {
      ex.getResponseHeaders().add("X-Error-Code", errorCode);
    }
    ex.getResponseHeaders().add("X-Error-Message", message);
    send(ex, code, "application/json",
        ("{\"error\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange ex, int code, String type, byte[] body)
      throws IOException {
    ex.getResponseHeaders().add("Content-Type", type);
    ex.sendResponseHeaders(code, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  static String hex(String algorithm, byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(data));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    hub.stop(0);
    cdn.stop(0);
  }
}
