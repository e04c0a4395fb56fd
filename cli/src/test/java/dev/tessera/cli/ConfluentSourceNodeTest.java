package dev.tessera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.offline.archive.ArchiveReader;
import dev.tessera.schemas.ConfluentWireFormat;
import dev.tessera.schemas.HttpSchemaRegistry;
import dev.tessera.schemas.RegisteredSchema;
import dev.tessera.schemas.SchemaRegistry;
import dev.tessera.serving.Tokens;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node with an avro-confluent source and no external registry: it serves the embedded registry
 * (seeded with the source's schema file under {@code <topic>-value}, guarded by the API's tokens),
 * a producer registers a later version through the REST API and writes both, and the served values
 * and the archive count every record.
 */
class ConfluentSourceNodeTest {
    static final String SCHEMA = """
            {"type": "record", "name": "Signup", "namespace": "com.acme", "fields": [
              {"name": "signup_id", "type": "string"},
              {"name": "event_time", "type": "long"},
              {"name": "account_id", "type": "string"},
              {"name": "country", "type": "string"}
            ]}""";
    static final String DEFINITIONS = """
            kind: Entity
            name: account
            keys: [account_id]
            ---
            kind: Source
            name: signups
            kafka: { topic: commerce.signups }
            format: avro-confluent
            schema: schemas/signup.avsc
            timestamp: event_time
            id: signup_id
            ---
            kind: FeatureGroup
            name: account_signups
            source: signups
            entity: account
            features:
              - { name: signups,   agg: count, windows: [1d] }
              - { name: referred,  agg: count, of: referrer, windows: [1d] }
            ---
            kind: FeatureService
            name: signup_risk
            features: [account_signups.*]
            """;
    static final String READ = "rrrrrrrrrrrrrrrrrrrr";
    static final String WRITE = "wwwwwwwwwwwwwwwwwwww";

    @TempDir
    Path tmp;

    @Test
    void producersUseTheEmbeddedRegistryAndEveryRecordCounts() throws Exception {
        Path features = tmp.resolve("features");
        Files.createDirectories(features.resolve("schemas"));
        // the definitions read v2, which adds referrer with a default
        Schema v2 = new Schema.Parser().parse(SCHEMA.replace("\"type\": \"string\"}\n]}",
                "\"type\": \"string\"},\n  {\"name\": \"referrer\", \"type\": [\"null\", \"string\"], \"default\": null}\n]}"));
        Files.writeString(features.resolve("schemas/signup.avsc"), v2.toString(true));
        Files.writeString(features.resolve("signups.yaml"), DEFINITIONS);
        Definitions defs = DefinitionLoader.load(features);
        Tokens tokens = Tokens.parse("read:" + READ + "\nread,write:" + WRITE, "test");
        HttpClient http = HttpClient.newHttpClient();
        long now = System.currentTimeMillis();
        try (Node node = Node.start(defs, features, tmp.resolve("data"), null, 2, "127.0.0.1", 0, tokens,
                Duration.ofSeconds(1), 0, RegistrySettings.EMBEDDED_ANY_PORT)) {
            assertThat(node.registryUrl).isNotNull();
            assertThat(http.send(HttpRequest.newBuilder(URI.create(node.registryUrl + "/subjects")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).as("tokens guard the registry too").isEqualTo(401);
            SchemaRegistry reader = new HttpSchemaRegistry(node.registryUrl, "Bearer " + READ, Duration.ofSeconds(5));
            RegisteredSchema seeded = reader.version("commerce.signups-value", SchemaRegistry.LATEST);
            assertThat(seeded.schema()).isEqualTo(v2);
            // the same registry under /registry on the API's port (SPEC §4: schema.registry.url=http://host:port/registry)
            assertThat(http.send(HttpRequest.newBuilder(URI.create(node.url() + "/registry/subjects")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
            SchemaRegistry viaApi = new HttpSchemaRegistry(node.url() + "/registry", "Bearer " + READ, Duration.ofSeconds(5));
            RegisteredSchema sameSeeded = viaApi.version("commerce.signups-value", SchemaRegistry.LATEST);
            assertThat(sameSeeded.id()).isEqualTo(seeded.id());
            assertThat(sameSeeded.schema()).isEqualTo(v2);
            assertThat(viaApi.subjects()).contains("commerce.signups-value");

            // an older producer still writes v1 and registers it: BACKWARD lets it follow v2, since a v1 reader
            // reads v2's records (it skips referrer)
            SchemaRegistry producerRegistry = new HttpSchemaRegistry(node.registryUrl, "Bearer " + WRITE, Duration.ofSeconds(5));
            Schema v1 = new Schema.Parser().parse(SCHEMA);
            int v1id = producerRegistry.register("commerce.signups-value", v1).id();
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrap);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < 40; i++) {
                    boolean newer = i % 2 == 0;
                    GenericRecord r = new GenericData.Record(newer ? v2 : v1);
                    r.put("signup_id", "s" + i);
                    r.put("event_time", now - 60_000 + i);
                    r.put("account_id", "a" + (i % 4));
                    r.put("country", "FR");
                    if (newer) {
                        r.put("referrer", i % 4 == 0 ? "friend" : null);
                    }
                    producer.send(new ProducerRecord<>("commerce.signups", ("a" + (i % 4)).getBytes(StandardCharsets.UTF_8),
                            ConfluentWireFormat.frame(newer ? seeded.id() : v1id, avro(r)))).get();
                }
            }
            // the push API writes JSON events to the source as Confluent-framed records of its schema file
            StringBuilder pushed = new StringBuilder("[");
            for (int i = 0; i < 4; i++) {
                pushed.append("{\"signup_id\": \"h").append(i).append("\", \"event_time\": ").append(now - 30_000 + i)
                        .append(", \"account_id\": \"a3\", \"country\": \"DE\", \"referrer\": \"ad\"},");
            }
            pushed.append("{\"signup_id\": \"bad\", \"event_time\": ").append(now).append(", \"country\": \"DE\"}]");
            HttpResponse<String> push = http.send(HttpRequest.newBuilder(URI.create(node.url() + "/v1/events/signups"))
                    .header("Authorization", "Bearer " + WRITE).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(pushed.toString())).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode answer = new ObjectMapper().readTree(push.body());
            assertThat(answer.get("accepted").asInt()).as(push.body()).isEqualTo(4);
            assertThat(answer.get("rejected").get(0).get("reason").asText()).isEqualTo("schema_mismatch");
            assertThat(answer.get("rejected").get(0).get("message").asText()).contains("field 'account_id' is missing");
            node.runtime.awaitCaughtUp(Duration.ofSeconds(60));
            node.archivers.awaitCaughtUp(Duration.ofSeconds(60));
            for (int a = 0; a < 4; a++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(node.url()
                        + "/v1/features/account_signups/a" + a)).header("Authorization", "Bearer " + READ).build(),
                        HttpResponse.BodyHandlers.ofString());
                JsonNode f = new ObjectMapper().readTree(r.body()).get("features");
                assertThat(f.get("signups_1d").asLong()).as("account a%d", a).isEqualTo(a == 3 ? 14 : 10);
                // referrer is set on even i with i % 4 == 0 (all of account a0's records), and on the pushed ones
                assertThat(f.get("referred_1d").asLong()).as("account a%d", a).isEqualTo(a == 0 ? 10 : a == 3 ? 4 : 0);
            }
            assertThat(node.runtime.counters("signups").get("accepted")).isEqualTo(44);
        }
        assertThat(ArchiveReader.open(tmp.resolve("data/archive"), "signups").count()).isEqualTo(44);

        // offline, the archived records are read with the registry the node kept in <data>/schema-registry
        Path spine = tmp.resolve("spine.csv");
        Files.writeString(spine, "account_id,ts\na0," + (now + 1000) + "\na1," + (now + 1000) + "\n");
        Path out = tmp.resolve("train.csv");
        CommandLineTest.Run run = CommandLineTest.tessera("training-set", "--features", features.toString(), "--data",
                tmp.resolve("data").toString(), "--spine", spine.toString(), "--service", "signup_risk", "--out",
                out.toString(), "--format", "csv", "--no-progress");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(Files.readAllLines(out)).containsExactly("account_id,ts,account_signups__signups_1d,"
                + "account_signups__referred_1d", "a0," + (now + 1000) + ",10,10", "a1," + (now + 1000) + ",10,0");
        Files.writeString(spine, "account_id,ts\na3," + (now + 1000) + "\n");
        assertThat(CommandLineTest.tessera("training-set", "--features", features.toString(), "--data",
                tmp.resolve("data").toString(), "--spine", spine.toString(), "--service", "signup_risk", "--out",
                out.toString(), "--format", "csv", "--no-progress").exit()).isZero();
        assertThat(Files.readAllLines(out).get(1)).isEqualTo("a3," + (now + 1000) + ",14,4");
        // and a definition that does not fit the schema stops every command, naming the field and its type
        Files.writeString(features.resolve("signups.yaml"), DEFINITIONS.replace("agg: count, of: referrer",
                "agg: sum, of: referrer"));
        CommandLineTest.Run refused = CommandLineTest.tessera("run", "--features", features.toString(), "--data",
                tmp.resolve("data2").toString(), "--embedded-kafka");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("field 'referrer' (sum input of feature referred of group account_signups)"
                + " is a union of null and string in schema file schemas/signup.avsc");
    }

    private static byte[] avro(GenericRecord r) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(r.getSchema()).write(r, enc);
        enc.flush();
        return out.toByteArray();
    }
}
