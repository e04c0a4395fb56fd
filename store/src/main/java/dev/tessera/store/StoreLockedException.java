package dev.tessera.store;

import java.nio.file.Path;

/**
 * The store's directory is already open, by another process or by another store object in this
 * one. A separate type because the fix is the operator's (stop the other process, or choose another
 * {@code --data} directory), not a retry.
 */
public class StoreLockedException extends StoreException {
    public StoreLockedException(String message, Path directory, Throwable cause) {
        super(message, directory, cause);
    }
}
