package dev.tessera.store;

import dev.tessera.api.TesseraException;
import java.nio.file.Path;

/**
 * The online store failed: it cannot be opened, written or read. The message names the store's
 * directory (when it has one), what failed and, where there is one, what to do about it.
 */
public class StoreException extends TesseraException {
    private final transient Path directory;

    public StoreException(String message, Path directory, Throwable cause) {
        super(message, cause);
        this.directory = directory;
    }

    /** The store's data directory, or null for a store without one. */
    public Path directory() {
        return directory;
    }
}
