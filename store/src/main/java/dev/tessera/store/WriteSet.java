package dev.tessera.store;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Puts and deletes to apply atomically, in order (a later operation on the same key wins). Not
 * thread-safe; build it on one thread, then hand it to {@link TileStore#write}.
 */
public final class WriteSet {
    /** One operation; {@code value == null} means delete. */
    public record Op(TileStore.Space space, byte[] key, byte[] value) {
        public boolean isDelete() {
            return value == null;
        }
    }

    private final List<Op> ops = new ArrayList<>();
    private long bytes;

    public WriteSet put(TileStore.Space space, byte[] key, byte[] value) {
        if (value == null) {
            throw new IllegalArgumentException("put of a null value; use delete");
        }
        ops.add(new Op(space, key, value));
        bytes += key.length + value.length;
        return this;
    }

    public WriteSet delete(TileStore.Space space, byte[] key) {
        ops.add(new Op(space, key, null));
        bytes += key.length;
        return this;
    }

    /** Appends every operation of {@code other}, in its order. */
    public WriteSet addAll(WriteSet other) {
        ops.addAll(other.ops);
        bytes += other.bytes;
        return this;
    }

    public List<Op> ops() {
        return Collections.unmodifiableList(ops);
    }

    public int size() {
        return ops.size();
    }

    /** Sum of key and value sizes. */
    public long bytes() {
        return bytes;
    }

    public boolean isEmpty() {
        return ops.isEmpty();
    }
}
