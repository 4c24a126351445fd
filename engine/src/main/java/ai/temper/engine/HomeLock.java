package ai.temper.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a home, held for the life of the process, so two Temper processes
 * never write one database. The operating system drops it when the process dies, so a
 * killed process never leaves a stale lock behind.
 */
final class HomeLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private HomeLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  static HomeLock acquire(Path home) {
    Path file = home.resolve("temper.lock");
    FileChannel ch = null;
    try {
      ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        l = null;
      }
      if (l == null) {
        String holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
        ch.close();
        throw new TemperException("The Temper home " + home + " is in use by another Temper process"
            + (holder.isEmpty() ? "" : " (" + holder + ")")
            + ". Close it first, or choose another home with --home.");
      }
      ch.truncate(0);
      ch.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid())
          .getBytes(StandardCharsets.UTF_8)));
      ch.force(false);
      return new HomeLock(ch, l);
    } catch (IOException e) {
      try {
        if (ch != null) {
          ch.close();
        }
      } catch (IOException ignored) {
        // nothing more to do
      }
      throw new TemperException("Cannot lock the Temper home " + home + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      if (lock.isValid()) {
        lock.release();
      }
      channel.close();
    } catch (IOException ignored) {
      // the OS releases the lock with the process anyway
    }
  }
}
