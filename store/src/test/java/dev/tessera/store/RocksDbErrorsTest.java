package dev.tessera.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/**
 * The translation of RocksDB failures into messages an operator can act on. The lock cases are also
 * produced for real (here in {@link RocksDbTileStoreTest}, across processes in
 * {@link RocksDbProcessTest}). A full disk is produced for real by the runtime's {@code DiskFullTest},
 * which mounts a small tmpfs (root only); here its exact RocksDB messages are replayed.
 */
class RocksDbErrorsTest {
    private static final Path DIR = Path.of("/var/lib/tessera/data");

    @Test
    void aLockHeldByAnotherProcessSaysWhatToDo() {
        StoreException e = RocksDbErrors.translate(DIR, "open", exception(Status.Code.IOError, Status.SubCode.None,
                "While lock file: /var/lib/tessera/data/LOCK: Resource temporarily unavailable"));

        assertThat(e).isInstanceOf(StoreLockedException.class)
                .hasMessageStartingWith("another Tessera process is using /var/lib/tessera/data; "
                        + "stop it or use another --data directory");
        assertThat(e.directory()).isEqualTo(DIR);
    }

    @Test
    void aFullDiskSaysSoAndNamesTheDirectory() {
        StoreException e = RocksDbErrors.translate(DIR, "write to", exception(Status.Code.IOError,
                Status.SubCode.NoSpace, "While appending to file: /var/lib/tessera/data/000008.log: No space left on device"));

        assertThat(e).isNotInstanceOf(StoreLockedException.class)
                .hasMessageStartingWith("the disk holding the store at /var/lib/tessera/data is full (file system ")
                .hasMessageContaining(" free of ")
                .hasMessageContaining("), so Tessera could not write to it; free some space, then restart")
                .hasMessageContaining("000008.log");
    }

    @Test
    void theDiskIsNamedByTheFileSystemOfTheNearestExistingFolder(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        java.nio.file.FileStore fs = java.nio.file.Files.getFileStore(dir);

        assertThat(RocksDbErrors.disk(dir.resolve("not/yet/created"))).startsWith(" (file system " + fs + ", ")
                .endsWith(" MiB)");
    }

    @Test
    void aWriteRefusedAfterAnEarlierFailureSaysSo() {
        // what closing the store answered after its log ran out of disk (DiskFullTest)
        StoreException e = RocksDbErrors.translate(DIR, "sync the log of", exception(Status.Code.IOError,
                Status.SubCode.None, "Writer has previous error."));

        assertThat(e).hasMessageStartingWith("could not sync the log of the store at /var/lib/tessera/data: an earlier"
                + " write to it failed (that error said why: a full disk or an I/O error), and RocksDB accepts no more until"
                + " the store is opened again; what was written before that failure is kept");
    }

    @Test
    void corruptionSaysTheDataIsCorrupt() {
        StoreException e = RocksDbErrors.translate(DIR, "read", exception(Status.Code.Corruption,
                Status.SubCode.None, "block checksum mismatch"));

        assertThat(e).hasMessageStartingWith("the store at /var/lib/tessera/data is corrupt")
                .hasMessageContaining("block checksum mismatch");
    }

    @Test
    void anythingElseKeepsRocksDbsMessageAndTheCause() {
        RocksDBException cause = exception(Status.Code.InvalidArgument, Status.SubCode.None, "something odd");

        StoreException e = RocksDbErrors.translate(DIR, "open", cause);

        assertThat(e).hasMessage("could not open the store at /var/lib/tessera/data (RocksDB: something odd)")
                .hasCause(cause);
    }

    private static RocksDBException exception(Status.Code code, Status.SubCode subCode, String message) {
        return new RocksDBException(message, new Status(code, subCode, message));
    }
}
