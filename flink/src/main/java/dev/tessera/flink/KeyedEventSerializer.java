package dev.tessera.flink;

import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * How a {@link KeyedEvent} crosses the keyed exchange (every event does, once per group it feeds):
 * its fields in a fixed order behind one byte of presence flags. Flink's POJO serializer, which it
 * replaces, sets each field by reflection and writes a null marker per field: about 5 % of the
 * job's CPU on a hot-key stream, split between the source and the aggregating thread.
 *
 * <pre>
 * event := flags:u8 (1 primary, 2 id, 4 topic, 8 key, 16 value, 32 trace)
 *          group:i32 entity:string eventTime:i64 id:string? fields:bytes partition:i32 offset:i64
 *          topic:string? key:bytes? value:bytes? trace:string?
 * bytes := length:i32 byte{length};  string := Flink's {@link StringValue} encoding
 * </pre>
 *
 * Only records in flight use it (never state), so its format can change between versions; an
 * unaligned checkpoint's in-flight data is read by the same build that wrote it.
 */
final class KeyedEventSerializer extends TypeSerializerSingleton<KeyedEvent> {
    private static final long serialVersionUID = 1L;
    static final KeyedEventSerializer INSTANCE = new KeyedEventSerializer();
    private static final int PRIMARY = 1;
    private static final int ID = 2;
    private static final int TOPIC = 4;
    private static final int KEY = 8;
    private static final int VALUE = 16;
    private static final int TRACE = 32;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public KeyedEvent createInstance() {
        return new KeyedEvent();
    }

    @Override
    public KeyedEvent copy(KeyedEvent from) {
        KeyedEvent c = new KeyedEvent();
        c.group = from.group;
        c.entity = from.entity;
        c.eventTime = from.eventTime;
        c.id = from.id;
        c.fields = copyOf(from.fields);
        c.primary = from.primary;
        c.topic = from.topic;
        c.partition = from.partition;
        c.offset = from.offset;
        c.key = copyOf(from.key);
        c.value = copyOf(from.value);
        c.trace = from.trace;
        return c;
    }

    private static byte[] copyOf(byte[] b) {
        return b == null ? null : Arrays.copyOf(b, b.length);
    }

    @Override
    public KeyedEvent copy(KeyedEvent from, KeyedEvent reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(KeyedEvent k, DataOutputView out) throws IOException {
        int flags = (k.primary ? PRIMARY : 0) | (k.id != null ? ID : 0) | (k.topic != null ? TOPIC : 0) | (k.key != null ? KEY : 0)
                | (k.value != null ? VALUE : 0) | (k.trace != null ? TRACE : 0);
        out.writeByte(flags);
        out.writeInt(k.group);
        StringValue.writeString(k.entity, out);
        out.writeLong(k.eventTime);
        if (k.id != null) {
            StringValue.writeString(k.id, out);
        }
        writeBytes(k.fields, out);
        out.writeInt(k.partition);
        out.writeLong(k.offset);
        if (k.topic != null) {
            StringValue.writeString(k.topic, out);
        }
        if (k.key != null) {
            writeBytes(k.key, out);
        }
        if (k.value != null) {
            writeBytes(k.value, out);
        }
        if (k.trace != null) {
            StringValue.writeString(k.trace, out);
        }
    }

    /** A null {@code fields} (never produced) is written as empty. */
    private static void writeBytes(byte[] b, DataOutputView out) throws IOException {
        if (b == null) {
            out.writeInt(0);
            return;
        }
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] readBytes(DataInputView in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("a keyed event's byte field has length " + n);
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    @Override
    public KeyedEvent deserialize(DataInputView in) throws IOException {
        return deserialize(new KeyedEvent(), in);
    }

    @Override
    public KeyedEvent deserialize(KeyedEvent k, DataInputView in) throws IOException {
        int flags = in.readUnsignedByte();
        k.primary = (flags & PRIMARY) != 0;
        k.group = in.readInt();
        k.entity = StringValue.readString(in);
        k.eventTime = in.readLong();
        k.id = (flags & ID) != 0 ? StringValue.readString(in) : null;
        k.fields = readBytes(in);
        k.partition = in.readInt();
        k.offset = in.readLong();
        k.topic = (flags & TOPIC) != 0 ? StringValue.readString(in) : null;
        k.key = (flags & KEY) != 0 ? readBytes(in) : null;
        k.value = (flags & VALUE) != 0 ? readBytes(in) : null;
        k.trace = (flags & TRACE) != 0 ? StringValue.readString(in) : null;
        return k;
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<KeyedEvent> snapshotConfiguration() {
        return new Snapshot();
    }

    /** No configuration to keep. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<KeyedEvent> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }

    /** {@link KeyedEvent}'s type for Flink ({@code @TypeInfo} on the class): this serializer, not the POJO one. */
    public static final class Factory extends TypeInfoFactory<KeyedEvent> {
        @Override
        public TypeInformation<KeyedEvent> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return new Info();
        }
    }

    /** A non-composite type (not keyable by field: the job keys by a selector). */
    static final class Info extends TypeInformation<KeyedEvent> {
        private static final long serialVersionUID = 1L;

        @Override
        public boolean isBasicType() {
            return false;
        }

        @Override
        public boolean isTupleType() {
            return false;
        }

        @Override
        public int getArity() {
            return 1;
        }

        @Override
        public int getTotalFields() {
            return 1;
        }

        @Override
        public Class<KeyedEvent> getTypeClass() {
            return KeyedEvent.class;
        }

        @Override
        public boolean isKeyType() {
            return false;
        }

        @Override
        public TypeSerializer<KeyedEvent> createSerializer(SerializerConfig config) {
            return INSTANCE;
        }

        @Override
        public String toString() {
            return "KeyedEvent";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Info;
        }

        @Override
        public int hashCode() {
            return Info.class.hashCode();
        }

        @Override
        public boolean canEqual(Object o) {
            return o instanceof Info;
        }
    }
}
