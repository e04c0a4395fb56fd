package dev.tessera.store;

import java.nio.file.Path;
import java.util.Locale;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/**
 * Turns a {@link RocksDBException} into a {@link StoreException} that says which store, what it was
 * doing and, for the failures an operator can fix, how. The one place that reads RocksDB's status
 * codes and messages, so the hints stay consistent.
 */
final class RocksDbErrors {
    private RocksDbErrors() {}

    /**
     * @param directory the store's directory
     * @param action what the store was doing, as a verb phrase ("open", "write to")
     */
    static StoreException translate(Path directory, String action, RocksDBException e) {
        String detail = e.getMessage() == null ? String.valueOf(e.getStatus()) : e.getMessage();
        Status status = e.getStatus();
        Status.Code code = status == null ? null : status.getCode();
        Status.SubCode subCode = status == null ? null : status.getSubCode();
        String lower = detail.toLowerCase(Locale.ROOT);

        if (lower.contains("lock hold by current process")) {
            return new StoreLockedException("this process already has the store at " + directory
                    + " open; close that store first, or use another --data directory (RocksDB: " + detail + ")",
                    directory, e);
        }
        if (code == Status.Code.IOError && (lower.contains("lock file") || detail.contains("/LOCK:"))) {
            return new StoreLockedException("another Tessera process is using " + directory
                    + "; stop it or use another --data directory (RocksDB: " + detail + ")", directory, e);
        }
        if (subCode == Status.SubCode.NoSpace || lower.contains("no space left on device")) {
            return new StoreException("the disk holding the store at " + directory + " is full, so Tessera "
                    + "could not " + action + " it; free some space, then restart (RocksDB: " + detail + ")",
                    directory, e);
        }
        if (code == Status.Code.Corruption) {
            return new StoreException("the store at " + directory + " is corrupt, so Tessera could not "
                    + action + " it; restore the directory from a backup or move it aside (RocksDB: " + detail + ")",
                    directory, e);
        }
        return new StoreException("could not " + action + " the store at " + directory + " (RocksDB: " + detail + ")",
                directory, e);
    }
}
