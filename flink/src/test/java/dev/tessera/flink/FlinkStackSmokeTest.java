package dev.tessera.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.event.SourceFields;
import dev.tessera.runtime.EventRules;
import dev.tessera.runtime.decode.Decoded;
import dev.tessera.runtime.decode.EventDecoder;
import dev.tessera.runtime.decode.EventDecoders;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Flink stack the runner is built on, end to end on this machine: the in-process broker, a
 * bounded {@link KafkaSource} on a MiniCluster (parallelism 2), and the runtime's own decoder and
 * event rules inside a Flink function (so the runner reuses them instead of re-implementing them).
 * Payments per account, counted by Flink, equal a plain count of the valid events produced.
 */
class FlinkStackSmokeTest {
    @TempDir
    static Path dir;
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        kafka.createTopics(Map.of("commerce.payments", 4));
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    @Test
    void aBoundedKafkaSourceThroughTheRuntimesDecoderCountsLikeTheOracle() throws Exception {
        Random random = new Random(5);
        Map<String, Long> oracle = new TreeMap<>();
        long now = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(FlinkTests.producerProps(kafka))) {
            for (int i = 0; i < 3_000; i++) {
                String account = "a-" + random.nextInt(40);
                String json;
                if (i % 97 == 13) {
                    json = "{\"payment_id\": \"p" + i + "\", \"account_id\": "; // malformed: never counted
                } else {
                    json = String.format("{\"payment_id\":\"p%d\",\"account_id\":\"%s\",\"amount\":%d.5,\"status\":\"APPROVED\","
                            + "\"event_time\":%d}", i, account, random.nextInt(500), now - random.nextInt(3_600_000));
                    oracle.merge(account, 1L, Long::sum);
                }
                producer.send(new ProducerRecord<>("commerce.payments", account.getBytes(StandardCharsets.UTF_8),
                        json.getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }

        StreamExecutionEnvironment env = FlinkTests.miniCluster(dir, 2);
        KafkaSource<byte[]> source = KafkaSource.<byte[]>builder()
                .setBootstrapServers(kafka.bootstrapServers())
                .setTopics("commerce.payments")
                .setGroupId("tessera-flink-smoke")
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setBounded(OffsetsInitializer.latest())
                .setValueOnlyDeserializer(new RawBytes())
                .build();
        DataStream<Tuple2<String, Long>> counts = env.fromSource(source, WatermarkStrategy.noWatermarks(), "payments")
                .flatMap(new DecodeAndKey(FlinkTests.EXAMPLES.toString()))
                .keyBy(t -> t.f0)
                .sum(1);
        Map<String, Long> flink = new HashMap<>();
        try (CloseableIterator<Tuple2<String, Long>> it = counts.executeAndCollect("tessera-flink-smoke")) {
            it.forEachRemaining(t -> flink.merge(t.f0, t.f1, Math::max));
        }
        assertThat(new TreeMap<>(flink)).isEqualTo(oracle);
    }

    /** Record values as they are. */
    static final class RawBytes implements org.apache.flink.api.common.serialization.DeserializationSchema<byte[]> {
        @Override
        public byte[] deserialize(byte[] message) {
            return message;
        }

        @Override
        public boolean isEndOfStream(byte[] nextElement) {
            return false;
        }

        @Override
        public org.apache.flink.api.common.typeinfo.TypeInformation<byte[]> getProducedType() {
            return org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO;
        }
    }

    /** Decodes with the runtime's decoder for the payments source and keeps events its rules accept, keyed by account. */
    static final class DecodeAndKey implements FlatMapFunction<byte[], Tuple2<String, Long>> {
        private final String definitions;
        private transient EventDecoder decoder;
        private transient EventRules rules;
        private transient int accountGroup;

        DecodeAndKey(String definitions) {
            this.definitions = definitions;
        }

        @Override
        public void flatMap(byte[] value, Collector<Tuple2<String, Long>> out) {
            if (decoder == null) {
                Definitions defs = DefinitionLoader.load(Path.of(definitions));
                Source payments = defs.source("payments").orElseThrow();
                FieldLayout layout = SourceFields.layout(defs, payments);
                decoder = EventDecoders.forSource(payments, Path.of(definitions), layout);
                rules = new EventRules(defs, payments, layout);
                List<String> keyed = new ArrayList<>();
                defs.groupsOf(payments).forEach(g -> keyed.add(defs.entityOf(g).keys().get(0)));
                accountGroup = keyed.indexOf("account_id");
            }
            Decoded d = EventRules.decode(decoder, value, -1);
            if (d.isAccepted() && rules.hasAnyKey(d.event())) {
                out.collect(Tuple2.of(rules.keyOf(d.event(), accountGroup), 1L));
            }
        }
    }
}
