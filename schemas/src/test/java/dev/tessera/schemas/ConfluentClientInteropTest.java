package dev.tessera.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Confluent's own client against the embedded registry: its JavaScript Schema Registry client and
 * Avro serializer ({@code @confluentinc/schemaregistry}, installed from npm into
 * {@code target/node} on first run; Confluent's Java artifacts are not on Maven Central) register
 * two versions, serialize a record with each, are refused an incompatible version, and deserialize
 * a record Tessera framed. The records they wrote are decoded here with the registry's writer
 * schemas, as the runtime does. Needs {@code node} and {@code npm} (.ci/run installs them).
 */
class ConfluentClientInteropTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private LocalSchemaRegistry registry;
    private SchemaRegistryServer server;

    @BeforeEach
    void start() {
        registry = LocalSchemaRegistry.inMemory();
        server = SchemaRegistryServer.start(registry, new InetSocketAddress("127.0.0.1", 0),
                SchemaRegistryServer.Authorizer.ALLOW_ALL);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void confluentsSerializersWorkAgainstTheEmbeddedRegistry() throws Exception {
        Path dir = installClient();
        int javaId = registry.register("java.payments-value", Schemas.V1).id();
        GenericRecord mine = new GenericData.Record(Schemas.V1);
        mine.put("payment_id", "j-1");
        mine.put("amount", 99.5);
        mine.put("country", "NL");
        byte[] framed = ConfluentWireFormat.frame(javaId, encode(mine));

        List<JsonNode> steps = run(dir, "commerce.payments", Schemas.V1.toString(),
                Schemas.V2_ADDED_WITH_DEFAULT.toString(), Schemas.AMOUNT_AS_STRING.toString(),
                Base64.getEncoder().encodeToString(framed));

        assertThat(steps).extracting(s -> s.get("step").asText())
                .containsExactly("register", "serialize", "register", "serialize", "incompatible", "deserialize");
        assertThat(steps.get(0).get("id").asInt()).isEqualTo(javaId); // the same schema, so the same global id
        assertThat(registry.versions("commerce.payments-value")).containsExactly(1, 2);
        assertThat(steps.get(2).get("id").asInt()).isEqualTo(registry.version("commerce.payments-value", 2).id());

        GenericRecord first = decode(steps.get(1));
        assertThat(first.getSchema()).isEqualTo(Schemas.V1);
        assertThat(first.get("payment_id").toString()).isEqualTo("p-1");
        assertThat(first.get("amount")).isEqualTo(12.5);
        GenericRecord second = decode(steps.get(3));
        assertThat(second.getSchema()).isEqualTo(Schemas.V2_ADDED_WITH_DEFAULT);
        assertThat(second.get("channel").toString()).isEqualTo("app");

        JsonNode refused = steps.get(4);
        assertThat(refused.get("refused").asBoolean()).isTrue();
        assertThat(refused.get("status").asInt()).isEqualTo(409);
        assertThat(refused.get("message").asText()).contains("field 'amount'");

        JsonNode back = steps.get(5).get("record");
        assertThat(back.get("payment_id").asText()).isEqualTo("j-1");
        assertThat(back.get("amount").asDouble()).isEqualTo(99.5);
        assertThat(back.get("country").asText()).isEqualTo("NL");
    }

    private GenericRecord decode(JsonNode step) throws IOException {
        byte[] bytes = Base64.getDecoder().decode(step.get("bytes").asText());
        assertThat(ConfluentWireFormat.hasHeader(bytes)).isTrue();
        Schema writer = new HttpSchemaRegistry(server.url()).byId(ConfluentWireFormat.schemaId(bytes)).schema();
        return new GenericDatumReader<GenericRecord>(writer).read(null, DecoderFactory.get().binaryDecoder(bytes,
                ConfluentWireFormat.HEADER_BYTES, bytes.length - ConfluentWireFormat.HEADER_BYTES, null));
    }

    private static byte[] encode(GenericRecord r) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(r.getSchema()).write(r, enc);
        enc.flush();
        return out.toByteArray();
    }

    private List<JsonNode> run(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("node", "interop.js", server.url()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(false).start();
        byte[] stdout = p.getInputStream().readAllBytes();
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("node interop.js failed: %s", stderr).isZero();
        List<JsonNode> steps = new ArrayList<>();
        for (String line : new String(stdout, StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                steps.add(JSON.readTree(line));
            }
        }
        return steps;
    }

    /** Copies the script and its package.json to target/node and installs the pinned client once. */
    private static Path installClient() throws Exception {
        Path src = Path.of("src/test/node");
        Path dir = Path.of("target/node");
        Files.createDirectories(dir);
        for (String f : List.of("package.json", "interop.js")) {
            Files.copy(src.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.isDirectory(dir.resolve("node_modules/@confluentinc/schemaregistry"))) {
            Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
                    .directory(dir.toFile()).redirectErrorStream(true).start();
            String log = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(npm.waitFor(300, TimeUnit.SECONDS)).isTrue();
            assertThat(npm.exitValue()).as("npm install of Confluent's client failed:%n%s", log).isZero();
        }
        return dir;
    }
}
