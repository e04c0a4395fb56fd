package dev.tessera.serving;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import dev.tessera.runtime.RuntimeConfig;
import dev.tessera.runtime.StreamRuntime;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.schemas.LocalSchemaRegistry;
import dev.tessera.store.InMemoryTileStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * A node whose sources are Avro, next to a {@link ServingStack} on its broker, so the push API's
 * Avro path ({@link AvroPushEncoder}: pushed JSON made into records of the source's schema file) is
 * fuzzed too: {@code avro_payments} is plain Avro with a schema of every primitive type, an enum,
 * a nullable union and an array; {@code confluent_signups} is {@code avro-confluent}, framed with
 * the id an in-memory registry gives its schema on the first push. The stream runtime consumes
 * both, so pushed records are decoded as any producer's would be. No tokens.
 */
final class AvroPushNode implements AutoCloseable {
    static final String PAYMENT_SCHEMA = """
            {"type": "record", "name": "Payment", "namespace": "dev.tessera.fuzz", "fields": [
              {"name": "payment_id", "type": "string"},
              {"name": "event_time", "type": {"type": "long", "logicalType": "timestamp-millis"}},
              {"name": "account_id", "type": "string"},
              {"name": "amount_cents", "type": "int"},
              {"name": "fee", "type": "float"},
              {"name": "ratio", "type": "double"},
              {"name": "flagged", "type": "boolean"},
              {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["APPROVED", "DECLINED"]}},
              {"name": "country", "type": ["null", "string"], "default": null},
              {"name": "tags", "type": {"type": "array", "items": "string"}, "default": []}
            ]}""";
    static final String SIGNUP_SCHEMA = """
            {"type": "record", "name": "Signup", "namespace": "dev.tessera.fuzz", "fields": [
              {"name": "signup_id", "type": "string"},
              {"name": "event_time", "type": "long"},
              {"name": "account_id", "type": "string"},
              {"name": "country", "type": "string"},
              {"name": "referrer", "type": ["null", "string"], "default": null}
            ]}""";
    static final String DEFINITIONS = """
            kind: Entity
            name: account
            keys: [account_id]
            ---
            kind: Source
            name: avro_payments
            kafka: { topic: fuzz.avro.payments }
            format: avro
            schema: schemas/payment.avsc
            timestamp: event_time
            id: payment_id
            ---
            kind: Source
            name: confluent_signups
            kafka: { topic: fuzz.confluent.signups }
            format: avro-confluent
            schema: schemas/signup.avsc
            timestamp: event_time
            id: signup_id
            ---
            kind: FeatureGroup
            name: account_avro_payments
            source: avro_payments
            entity: account
            features:
              - { name: payments,   agg: count, windows: [1d] }
              - { name: amount_sum, agg: sum, of: amount_cents, windows: [1d] }
              - { name: fee_max,    agg: max, of: fee, windows: [1d] }
              - { name: declined,   agg: count, where: "status == 'DECLINED'", windows: [1d] }
            ---
            kind: FeatureGroup
            name: account_signups
            source: confluent_signups
            entity: account
            features:
              - { name: signups, agg: count, windows: [1d] }
            """;

    final StreamRuntime runtime;
    final ServingServer server;
    private final Deque<AutoCloseable> owned;

    private AvroPushNode(StreamRuntime runtime, ServingServer server, Deque<AutoCloseable> owned) {
        this.runtime = runtime;
        this.server = server;
        this.owned = owned;
    }

    /** The node, its topics created on {@code kafka} (the stack's broker). */
    static AvroPushNode start(Path dir, EmbeddedKafka kafka) {
        String bootstrap = kafka.bootstrapServers();
        Deque<AutoCloseable> owned = new ArrayDeque<>();
        try {
            Files.createDirectories(dir.resolve("schemas"));
            Files.writeString(dir.resolve("schemas/payment.avsc"), PAYMENT_SCHEMA);
            Files.writeString(dir.resolve("schemas/signup.avsc"), SIGNUP_SCHEMA);
            Files.writeString(dir.resolve("definitions.yaml"), DEFINITIONS);
            Definitions defs = DefinitionLoader.load(dir);
            Map<String, Integer> topics = new LinkedHashMap<>();
            for (Source s : defs.sources().values()) {
                topics.put(s.topic(), 2);
                topics.put(s.topic() + ".dlq", 1);
            }
            kafka.createTopics(topics); // returns once every partition's leader serves
            LocalSchemaRegistry registry = LocalSchemaRegistry.inMemory();
            owned.push(registry);
            InMemoryTileStore store = new InMemoryTileStore();
            owned.push(store);
            StreamRuntime runtime = StreamRuntime.start(defs, dir, store, RuntimeConfig.defaults(bootstrap)
                    .withCommitInterval(Duration.ofMillis(50)).withSchemaRegistry(registry));
            owned.push(runtime);
            KafkaProducer<byte[], byte[]> producer = EventPusher.producer(bootstrap);
            owned.push(() -> producer.close(Duration.ofSeconds(5)));
            EventPusher pusher = new EventPusher(defs, dir, producer, System::currentTimeMillis, EventPusher.DEFAULT_MAX_EVENTS,
                    ServingServer.requestMapper(), registry);
            ServingApi api = ServingApi.builder(defs, runtime.reader()).pusher(pusher)
                    .health(() -> ServingApi.Health.of(runtime, System::currentTimeMillis)).build();
            ServingServer server = ServingServer.start("127.0.0.1", 0, ServingServer.DEFAULT_MAX_BODY_BYTES, api);
            owned.push(server);
            return new AvroPushNode(runtime, server, owned);
        } catch (IOException e) {
            close(owned);
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            close(owned);
            throw e;
        }
    }

    @Override
    public void close() {
        close(owned);
    }

    private static void close(Deque<AutoCloseable> owned) {
        while (!owned.isEmpty()) {
            AutoCloseable c = owned.pop();
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("warning: closing " + c + ": " + e);
            }
        }
    }
}
