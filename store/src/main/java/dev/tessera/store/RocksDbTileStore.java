package dev.tessera.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiConsumer;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBufferManager;
import org.rocksdb.WriteOptions;

/**
 * The durable {@link TileStore}: one RocksDB database in a directory, one column family per
 * {@link TileStore.Space}.
 *
 * <h2>Commit atomicity</h2>
 * A {@link WriteSet} becomes one {@link WriteBatch}, written with one {@code DB::Write}: RocksDB
 * appends it to the write-ahead log as a single checksummed record, then applies it to the
 * memtables of every column family it touches under one sequence number. Readers see a batch all
 * at once (a {@code get} or a scan's iterator reads at one sequence number), and crash recovery
 * replays whole records only: the default {@code kPointInTimeRecovery} mode stops at the first torn
 * or corrupt record, so a batch cut short by a crash is dropped entirely, together with anything
 * after it. Because the WAL is on and shared by all column families, this holds across spaces, and
 * {@code atomic_flush} (needed only without a WAL) stays off.
 *
 * <h2>Durability</h2>
 * {@link Durability#PROCESS_CRASH} (the default) writes each batch to the WAL with a plain
 * {@code write(2)}: when {@code write} returns the record is in the OS page cache, which survives the
 * process being killed (SIGKILL, OOM killer, a JVM crash) but not a power loss or kernel panic — the
 * last few commits can then be lost, never torn. {@link Durability#POWER_LOSS} adds an
 * {@code fsync} per commit, which costs a disk flush (from tens of microseconds on an NVMe drive with
 * power-loss protection to several milliseconds on consumer SSDs and network disks) in the commit
 * path. The runtime commits tiles together with the Kafka offsets they came from, so a lost tail is
 * recomputed from Kafka on restart; that is why losing the tail is an acceptable default. A clean
 * {@link #close()} syncs the WAL in either mode.
 *
 * <h2>A full disk</h2>
 * A write whose WAL append fails (ENOSPC) throws a {@link StoreException} naming the file system, and
 * the batch is not applied. From then on RocksDB refuses every write, and the WAL sync of
 * {@link #close()}, until the database is opened again, even once space is back: RocksJava has no
 * {@code DB::Resume}. Every write that returned before is kept, and none that failed is. So the
 * runtime stops, and a restart after freeing space recovers (ADR 026, {@code DiskFullTest}).
 *
 * <h2>Options (a write-heavy workload of small values)</h2>
 * <ul>
 *   <li><b>Compression:</b> LZ4 for the upper levels (cheap enough to keep up with flushes and the
 *       compactions a write-heavy load causes), ZSTD for the bottommost level, which holds about 90%
 *       of the data and is rewritten least, so its better ratio is paid for rarely.</li>
 *   <li><b>Bloom filters</b>, 10 bits per key (about 1% false positives), whole-key: a point
 *       {@code get} of an absent key — a new entity, an unseen dedup id — skips nearly every SST file
 *       instead of reading a block from each level.</li>
 *   <li><b>One memory budget</b> of 128 MiB: an LRU block cache shared by all column families, with
 *       index and filter blocks (L0's pinned, being the hottest) and the memtables charged to it, so
 *       RocksDB's memory stays near that figure however many files and column families there are.
 *       Hot tiles live in the runtime's heap; the cache serves cold reads and restarts.</li>
 *   <li><b>Memtables:</b> 16 MiB per column family, up to 3 of them (one filling while others flush,
 *       so bursts do not stall), all column families together capped at 64 MiB of the budget by a
 *       {@link WriteBufferManager}, which flushes the largest memtable when the cap is reached.</li>
 *   <li><b>WAL size</b> capped at 256 MiB: with several column families a
 *       quiet one (META, PROGRESS) would otherwise pin every old log file until it next flushes;
 *       past the cap RocksDB flushes it, which bounds disk use and recovery time.</li>
 *   <li>{@code bytes_per_sync} of 1 MiB so SST writes reach the disk steadily instead of in one large
 *       flush at file close; RocksDB's own info log limited to 5 files of 16 MiB.</li>
 *   <li>Level compaction with dynamic level sizes (RocksDB's default, stated so it stays): the least
 *       space amplification, which matters when most writes overwrite existing tiles.</li>
 *   <li>Left at RocksDB's defaults on purpose: 4 KiB data blocks (small values and point reads
 *       favour small blocks) and two background jobs (Tessera targets small machines; raise it with
 *       the core count if compaction falls behind).</li>
 * </ul>
 *
 * <h2>Lifecycle</h2>
 * Every RocksDB object is created in {@link #open} and pushed on a stack that {@link #close()} pops:
 * write options, column family handles, then the database, then the options, the filter and the
 * cache they refer to. A read-write lock guards that: every operation holds the read lock (RocksDB
 * itself is thread-safe), {@code close} takes the write lock, so native handles are never freed under
 * a running {@code get} or scan. Column family names ({@code "tiles"}, ...) are stored on disk and
 * must never change; column families this version does not know (written by a newer Tessera) are
 * opened and left alone, as RocksDB requires.
 */
public final class RocksDbTileStore implements TileStore {
    private static final long MEMORY_BUDGET_BYTES = 128L << 20;
    private static final long WRITE_BUFFER_BYTES = 16L << 20;
    private static final int MAX_WRITE_BUFFERS = 3;
    private static final long ALL_WRITE_BUFFERS_BYTES = 64L << 20;
    private static final long MAX_TOTAL_WAL_BYTES = 256L << 20;
    private static final double BLOOM_BITS_PER_KEY = 10;

    /** What a commit survives once {@link #write} has returned. */
    public enum Durability {
        /** The process being killed; not a power loss. No fsync per commit. */
        PROCESS_CRASH,
        /** A power loss or kernel crash too: one fsync of the WAL per commit. */
        POWER_LOSS
    }

    private static boolean nativeLibraryLoaded; // guarded by RocksDbTileStore.class

    private final Path directory;
    private final RocksDB db;
    private final Map<Space, ColumnFamilyHandle> handles;
    private final WriteOptions writeOptions;
    /** Native objects in creation order; closed last-first. */
    private final Deque<AutoCloseable> owned;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed; // guarded by lifecycle

    private RocksDbTileStore(Path directory, RocksDB db, Map<Space, ColumnFamilyHandle> handles,
            WriteOptions writeOptions, Deque<AutoCloseable> owned) {
        this.directory = directory;
        this.db = db;
        this.handles = handles;
        this.writeOptions = writeOptions;
        this.owned = owned;
    }

    /** Opens (creating when missing) the store in {@code directory}, surviving process crashes. */
    public static RocksDbTileStore open(Path directory) {
        return open(directory, Durability.PROCESS_CRASH);
    }

    /**
     * Opens (creating when missing) the store in {@code directory}.
     *
     * @throws StoreLockedException when another process (or another store in this one) has it open
     * @throws StoreException when the directory cannot be created, the disk is full, or the data is corrupt
     */
    public static RocksDbTileStore open(Path directory, Durability durability) {
        Objects.requireNonNull(durability, "durability");
        Path dir = directory.toAbsolutePath().normalize();
        loadNativeLibrary(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StoreException("cannot create the store directory " + dir + ": " + e
                    + "; choose a writable --data directory", dir, e);
        }
        Deque<AutoCloseable> owned = new ArrayDeque<>();
        try {
            LRUCache cache = push(owned, new LRUCache(MEMORY_BUDGET_BYTES));
            BloomFilter bloom = push(owned, new BloomFilter(BLOOM_BITS_PER_KEY));
            WriteBufferManager memtables = push(owned, new WriteBufferManager(ALL_WRITE_BUFFERS_BYTES, cache));
            ColumnFamilyOptions cfOptions = push(owned, columnFamilyOptions(cache, bloom));
            DBOptions dbOptions = push(owned, dbOptions(memtables));

            // default first, then the spaces in declaration order, then any unknown ones
            List<byte[]> names = new ArrayList<>();
            names.add(RocksDB.DEFAULT_COLUMN_FAMILY);
            for (Space space : Space.values()) {
                names.add(columnFamilyName(space));
            }
            for (byte[] existing : existingColumnFamilies(dir)) {
                if (names.stream().noneMatch(name -> Arrays.equals(name, existing))) {
                    names.add(existing);
                }
            }
            List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
            for (byte[] name : names) {
                descriptors.add(new ColumnFamilyDescriptor(name, cfOptions));
            }
            List<ColumnFamilyHandle> opened = new ArrayList<>();
            RocksDB db = push(owned, RocksDB.open(dbOptions, dir.toString(), descriptors, opened));
            opened.forEach(handle -> owned.push(handle));
            Map<Space, ColumnFamilyHandle> handles = new EnumMap<>(Space.class);
            for (Space space : Space.values()) {
                handles.put(space, opened.get(1 + space.ordinal()));
            }
            WriteOptions writeOptions = push(owned, new WriteOptions()
                    .setSync(durability == Durability.POWER_LOSS)
                    .setDisableWAL(false));
            return new RocksDbTileStore(dir, db, handles, writeOptions, owned);
        } catch (RocksDBException e) {
            closeAll(owned);
            throw RocksDbErrors.translate(dir, "open", e);
        } catch (RuntimeException | Error e) {
            closeAll(owned);
            throw e;
        }
    }

    /** The absolute directory holding the store. */
    public Path directory() {
        return directory;
    }

    @Override
    public void write(WriteSet writes) {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            if (writes.isEmpty()) {
                return;
            }
            try (WriteBatch batch = new WriteBatch()) {
                for (WriteSet.Op op : writes.ops()) {
                    if (op.isDelete()) {
                        batch.delete(handles.get(op.space()), op.key());
                    } else {
                        batch.put(handles.get(op.space()), op.key(), op.value());
                    }
                }
                db.write(writeOptions, batch);
            } catch (RocksDBException e) {
                throw RocksDbErrors.translate(directory, "write to", e);
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    @Override
    public byte[] get(Space space, byte[] key) {
        Objects.requireNonNull(key, "key");
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            return db.get(handles.get(space), key);
        } catch (RocksDBException e) {
            throw RocksDbErrors.translate(directory, "read", e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * Seeks to the prefix and iterates while keys start with it. The iterator reads one implicit
     * snapshot, so a scan sees each WriteSet entirely or not at all; the upper bound lets RocksDB stop
     * at the end of the prefix instead of stepping over the next prefix's deleted keys.
     */
    @Override
    public void scan(Space space, byte[] prefix, BiConsumer<byte[], byte[]> visitor) {
        PrefixRange range = PrefixRange.of(Objects.requireNonNull(prefix, "prefix"));
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            try (Slice upperBound = range.hasUpperBound() ? new Slice(range.upperBound()) : null;
                    ReadOptions readOptions = new ReadOptions();
                    RocksIterator iterator = db.newIterator(handles.get(space),
                            upperBound == null ? readOptions : readOptions.setIterateUpperBound(upperBound))) {
                for (iterator.seek(prefix); iterator.isValid(); iterator.next()) {
                    byte[] key = iterator.key();
                    if (!range.contains(key)) {
                        break;
                    }
                    visitor.accept(key, iterator.value());
                }
                iterator.status();
            }
        } catch (RocksDBException e) {
            throw RocksDbErrors.translate(directory, "scan", e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Live SST files plus memtables, over all column families (the WAL is not counted). */
    @Override
    public long approximateSizeBytes() {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            return db.getAggregatedLongProperty("rocksdb.live-sst-files-size")
                    + db.getAggregatedLongProperty("rocksdb.cur-size-all-mem-tables");
        } catch (RocksDBException e) {
            throw RocksDbErrors.translate(directory, "measure", e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * Syncs the WAL (so a clean shutdown survives a later power loss in either durability mode) and
     * releases every native object. Idempotent; waits for running reads and writes to finish.
     */
    @Override
    public void close() {
        if (lifecycle.getReadHoldCount() > 0) {
            throw new IllegalStateException("close called from inside a scan visitor of the store at " + directory
                    + "; close it after the scan returns");
        }
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            RocksDBException syncFailure = null;
            try {
                db.syncWal();
            } catch (RocksDBException e) {
                syncFailure = e;
            }
            closeAll(owned);
            if (syncFailure != null) {
                throw RocksDbErrors.translate(directory, "sync the log of", syncFailure);
            }
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "RocksDbTileStore[" + directory + "]";
    }

    /** The column family of a space. Stored on disk: never rename one. */
    static byte[] columnFamilyName(Space space) {
        String name = switch (space) {
            case TILES -> "tiles";
            case ENTITIES -> "entities";
            case PROGRESS -> "progress";
            case DEDUP -> "dedup";
            case META -> "meta";
        };
        return name.getBytes(StandardCharsets.UTF_8);
    }

    private static ColumnFamilyOptions columnFamilyOptions(LRUCache cache, BloomFilter bloom) {
        BlockBasedTableConfig table = new BlockBasedTableConfig()
                .setBlockCache(cache)
                .setFilterPolicy(bloom)
                .setWholeKeyFiltering(true)
                .setCacheIndexAndFilterBlocks(true)
                .setPinL0FilterAndIndexBlocksInCache(true);
        return new ColumnFamilyOptions()
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setBottommostCompressionType(CompressionType.ZSTD_COMPRESSION)
                .setWriteBufferSize(WRITE_BUFFER_BYTES)
                .setMaxWriteBufferNumber(MAX_WRITE_BUFFERS)
                .setLevelCompactionDynamicLevelBytes(true)
                .setTableFormatConfig(table);
    }

    private static DBOptions dbOptions(WriteBufferManager memtables) {
        return new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setWriteBufferManager(memtables)
                .setMaxTotalWalSize(MAX_TOTAL_WAL_BYTES)
                .setBytesPerSync(1L << 20)
                .setKeepLogFileNum(5)
                .setMaxLogFileSize(16L << 20);
    }

    /** Column families already in {@code dir}; none for a new store. */
    private static List<byte[]> existingColumnFamilies(Path dir) throws RocksDBException {
        if (!Files.exists(dir.resolve("CURRENT"))) {
            return List.of();
        }
        try (Options options = new Options()) {
            return RocksDB.listColumnFamilies(options, dir.toString());
        }
    }

    private static synchronized void loadNativeLibrary(Path dir) {
        if (nativeLibraryLoaded) {
            return;
        }
        try {
            RocksDB.loadLibrary();
        } catch (UnsatisfiedLinkError e) {
            throw new StoreException("RocksDB's native library does not load on " + System.getProperty("os.name")
                    + "/" + System.getProperty("os.arch") + " (" + e.getMessage() + "), so the store at " + dir
                    + " cannot open; use the in-memory store on this machine", dir, e);
        }
        nativeLibraryLoaded = true;
    }

    private static <T extends AutoCloseable> T push(Deque<AutoCloseable> owned, T resource) {
        owned.push(resource);
        return resource;
    }

    /** Closes last-created first; RocksJava's {@code close} methods do not throw. */
    private static void closeAll(Deque<AutoCloseable> owned) {
        while (!owned.isEmpty()) {
            try {
                owned.pop().close();
            } catch (Exception e) {
                throw new IllegalStateException("RocksJava close threw, which it does not do", e);
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the store at " + directory + " is closed");
        }
    }
}
