package dev.tessera.flink;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.types.StringValue;

/**
 * Serializes {@link FlinkEntity} for checkpoints and savepoints without any configuration (ADR 019):
 * tiles in the store's own tile encoding, so restoring needs no definitions until the operator
 * decodes them.
 *
 * <pre>
 * entity := version:u8 (=1) | maxEventTime:i64 | dirty:bool | evictionTimer:i64
 *           | ids:i32 (id:string time:i64){ids} | tiles:i32 bytes{tiles}
 * </pre>
 *
 * {@link #copy(FlinkEntity)} (the heap state backend's copy-on-write while an asynchronous snapshot
 * runs) encodes and decodes: tiles are mutable objects shared with nothing else.
 */
final class FlinkEntitySerializer extends TypeSerializerSingleton<FlinkEntity> {
    private static final long serialVersionUID = 1L;
    static final FlinkEntitySerializer INSTANCE = new FlinkEntitySerializer();
    private static final int VERSION = 1;

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
        try {
            DataOutputSerializer out = new DataOutputSerializer(256);
            serialize(from, out);
            return deserialize(new DataInputDeserializer(out.getSharedBuffer(), 0, out.length()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot copy an entity's state", e);
        }
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
        Map<String, Long> ids = e.ids();
        out.writeInt(ids.size());
        for (Map.Entry<String, Long> id : ids.entrySet()) {
            StringValue.writeString(id.getKey(), out);
            out.writeLong(id.getValue());
        }
        byte[] tiles = e.encodedTiles();
        out.writeInt(tiles.length);
        out.write(tiles);
    }

    @Override
    public FlinkEntity deserialize(DataInputView in) throws IOException {
        int version = in.readUnsignedByte();
        if (version != VERSION) {
            throw new IOException("unknown Flink entity state version " + version + " (this build reads " + VERSION
                    + "); was the snapshot taken by a newer Tessera?");
        }
        FlinkEntity e = new FlinkEntity();
        e.maxEventTime = in.readLong();
        e.dirty = in.readBoolean();
        e.evictionTimer = in.readLong();
        int n = in.readInt();
        Map<String, Long> ids = new HashMap<>(Math.max(4, n * 2));
        for (int i = 0; i < n; i++) {
            ids.put(StringValue.readString(in), in.readLong());
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
