package dev.tessera.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The keyed exchange's serializer: Flink picks it for {@link KeyedEvent}, and every field, set or
 * null, comes back as it was written, one event after another in one buffer (as records share a
 * network buffer), into a reused instance too.
 */
class KeyedEventSerializerTest {
    @Test
    void flinkUsesItForKeyedEvents() {
        assertThat(TypeInformation.of(KeyedEvent.class).createSerializer(new org.apache.flink.api.common.serialization.SerializerConfigImpl()))
                .isSameAs(KeyedEventSerializer.INSTANCE);
    }

    @Test
    void everyFieldSetOrNullRoundTrips() throws Exception {
        KeyedEvent full = event(true);
        KeyedEvent sparse = event(false);
        DataOutputSerializer out = new DataOutputSerializer(64);
        KeyedEventSerializer.INSTANCE.serialize(full, out);
        KeyedEventSerializer.INSTANCE.serialize(sparse, out);
        KeyedEventSerializer.INSTANCE.serialize(full, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        assertThat(KeyedEventSerializer.INSTANCE.deserialize(in)).usingRecursiveComparison().isEqualTo(full);
        KeyedEvent reused = KeyedEventSerializer.INSTANCE.deserialize(in);
        assertThat(reused).usingRecursiveComparison().isEqualTo(sparse);
        assertThat(KeyedEventSerializer.INSTANCE.deserialize(reused, in)).as("into a reused instance")
                .usingRecursiveComparison().isEqualTo(full);
        assertThat(in.available()).isZero();

        KeyedEvent copy = KeyedEventSerializer.INSTANCE.copy(full);
        assertThat(copy).usingRecursiveComparison().isEqualTo(full);
        assertThat(copy.value).isNotSameAs(full.value);
    }

    private static KeyedEvent event(boolean everything) {
        KeyedEvent k = new KeyedEvent();
        k.group = everything ? 3 : 0;
        k.entity = everything ? "a-17\u0000c-\u00e9\ud83d\ude00" : "";
        k.eventTime = everything ? 1_790_000_000_123L : Long.MIN_VALUE + 1;
        k.fields = everything ? new byte[] {1, 2, 3, -1} : new byte[0];
        k.partition = everything ? 7 : 0;
        k.offset = everything ? 123_456_789_012L : 0;
        if (everything) {
            k.primary = true;
            k.id = "p-1";
            k.topic = "commerce.payments";
            k.key = "a-17".getBytes(StandardCharsets.UTF_8);
            k.value = "{\"amount\":1}".getBytes(StandardCharsets.UTF_8);
            k.trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        }
        return k;
    }
}
