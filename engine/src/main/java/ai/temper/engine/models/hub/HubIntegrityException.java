package ai.temper.engine.models.hub;

import ai.temper.engine.TemperException;

/**
 * A downloaded file is not what the Hub said it is (size or hash): the download is rejected
 * and nothing of it may stay in the model library.
 */
public final class HubIntegrityException extends TemperException {
  public HubIntegrityException(String message) {
    super(message);
  }
}
