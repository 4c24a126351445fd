package ai.temper.engine.models;

import ai.temper.engine.jobs.JobContext;
import ai.temper.engine.models.hub.HubClient;
import ai.temper.engine.models.hub.HubFile;
import java.util.HashMap;
import java.util.Map;

/**
 * Adds up the bytes on disk of every file of a pull and reports them to the job as the
 * fraction done (the job's handle derives the time left from it), with the transfer rate of
 * this session: "model.safetensors (3/5): 12.3 MB of 45.6 MB, 3.2 MB/s".
 */
final class PullProgress implements HubClient.FileProgress {
  private final JobContext ctx;
  private final long total;
  private final int fileCount;
  private final Map<String, Long> onDisk = new HashMap<>();
  private final Map<String, Integer> order = new HashMap<>();
  private final long startNanos = System.nanoTime();
  private long startBytes = -1;
  private long lastReport;

  PullProgress(JobContext ctx, Iterable<HubFile> files) {
    this.ctx = ctx;
    long sum = 0;
    int i = 0;
    for (HubFile f : files) {
      sum += Math.max(0, f.size());
      order.put(f.path(), ++i);
    }
    this.total = sum;
    this.fileCount = i;
  }

  long total() {
    return total;
  }

  synchronized long done() {
    long d = 0;
    for (long v : onDisk.values()) {
      d += v;
    }
    return d;
  }

  @Override
  public synchronized void at(HubFile file, long bytes) {
    onDisk.put(file.path(), bytes);
    long now = System.nanoTime();
    if (startBytes < 0) {
      startBytes = done();
    }
    if (now - lastReport < 100_000_000L && bytes != file.size()) {
      return;
    }
    lastReport = now;
    long done = done();
    StringBuilder msg = new StringBuilder(file.path());
    msg.append(" (").append(order.getOrDefault(file.path(), 0)).append('/').append(fileCount)
        .append("): ").append(Sizes.bytes(done)).append(" of ").append(Sizes.bytes(total));
    double seconds = (now - startNanos) / 1e9;
    long fresh = done - startBytes;
    if (seconds > 0.5 && fresh > 0) {
      double rate = fresh / seconds;
      msg.append(", ").append(Sizes.bytes((long) rate)).append("/s");
    }
    ctx.progress(total > 0 ? (double) done / total : -1, msg.toString());
  }

  void message(String text) {
    ctx.progress(total > 0 ? (double) done() / total : -1, text);
  }
}
