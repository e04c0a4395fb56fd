package dev.tessera.store;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
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
            return new StoreException("the disk holding the store at " + directory + " is full" + disk(directory)
                    + ", so Tessera could not " + action + " it; free some space, then restart (RocksDB: " + detail + ")",
                    directory, e);
        }
        if (lower.contains("writer has previous error")) {
            // RocksDB refuses every write (and the log sync of a close) after one failed write to its log, until
            // the database is opened again; the failed write itself was reported with its cause
            return new StoreException("could not " + action + " the store at " + directory + ": an earlier write to it"
                    + " failed (that error said why: a full disk or an I/O error), and RocksDB accepts no more until the"
                    + " store is opened again; what was written before that failure is kept (RocksDB: " + detail + ")",
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

    /**
     * The file system holding {@code directory} and its free space, as " (file system /mnt/data (/dev/sdb1),
     * 0 MiB free of 512 MiB)", or "" when it cannot be told: the disk an operator has to free.
     */
    static String disk(Path directory) {
        Path p = directory.toAbsolutePath();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null) {
            return "";
        }
        try {
            FileStore fs = Files.getFileStore(p);
            return " (file system " + fs + ", " + mib(fs.getUsableSpace()) + " free of " + mib(fs.getTotalSpace()) + ")";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static String mib(long bytes) {
        return bytes < (1L << 20) ? bytes + " bytes" : (bytes >> 20) + " MiB";
    }
}
