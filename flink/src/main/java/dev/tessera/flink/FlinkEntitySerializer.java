package dev.tessera.flink;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * Serializes {@link FlinkEntity} for checkpoints and savepoints without any configuration (ADR 019):
 * tiles in the store's own tile encoding, so restoring needs no definitions until the operator
 * decodes them.
 *
 * <pre>
 * entity := version:u8 (=2) | maxEventTime:i64 | dirty:bool | evictionTimer:i64
 *           | ids:i32 (hashHigh:i64 hashLow:i64 time:i64){ids} | tiles:i32 bytes{tiles}
 * </pre>
 *
 * Version 1 (before {@link EventIds}) held {@code (id:string time:i64)} per id: it is still read,
 * its ids hashed on the way in.
 *
 * {@link #copy(FlinkEntity)} (the heap state backend's copy-on-write while an asynchronous snapshot
 * runs) is {@link FlinkEntity#copy()}, a deep copy that keeps the change flags. It used to encode
 * and decode: the dedup table was rebuilt id by id and every tile came back flagged changed, so
 * each hot entity touched during a snapshot rewrote all its tiles at its next flush.
 */
final class FlinkEntitySerializer extends TypeSerializerSingleton<FlinkEntity> {
    private static final long serialVersionUID = 1L;
    static final FlinkEntitySerializer INSTANCE = new FlinkEntitySerializer();
    private static final int VERSION = 2;
    private static final int VERSION_STRING_IDS = 1;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public FlinkEntity createInstance() {
        return new FlinkEntity();
    }

    @Override
    public FlinkEntity copy(FlinkEntity from) {
        return from.copy();
    }

    @Override
    public FlinkEntity copy(FlinkEntity from, FlinkEntity reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(FlinkEntity e, DataOutputView out) throws IOException {
        out.writeByte(VERSION);
        out.writeLong(e.maxEventTime);
        out.writeBoolean(e.dirty);
        out.writeLong(e.evictionTimer);
        EventIds ids = e.ids();
        out.writeInt(ids == null ? 0 : ids.size());
        if (ids != null) {
            IOException[] failed = {null};
            ids.forEach((hi, lo, time) -> {
                try {
                    out.writeLong(hi);
                    out.writeLong(lo);
                    out.writeLong(time);
                } catch (IOException x) {
                    failed[0] = x;
                }
            });
            if (failed[0] != null) {
                throw failed[0];
            }
        }
        byte[] tiles = e.encodedTiles();
        out.writeInt(tiles.length);
        out.write(tiles);
    }

    @Override
    public FlinkEntity deserialize(DataInputView in) throws IOException {
        int version = in.readUnsignedByte();
        if (version != VERSION && version != VERSION_STRING_IDS) {
            throw new IOException("unknown Flink entity state version " + version + " (this build reads " + VERSION
                    + "); was the snapshot taken by a newer Tessera?");
        }
        FlinkEntity e = new FlinkEntity();
        e.maxEventTime = in.readLong();
        e.dirty = in.readBoolean();
        e.evictionTimer = in.readLong();
        int n = in.readInt();
        EventIds ids = n == 0 ? null : new EventIds();
        for (int i = 0; i < n; i++) {
            if (version == VERSION_STRING_IDS) {
                ids.add(StringValue.readString(in), in.readLong());
            } else {
                ids.add(in.readLong(), in.readLong(), in.readLong());
            }
        }
        e.restoreIds(ids);
        byte[] tiles = new byte[in.readInt()];
        in.readFully(tiles);
        e.restoreEncodedTiles(tiles);
        return e;
    }

    @Override
    public FlinkEntity deserialize(FlinkEntity reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<FlinkEntity> snapshotConfiguration() {
        return new Snapshot();
    }

    /** No configuration to keep: restores to the same serializer. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<FlinkEntity> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
