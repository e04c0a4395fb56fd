package dev.tessera.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.runtime.FeatureValues;
import dev.tessera.runtime.StoreFeatureReader;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.store.RedisServerProcess;
import dev.tessera.store.RedisTileStore;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job jar as a Flink cluster runs it: {@code flink/target/tessera-flink-job.jar} (built by
 * {@code mvn package}) on a class path of Flink's own jars and their libraries only — no Tessera
 * module, no Kafka client, no Redis client besides what the job jar carries — runs the job over
 * 60 payments into a real redis-server, and the values there are a naive count and sum of them.
 */
class JobJarTest {
    private static final Path EXAMPLES = DeployTree.root().resolve("examples/commerce");

    @TempDir
    Path tmp;

    @Test
    void theJobJarRunsBesideFlinksOwnJarsOnly() throws Exception {
        Path jar = DeployTree.root().resolve("flink/target/tessera-flink-job.jar");
        Assumptions.assumeTrue(Files.isRegularFile(jar), "the job jar is built by mvn package (mvn verify runs this test after it)");
        Definitions defs = DefinitionLoader.load(EXAMPLES);
        try (RedisServerProcess redis = RedisServerProcess.start(); EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
            Map<String, Integer> topics = new HashMap<>();
            defs.sources().values().forEach(s -> topics.put(s.topic(), 2));
            defs.sources().values().forEach(s -> topics.put(s.topic() + ".dlq", 1));
            kafka.createTopics(topics);
            long now = System.currentTimeMillis();
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < 60; i++) {
                    String json = "{\"payment_id\":\"p" + i + "\",\"account_id\":\"a" + (i % 3) + "\",\"amount\":" + i
                            + ",\"status\":\"APPROVED\",\"country\":\"US\",\"event_time\":" + (now - 30 * 60_000 + i) + "}";
                    producer.send(new ProducerRecord<>("commerce.payments", json.getBytes(StandardCharsets.UTF_8))).get();
                }
            }
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-Djava.io.tmpdir=" + tmp, "-cp", jar + File.pathSeparator + flinkClassPath(),
                    "dev.tessera.flink.FlinkJob", "--local", "--bounded", "--features", EXAMPLES.toString(),
                    "--bootstrap-servers", kafka.bootstrapServers(), "--redis", redis.uri(), "--redis-namespace", "jar:",
                    "--checkpoint-dir", tmp.resolve("checkpoints").toString()));
            Path log = tmp.resolve("job.log");
            Process job = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean ended = job.waitFor(5, TimeUnit.MINUTES);
            if (!ended) {
                job.destroyForcibly();
            }
            assertThat(ended && job.exitValue() == 0).as("the job ends cleanly; its output:%n%s", Files.readString(log)).isTrue();
            try (RedisTileStore store = RedisTileStore.open(redis.uri(), "jar:")) {
                StoreFeatureReader reader = new StoreFeatureReader(defs, store);
                for (int a = 0; a < 3; a++) {
                    long count = 0;
                    double sum = 0;
                    for (int i = a; i < 60; i += 3) {
                        count++;
                        sum += i;
                    }
                    FeatureValues v = reader.read("account_payments", List.of("a" + a), System.currentTimeMillis());
                    assertThat(v.asMap().get("payment_count_1h")).as("a%d count", a).isEqualTo(count);
                    assertThat(((Number) v.asMap().get("amount_sum_1d")).doubleValue()).as("a%d sum", a).isEqualTo(sum);
                }
            }
        }
    }

    /**
     * What a Flink distribution puts on the class path, from this test's own: Flink's jars (but the
     * Kafka connector, which the job jar carries) and the libraries Flink's runtime itself needs.
     */
    private static String flinkClassPath() throws Exception {
        List<String> entries = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            entries.add(e);
            if (e.endsWith(".jar") && Path.of(e).getFileName().toString().startsWith("surefirebooter")) {
                entries.clear(); // a manifest-only jar: its Class-Path has the real entries
                try (JarFile booter = new JarFile(e)) {
                    for (String url : booter.getManifest().getMainAttributes().getValue("Class-Path").split(" ")) {
                        entries.add(Path.of(new java.net.URI(url)).toString());
                    }
                }
            }
        }
        List<String> flink = new ArrayList<>();
        for (String e : entries) {
            String name = Path.of(e).getFileName().toString();
            boolean flinkJar = e.contains("/org/apache/flink/") && !name.startsWith("flink-connector-kafka")
                    && !name.startsWith("flink-connector-base");
            boolean flinkLibrary = name.startsWith("commons-") || name.startsWith("kryo") || name.startsWith("minlog")
                    || name.startsWith("reflectasm") || name.startsWith("objenesis") || name.startsWith("slf4j-")
                    || name.startsWith("jsr305") || name.startsWith("javassist");
            if (flinkJar || flinkLibrary) {
                flink.add(e);
            }
        }
        assertThat(flink).as("Flink's jars on the test class path").anyMatch(e -> e.contains("flink-runtime"));
        return String.join(File.pathSeparator, flink);
    }
}
