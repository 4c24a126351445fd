package ai.temper.engine.models.hub;

/**
 * One file of a Hub repository at a commit, as the Hub lists it.
 *
 * @param path   its path in the repository ("model.safetensors")
 * @param size   its size in bytes, or -1 when the Hub did not say
 * @param blobId the git blob id (SHA-1 of "blob SIZE\0" + content) of a plain git file, or null
 * @param sha256 the SHA-256 of an LFS file's content (weights), or null for plain git files
 */
public record HubFile(String path, long size, String blobId, String sha256) {
  public boolean isLfs() {
    return sha256 != null;
  }
}
