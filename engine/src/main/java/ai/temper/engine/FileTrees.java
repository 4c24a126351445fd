package ai.temper.engine;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Deleting a file or a folder tree: the one implementation for the engine and the commands. */
public final class FileTrees {
  private FileTrees() {}

  /**
   * Deletes a file or a folder tree; a missing path is fine. Links are deleted, not followed,
   * so nothing outside {@code p} is touched.
   */
  public static void delete(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(p, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
        if (exc != null) {
          throw exc;
        }
        Files.delete(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /** Deletes as much as it can, quietly: for clean-up, which must not hide the real failure. */
  public static void deleteQuietly(Path p) {
    try {
      delete(p);
    } catch (IOException ignored) {
      // best effort: leftovers (staging folders) are swept on the next attempt
    }
  }
}
