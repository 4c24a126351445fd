package ai.temper.engine.models.hub;

import ai.temper.engine.Faults;
import ai.temper.engine.Json;
import ai.temper.engine.TemperException;
import ai.temper.engine.jobs.JobContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of the Hugging Face Hub's HTTP API, as huggingface_hub speaks it: the endpoint from
 * {@code HF_ENDPOINT} (default https://huggingface.co), the token from {@code HF_TOKEN} sent as
 * "Authorization: Bearer" to the Hub only (never to a CDN it redirects to).
 *
 * <ul>
 *   <li>{@code GET {endpoint}/api/models/{repo}/revision/{rev}?blobs=true}: the commit and the
 *       files, with sizes and the SHA-256 of LFS files;</li>
 *   <li>{@code GET {endpoint}/{repo}/resolve/{commit}/{path}}: a file, usually by redirect.</li>
 * </ul>
 * Downloads resume from a partial {@code .incomplete} file with an HTTP Range request, retry
 * dropped connections, and are verified against the size and hash the Hub reported.
 */
public final class HubClient {
  public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
  public static final String ENDPOINT_ENV = "HF_ENDPOINT";
  public static final String TOKEN_ENV = "HF_TOKEN";
  public static final String PARTIAL_SUFFIX = ".incomplete";

  private static final Logger LOG = LoggerFactory.getLogger(HubClient.class);
  private static final ObjectMapper JSON = Json.MAPPER;
  private static final String USER_AGENT = "temper (java.net.http)";
  private static final Pattern REPO_ID =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?");
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
  private static final int MAX_REDIRECTS = 10;
  /** Closes the body of a download that was cancelled or stalled, so a blocked read returns. */
  private static final ScheduledExecutorService WATCHDOG =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "temper-hub-watchdog");
        t.setDaemon(true);
        return t;
      });

  /** Hears how many bytes of a file are on disk as a download goes. */
  @FunctionalInterface
  public interface FileProgress {
    void at(HubFile file, long bytesOnDisk);
  }

  private final URI endpoint;
  private final String token;
  private final HttpClient http;
  private int maxAttempts = 5;
  private long retryDelayMs = 1000;
  /** A download that receives nothing for this long is dropped and resumed. */
  private static final long STALL_TIMEOUT_MS = 60_000;

  /**
   * @param endpoint the Hub's base URL ("https://huggingface.co", or a mirror)
   * @param token    an access token, or null/blank for anonymous access
   */
  public HubClient(String endpoint, String token) {
    String e = endpoint == null || endpoint.isBlank() ? DEFAULT_ENDPOINT : endpoint.strip();
    while (e.endsWith("/")) {
      e = e.substring(0, e.length() - 1);
    }
    URI uri;
    try {
      uri = URI.create(e);
    } catch (IllegalArgumentException ex) {
      throw new TemperException(ENDPOINT_ENV + ": not a URL: " + e);
    }
    if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())
        || uri.getHost() == null) {
      throw new TemperException(ENDPOINT_ENV + ": not an http(s) URL: " + e);
    }
    this.endpoint = uri;
    this.token = token == null || token.isBlank() ? null : token.strip();
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(20))
        .build();
  }

  /** The client Hugging Face's own tools would use here: HF_ENDPOINT and HF_TOKEN. */
  public static HubClient fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  public static HubClient fromEnvironment(Map<String, String> env) {
    return new HubClient(env.get(ENDPOINT_ENV), env.get(TOKEN_ENV));
  }

  /** Tunes retries of dropped connections (tests shorten the waits). */
  public HubClient retries(int maxAttempts, long retryDelayMs) {
    this.maxAttempts = Math.max(1, maxAttempts);
    this.retryDelayMs = Math.max(0, retryDelayMs);
    return this;
  }

  public String endpoint() {
    return endpoint.toString();
  }

  public boolean hasToken() {
    return token != null;
  }

  /** Checks a repository id ("org/name" or "name") before it goes into a URL or a path. */
  public static String checkRepoId(String repoId) {
    String r = repoId == null ? "" : repoId.strip();
    if (!REPO_ID.matcher(r).matches() || r.contains("..") || r.length() > 200) {
      throw new TemperException("Not a Hugging Face repository id: '" + repoId
          + "' (expected ORG/NAME, e.g. HuggingFaceTB/SmolLM2-135M)");
    }
    return r;
  }

  /** The repository's commit and files at {@code revision} (a branch, tag or commit). */
  public HubRepoInfo repoInfo(String repoId, String revision) {
    String repo = checkRepoId(repoId);
    String rev = revision == null || revision.isBlank() ? "main" : revision.strip();
    URI url = URI.create(endpoint + "/api/models/" + repo + "/revision/" + encode(rev)
        + "?blobs=true");
    String what = repo + " at revision " + rev;
    for (int attempt = 1; ; attempt++) {
      try {
        HttpResponse<InputStream> r = send(url, -1);
        try (InputStream body = r.body()) {
          if (r.statusCode() != 200) {
            throw statusError(r, what, body);
          }
          return parseInfo(repo, rev, JSON.readTree(body), url);
        }
      } catch (IOException e) {
        if (attempt >= Math.min(3, maxAttempts)) {
          throw new TemperException("Cannot reach the Hugging Face Hub at " + endpoint + " ("
              + describe(e) + "). Check the connection, or set " + ENDPOINT_ENV
              + " to a mirror.", e);
        }
        pause(attempt, null);
      } catch (RetryableStatus e) {
        if (attempt >= Math.min(3, maxAttempts)) {
          throw new TemperException(e.getMessage());
        }
        pause(attempt, null);
      }
    }
  }

  private static HubRepoInfo parseInfo(String repo, String rev, JsonNode n, URI url) {
    if (n == null || !n.isObject() || !n.path("siblings").isArray()) {
      throw new TemperException(url + ": the Hub's answer has no file list (siblings)");
    }
    List<HubFile> files = new ArrayList<>();
    for (JsonNode s : n.get("siblings")) {
      String path = s.path("rfilename").asText(null);
      if (path == null) {
        continue;
      }
      JsonNode lfs = s.get("lfs");
      long size = s.path("size").asLong(-1);
      String sha256 = null;
      if (lfs != null && lfs.isObject()) {
        if (size < 0) {
          size = lfs.path("size").asLong(-1);
        }
        sha256 = lfs.hasNonNull("sha256") ? lfs.get("sha256").asText()
            : lfs.path("oid").asText(null);
      }
      files.add(new HubFile(path, size, s.path("blobId").asText(null), sha256));
    }
    String sha = n.path("sha").asText(null);
    return new HubRepoInfo(repo, rev, sha == null || sha.isBlank() ? rev : sha, files);
  }

  /** The URL of one file at a revision or commit. */
  public URI fileUrl(String repoId, String revision, String path) {
    StringBuilder p = new StringBuilder();
    for (String segment : path.split("/", -1)) {
      p.append(p.length() == 0 ? "" : "/").append(encode(segment));
    }
    return URI.create(endpoint + "/" + checkRepoId(repoId) + "/resolve/" + encode(revision) + "/"
        + p);
  }

  /**
   * Downloads {@code file} of {@code repoId} at {@code commit} to {@code target}: into
   * {@code target.incomplete} first, resuming what an earlier attempt left there, then verified
   * against the Hub's size and hash and renamed into place.
   *
   * @throws HubIntegrityException when the bytes are not what the Hub listed (the partial file
   *                               is deleted)
   * @throws CancellationException when the job is cancelled (the partial file stays, to resume)
   */
  public void download(String repoId, String commit, HubFile file, Path target, JobContext ctx,
      FileProgress progress) {
    Path part = target.resolveSibling(target.getFileName() + PARTIAL_SUFFIX);
    URI url = fileUrl(repoId, commit, file.path());
    for (int attempt = 1; ; attempt++) {
      ctx.checkCancelled();
      try {
        long have = Files.exists(part) ? Files.size(part) : 0;
        if (file.size() >= 0 && have > file.size()) {
          Files.delete(part);
          have = 0;
        }
        progress.at(file, have);
        if (file.size() < 0 || have < file.size() || !Files.exists(part)) {
          fetch(url, part, have, file, ctx, progress);
        }
        break;
      } catch (IOException | RetryableStatus e) {
        ctx.checkCancelled();
        String why = e instanceof IOException io ? describe(io) : e.getMessage();
        if (attempt >= maxAttempts) {
          throw new TemperException("Downloading " + file.path() + " of " + repoId + " failed "
              + attempt + " times (" + why + "). Run the same pull again to resume.", e);
        }
        LOG.warn("Download of {} interrupted ({}); resuming (attempt {} of {})", file.path(), why,
            attempt + 1, maxAttempts);
        pause(attempt, ctx);
      }
    }
    verify(part, file, ctx);
    try {
      Files.move(part, target, StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new TemperException("Cannot move " + part + " into place: " + e.getMessage(), e);
    }
  }

  /** One GET of the rest of the file, appended to {@code part}. */
  private void fetch(URI url, Path part, long offset, HubFile file, JobContext ctx,
      FileProgress progress) throws IOException, RetryableStatus {
    HttpResponse<InputStream> r = send(url, offset);
    int code = r.statusCode();
    AtomicLong lastRead = new AtomicLong(System.nanoTime());
    AtomicBoolean stalled = new AtomicBoolean();
    try (InputStream body = r.body()) {
      boolean append;
      if (code == 206) {
        long start = contentRangeStart(r);
        if (start != offset) {
          Files.deleteIfExists(part);
          throw new IOException("the server resumed at byte " + start + " instead of " + offset
              + "; starting the file over");
        }
        append = true;
      } else if (code == 200) {
        append = false; // no Range asked, or the server ignored it: the whole file comes again
      } else if (code == 416 && offset > 0) {
        if (file.size() == offset) {
          return; // the partial file was already complete
        }
        Files.deleteIfExists(part);
        throw new IOException("the server refused to resume at byte " + offset
            + "; starting the file over");
      } else {
        throw statusError(r, file.path(), body);
      }
      ScheduledFuture<?> watch = WATCHDOG.scheduleAtFixedRate(() -> {
        boolean idle = System.nanoTime() - lastRead.get() > STALL_TIMEOUT_MS * 1_000_000L;
        if (ctx.isCancelled() || idle) {
          stalled.set(idle);
          closeQuietly(body);
        }
      }, 200, 200, TimeUnit.MILLISECONDS);
      try (OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE,
          StandardOpenOption.WRITE,
          append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
        long onDisk = append ? offset : 0;
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = body.read(buf)) > 0) {
          lastRead.set(System.nanoTime());
          out.write(buf, 0, n);
          Faults.point("download.chunk");
          onDisk += n;
          progress.at(file, onDisk);
          ctx.checkCancelled();
        }
      } catch (IOException e) {
        ctx.checkCancelled();
        throw stalled.get() ? new IOException("no data for " + STALL_TIMEOUT_MS / 1000 + " s", e)
            : e;
      } finally {
        watch.cancel(false);
      }
    }
  }

  private void verify(Path part, HubFile file, JobContext ctx) {
    try {
      long size = Files.size(part);
      if (file.size() >= 0 && size != file.size()) {
        Files.deleteIfExists(part);
        throw new HubIntegrityException(file.path() + ": received " + size + " bytes, but the Hub "
            + "lists " + file.size() + "; the file was rejected");
      }
      String expected;
      String actual;
      String kind;
      if (file.sha256() != null) {
        kind = "SHA-256";
        expected = file.sha256();
        actual = Checksums.sha256(part, ctx::isCancelled);
      } else if (file.blobId() != null) {
        kind = "git blob id";
        expected = file.blobId();
        actual = Checksums.gitBlobSha1(part, ctx::isCancelled);
      } else {
        return;
      }
      if (!expected.equalsIgnoreCase(actual)) {
        Files.deleteIfExists(part);
        throw new HubIntegrityException(file.path() + ": " + kind + " " + actual
            + " does not match the Hub's " + expected + "; the file was rejected");
      }
    } catch (IOException e) {
      throw new TemperException("Cannot verify " + part + ": " + e.getMessage(), e);
    }
  }

  /** GET with redirects followed here, so the token is never sent to another host. */
  private HttpResponse<InputStream> send(URI url, long rangeFrom) throws IOException {
    URI current = url;
    boolean withToken = token != null;
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpRequest.Builder b = HttpRequest.newBuilder(current)
          .GET()
          .timeout(Duration.ofSeconds(60))
          .header("User-Agent", USER_AGENT)
          .header("Accept-Encoding", "identity");
      if (withToken) {
        b.header("Authorization", "Bearer " + token);
      }
      if (rangeFrom > 0) {
        b.header("Range", "bytes=" + rangeFrom + "-");
      }
      HttpResponse<InputStream> r;
      try {
        r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CancellationException("interrupted");
      }
      int code = r.statusCode();
      if (code != 301 && code != 302 && code != 303 && code != 307 && code != 308) {
        return r;
      }
      r.body().close();
      String location = r.headers().firstValue("location")
          .orElseThrow(() -> new IOException("redirect without a Location from " + url));
      URI next = current.resolve(location);
      if ("https".equals(current.getScheme()) && !"https".equals(next.getScheme())) {
        throw new TemperException("Refusing a redirect from " + current.getHost() + " to "
            + next.getScheme() + "://" + next.getHost() + " (https downgrade)");
      }
      if (!sameOrigin(current, next)) {
        withToken = false; // the token belongs to the Hub, not to its storage
      }
      current = next;
    }
    throw new IOException("more than " + MAX_REDIRECTS + " redirects from " + url);
  }

  private static boolean sameOrigin(URI a, URI b) {
    return Objects.equals(a.getScheme(), b.getScheme())
        && a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
        && port(a) == port(b);
  }

  private static int port(URI u) {
    return u.getPort() >= 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
  }

  private static long contentRangeStart(HttpResponse<?> r) {
    Matcher m = CONTENT_RANGE.matcher(r.headers().firstValue("content-range").orElse(""));
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  /** A status the Hub may answer differently next time (5xx, 429). */
  private static final class RetryableStatus extends Exception {
    RetryableStatus(String message) {
      super(message);
    }
  }

  private RuntimeException statusError(HttpResponse<?> r, String what, InputStream body)
      throws RetryableStatus {
    int code = r.statusCode();
    String hubMessage = r.headers().firstValue("x-error-message").orElse(null);
    String errorCode = r.headers().firstValue("x-error-code").orElse("");
    String detail = hubMessage != null ? " (" + hubMessage + ")" : "";
    if (hubMessage == null) {
      try {
        String text = new String(body.readNBytes(300), StandardCharsets.UTF_8).strip();
        JsonNode j = text.startsWith("{") ? JSON.readTree(text) : null;
        if (j != null && j.hasNonNull("error")) {
          detail = " (" + j.get("error").asText() + ")";
        }
      } catch (IOException ignored) {
        // no readable body
      }
    }
    if (code >= 500 || code == 429) {
      throw new RetryableStatus("The Hub at " + endpoint + " answered HTTP " + code + " for "
          + what + detail);
    }
    return switch (code) {
      case 401 -> new TemperException("The Hub refused access to " + what + " (HTTP 401)" + detail
          + (token == null ? ": the repository is private or gated; set " + TOKEN_ENV
              + " to an access token" : ": the token in " + TOKEN_ENV + " was not accepted"));
      case 403 -> new TemperException("Access to " + what + " is restricted (HTTP 403)" + detail
          + ": accept the model's terms on its Hub page with the account of " + TOKEN_ENV);
      case 404 -> new TemperException(switch (errorCode) {
        case "RevisionNotFound" -> "Revision not found: " + what + detail;
        case "EntryNotFound" -> "File not found on the Hub: " + what + detail;
        default -> "Not found on the Hub at " + endpoint + ": " + what + detail
            + (token == null ? " (a private repository needs " + TOKEN_ENV + ")" : "");
      });
      default -> new TemperException("The Hub at " + endpoint + " answered HTTP " + code + " for "
          + what + detail);
    };
  }

  private void pause(int attempt, JobContext ctx) {
    long wait = Math.min(retryDelayMs << Math.min(attempt - 1, 5), 30_000);
    long until = System.currentTimeMillis() + wait;
    try {
      while (System.currentTimeMillis() < until) {
        if (ctx != null) {
          ctx.checkCancelled();
        }
        Thread.sleep(Math.min(100, Math.max(1, until - System.currentTimeMillis())));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CancellationException("interrupted");
    }
  }

  private static String describe(IOException e) {
    String m = e.getMessage();
    String text = e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    Throwable cause = e.getCause();
    if (cause != null && cause.getMessage() != null && !cause.getMessage().equals(m)) {
      text += " (" + cause.getMessage() + ")";
    }
    return text;
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // closing only to unblock a read
    }
  }

  /** Percent-encodes one URL path segment (everything but RFC 3986's unreserved characters). */
  static String encode(String segment) {
    StringBuilder sb = new StringBuilder();
    for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-'
          || c == '.' || c == '_' || c == '~') {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    return sb.toString();
  }
}
