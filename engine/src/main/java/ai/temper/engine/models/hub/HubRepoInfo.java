package ai.temper.engine.models.hub;

import java.util.List;
import java.util.Optional;

/**
 * A repository at one revision: the commit the revision points to, and its files.
 *
 * @param revision what was asked for (a branch, tag or commit)
 * @param sha      the commit it resolved to; files are fetched at this commit so that they all
 *                 come from one snapshot even if the branch moves during the download
 */
public record HubRepoInfo(String repoId, String revision, String sha, List<HubFile> files) {

  public Optional<HubFile> file(String path) {
    return files.stream().filter(f -> f.path().equals(path)).findFirst();
  }

  public List<String> paths() {
    return files.stream().map(HubFile::path).toList();
  }
}
