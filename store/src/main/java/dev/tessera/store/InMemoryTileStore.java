package dev.tessera.store;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiConsumer;

/**
 * A {@link TileStore} held in the heap: for tests, the demo and runs that need no durability. Its
 * contents are lost when the process ends.
 *
 * <h2>Design</h2>
 * <ul>
 *   <li><b>Order.</b> One {@link TreeMap} per {@link TileStore.Space}, ordered by
 *       {@link Arrays#compareUnsigned(byte[], byte[])}, the order RocksDB's default bytewise comparator
 *       gives; a prefix scan is the sub-map {@code [prefix, successor(prefix))} ({@link PrefixRange}).</li>
 *   <li><b>Atomicity.</b> A {@link ReentrantReadWriteLock} (non-fair): {@code write} applies the whole
 *       {@link WriteSet} under the write lock; {@code get} and {@code scan} hold the read lock, so a
 *       reader sees every operation of a WriteSet or none, across all spaces. Readers run in
 *       parallel with each other and wait for at most one commit; a waiting writer stops new readers
 *       from barging in, so a stream of reads cannot starve the committer.</li>
 *   <li><b>Ownership.</b> Keys and values are copied on the way in (before taking the lock) and on the
 *       way out, so neither a caller reusing its buffers nor a visitor scribbling on what it was given
 *       can change the store or break the map's order.</li>
 *   <li><b>Visitors.</b> A scan's visitor runs under the read lock. A write (or close) from inside a
 *       visitor would need the write lock this thread can never get while it holds the read lock, so
 *       it throws instead of deadlocking.</li>
 * </ul>
 *
 * <p>Alternatives rejected: copy-on-write snapshots (an O(n) copy per commit, and a WriteSet spans
 * spaces); per-key multi-versioning (lock-free readers, but version garbage needs reader tracking —
 * not worth it for a store whose commits take microseconds).
 */
public final class InMemoryTileStore implements TileStore {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<Space, NavigableMap<byte[], byte[]>> spaces = new EnumMap<>(Space.class);
    /** Sum of key and value lengths held; guarded by {@link #lock}. */
    private long bytes;
    /** Guarded by {@link #lock}. */
    private boolean closed;

    public InMemoryTileStore() {
        for (Space space : Space.values()) {
            spaces.put(space, new TreeMap<>(Arrays::compareUnsigned));
        }
    }

    @Override
    public void write(WriteSet writes) {
        refuseFromInsideARead("write");
        List<WriteSet.Op> ops = writes.ops().stream()
                .map(op -> new WriteSet.Op(op.space(), op.key().clone(), op.isDelete() ? null : op.value().clone()))
                .toList();
        lock.writeLock().lock();
        try {
            ensureOpen();
            for (WriteSet.Op op : ops) {
                NavigableMap<byte[], byte[]> map = spaces.get(op.space());
                byte[] previous = op.isDelete() ? map.remove(op.key()) : map.put(op.key(), op.value());
                if (previous != null) {
                    bytes -= op.key().length + previous.length;
                }
                if (!op.isDelete()) {
                    bytes += op.key().length + op.value().length;
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public byte[] get(Space space, byte[] key) {
        Objects.requireNonNull(key, "key");
        lock.readLock().lock();
        try {
            ensureOpen();
            byte[] value = spaces.get(space).get(key);
            return value == null ? null : value.clone();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void scan(Space space, byte[] prefix, BiConsumer<byte[], byte[]> visitor) {
        PrefixRange range = PrefixRange.of(Objects.requireNonNull(prefix, "prefix"));
        lock.readLock().lock();
        try {
            ensureOpen();
            NavigableMap<byte[], byte[]> map = spaces.get(space);
            NavigableMap<byte[], byte[]> matching = range.hasUpperBound()
                    ? map.subMap(range.prefix(), true, range.upperBound(), false)
                    : map.tailMap(range.prefix(), true);
            for (Map.Entry<byte[], byte[]> entry : matching.entrySet()) {
                visitor.accept(entry.getKey().clone(), entry.getValue().clone());
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Exactly the sum of key and value lengths held (no per-entry overhead counted). */
    @Override
    public long approximateSizeBytes() {
        lock.readLock().lock();
        try {
            ensureOpen();
            return bytes;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void close() {
        refuseFromInsideARead("close");
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                spaces.values().forEach(Map::clear);
                bytes = 0;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void refuseFromInsideARead(String operation) {
        if (lock.getReadHoldCount() > 0) {
            throw new IllegalStateException(operation + " called from inside a scan visitor of the same store; "
                    + "collect what to change during the scan and " + operation + " after it returns");
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this InMemoryTileStore is closed");
        }
    }
}
