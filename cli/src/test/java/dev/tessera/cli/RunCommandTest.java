package dev.tessera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.offline.archive.ArchiveReader;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tessera run} against a Kafka cluster given by address: consumes, commits, and resumes without double counting. */
class RunCommandTest {
    private static final Path EXAMPLES = Path.of("..", "examples", "commerce");

    @TempDir
    Path tmp;

    @Test
    void runConsumesEverySourceAndResumesFromItsCommittedOffsets() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
            createTopics(kafka, 2);
            produce(kafka, 0, 30, true);
            String data = tmp.resolve("data").toString();
            CommandLineTest.Run first = CommandLineTest.tessera("run", "--features", EXAMPLES.toString(), "--data", data,
                    "--bootstrap-servers", kafka.bootstrapServers(), "--until-caught-up", "--port", "0");
            assertThat(first.exit()).as(first.err()).isZero();
            assertThat(first.out()).contains("payments: 31 in, 30 accepted, 1 malformed");
            assertThat(ArchiveReader.open(Path.of(data, "archive"), "payments").count()).as("archived").isEqualTo(30);

            produce(kafka, 30, 10, false);
            CommandLineTest.Run second = CommandLineTest.tessera("run", "--features", EXAMPLES.toString(), "--data", data,
                    "--bootstrap-servers", kafka.bootstrapServers(), "--until-caught-up", "--port", "0");
            assertThat(second.exit()).as(second.err()).isZero();
            assertThat(second.out()).as("counters are committed with the state: nothing counted twice")
                    .contains("payments: 41 in, 40 accepted, 1 malformed");
            ArchiveReader archive = ArchiveReader.open(Path.of(data, "archive"), "payments");
            assertThat(archive.count()).as("the archive resumes where it committed: nothing twice").isEqualTo(40);
            assertThat(archive.nextOffsets().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(41);
        }
    }

    @Test
    void noArchiveLeavesNoArchive() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
            createTopics(kafka, 1);
            produce(kafka, 0, 5, false);
            String data = tmp.resolve("data").toString();
            CommandLineTest.Run run = CommandLineTest.tessera("run", "--features", EXAMPLES.toString(), "--data", data,
                    "--bootstrap-servers", kafka.bootstrapServers(), "--until-caught-up", "--port", "0", "--no-archive");
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(run.out()).contains("archive off (--no-archive)", "payments: 5 in, 5 accepted");
            assertThat(Path.of(data, "archive")).doesNotExist();
        }
    }

    /** Models the node could not serve stop it before it opens (or, after a definition change, rewrites) the store. */
    @Test
    void aBrokenModelRegistryStopsRunBeforeItTouchesTheStore() throws Exception {
        Path features = CommandLineTest.copyOfExamples(tmp.resolve("features"));
        Path v1 = features.resolve("models/account_risk_v1.yaml");
        java.nio.file.Files.writeString(v1, java.nio.file.Files.readString(v1).replace("service: account_risk_v1", "service: nope"));
        Path data = tmp.resolve("data");
        CommandLineTest.Run run = CommandLineTest.tessera("run", "--features", features.toString(), "--data", data.toString(),
                "--bootstrap-servers", "127.0.0.1:1", "--until-caught-up", "--port", "0");
        assertThat(run.exit()).isNotZero();
        assertThat(run.err()).contains("nope");
        assertThat(data.resolve("store")).doesNotExist();
        assertThat(data.resolve("archive")).doesNotExist();
    }

    @Test
    void runStopsAfterItsDuration() {
        String data = tmp.resolve("data").toString();
        CommandLineTest.Run run = CommandLineTest.tessera("run", "--features", EXAMPLES.toString(), "--data", data,
                "--embedded-kafka", "--duration", "2", "--port", "0", "--archive-commit-interval", "1s");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("committed every 1 s", "payments: no events yet", "archived: 0 ",
                "stopping: committing and closing the store and the archive");
    }

    /** {@code tessera archive}: the archive alone (a Flink deployment's), the same rows and offsets as run's. */
    @Test
    void archiveAloneArchivesEverySourceExactlyOnce() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
            createTopics(kafka, 2);
            produce(kafka, 0, 30, true);
            String data = tmp.resolve("data").toString();
            CommandLineTest.Run first = CommandLineTest.tessera("archive", "--features", EXAMPLES.toString(), "--data", data,
                    "--bootstrap-servers", kafka.bootstrapServers(), "--until-caught-up", "--commit-interval", "1s");
            assertThat(first.exit()).as(first.err()).isZero();
            assertThat(first.out()).contains("committed every 1 s", "archived: 30 payments, 0 logins");
            assertThat(Path.of(data, "store")).as("no online store").doesNotExist();

            produce(kafka, 30, 10, false);
            CommandLineTest.Run second = CommandLineTest.tessera("archive", "--features", EXAMPLES.toString(), "--data", data,
                    "--bootstrap-servers", kafka.bootstrapServers(), "--until-caught-up");
            assertThat(second.exit()).as(second.err()).isZero();
            ArchiveReader archive = ArchiveReader.open(Path.of(data, "archive"), "payments");
            assertThat(archive.count()).as("resumed where it committed: nothing twice, the malformed record not archived").isEqualTo(40);
            assertThat(archive.nextOffsets().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(41);
        }
    }

    /**
     * {@code tessera tail}: the newest records as written, each with the fields the features read as
     * decoded (a record that does not decode says why), and the dead letters with their reasons.
     */
    @Test
    void tailShowsTheNewestRecordsWithWhatTheFeaturesReadAndTheDeadLettersWithTheirReasons() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
            createTopics(kafka, 1);
            produce(kafka, 0, 4, true);
            CommandLineTest.Run tail = CommandLineTest.tessera("tail", "--features", EXAMPLES.toString(), "--source", "payments",
                    "--bootstrap-servers", kafka.bootstrapServers(), "-n", "2");
            assertThat(tail.exit()).as(tail.err()).isZero();
            assertThat(tail.out()).contains("the last 2 records of commerce.payments", "partition 0 offset 3 at ", "\"payment_id\":\"p3\"",
                    "partition 0 offset 4 at ", "  {not json", "  does not decode: ")
                    .containsPattern("read: status='APPROVED' amount=3(\\.0)? card_fingerprint='c3' merchant_id='m1' country='US'")
                    .doesNotContain("\"p2\"");

            CommandLineTest.Run run = CommandLineTest.tessera("run", "--features", EXAMPLES.toString(), "--data",
                    tmp.resolve("data").toString(), "--bootstrap-servers", kafka.bootstrapServers(), "--until-caught-up", "--port", "0",
                    "--no-archive");
            assertThat(run.exit()).as(run.err()).isZero();
            CommandLineTest.Run dead = CommandLineTest.tessera("tail", "--features", EXAMPLES.toString(), "--source", "payments",
                    "--bootstrap-servers", kafka.bootstrapServers(), "--dead-letters");
            assertThat(dead.exit()).as(dead.err()).isZero();
            assertThat(dead.out()).contains("the last 1 record of commerce.payments.dlq", "dead-lettered: malformed: ",
                    "(from commerce.payments partition 0 offset 4)", "  {not json");

            CommandLineTest.Run typo = CommandLineTest.tessera("tail", "--features", EXAMPLES.toString(), "--source", "paymnts",
                    "--bootstrap-servers", kafka.bootstrapServers());
            assertThat(typo.exit()).isEqualTo(1);
            assertThat(typo.err()).contains("unknown source 'paymnts'; did you mean 'payments'?");

            Path noDemo = tmp.resolve("no-demo");
            CommandLineTest.Run nowhere = CommandLineTest.tessera("tail", "--features", EXAMPLES.toString(), "--source", "payments",
                    "--data", noDemo.toString());
            assertThat(nowhere.exit()).isEqualTo(2);
            assertThat(nowhere.err()).contains("no tessera demo is running with --data " + noDemo, "--bootstrap-servers HOST:PORT");
        }
    }

    @Test
    void oneKafkaChoiceIsRequired() {
        CommandLineTest.Run run = CommandLineTest.tessera("run", "--features", EXAMPLES.toString());
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--bootstrap-servers", "--embedded-kafka");
    }

    /** The examples' topics, payments with {@code paymentPartitions}. */
    private static void createTopics(EmbeddedKafka kafka, int paymentPartitions) {
        kafka.createTopics(Map.of("commerce.payments", paymentPartitions, "commerce.payments.dlq", 1, "commerce.logins", 1,
                "commerce.logins.dlq", 1, "commerce.signups", 1, "commerce.signups.dlq", 1, "commerce.chargebacks", 1,
                "commerce.chargebacks.dlq", 1, "tessera.predictions", 1, "tessera.predictions.dlq", 1));
    }

    private static void produce(EmbeddedKafka kafka, int from, int n, boolean withGarbage) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            long now = System.currentTimeMillis();
            for (int i = from; i < from + n; i++) {
                String json = "{\"payment_id\":\"p" + i + "\",\"account_id\":\"a" + (i % 3) + "\",\"card_fingerprint\":\"c"
                        + (i % 5) + "\",\"merchant_id\":\"m1\",\"amount\":" + i + ",\"status\":\"APPROVED\",\"country\":\"US\","
                        + "\"event_time\":" + (now - 60_000 + i) + "}";
                producer.send(new ProducerRecord<>("commerce.payments", json.getBytes(StandardCharsets.UTF_8))).get();
            }
            if (withGarbage) {
                producer.send(new ProducerRecord<>("commerce.payments", "{not json".getBytes(StandardCharsets.UTF_8))).get();
            }
        }
    }
}
