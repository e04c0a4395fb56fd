package dev.tessera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.serving.Tokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tessera status} against a running node (embedded broker, runtime, API with tokens): what it
 * prints is what was produced — 40 payments of 7 accounts plus 2 malformed records: 2 of 42 rejected,
 * 7 entities in {@code account_payments}, lag 0 — and its exit code says healthy; without the token
 * or without a node it exits 2 and says why.
 */
class StatusCommandTest {
    private static final Path EXAMPLES = Path.of("..", "examples", "commerce");

    @TempDir
    Path tmp;

    @Test
    void reportsWhatTheNodeConsumedAndExitsByHealth() throws Exception {
        Definitions defs = DefinitionLoader.load(EXAMPLES);
        Tokens tokens = Tokens.parse("read:status-reader-token-0123456789", "test");
        Monitoring fast = new Monitoring(new dev.tessera.serving.QualityMonitor.Settings(java.time.Duration.ofMillis(200),
                java.time.Duration.ofMinutes(5), "docs/runbooks/"), java.util.List.of(), null, dev.tessera.api.TimeSpan.parse("1h"));
        try (Node node = Node.start(defs, EXAMPLES, tmp.resolve("data"), null, 2, "127.0.0.1", 0, tokens, null, 0,
                RegistrySettings.EMBEDDED_ANY_PORT, null, null, fast, null)) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrap);
            long now = System.currentTimeMillis();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < 40; i++) {
                    String json = "{\"payment_id\":\"p" + i + "\",\"account_id\":\"a" + (i % 7) + "\",\"amount\":" + i
                            + ",\"status\":\"APPROVED\",\"event_time\":" + (now - 60_000 + i) + "}";
                    producer.send(new ProducerRecord<>("commerce.payments", json.getBytes(StandardCharsets.UTF_8))).get();
                }
                for (String bad : new String[] {"{not json", "[]"}) {
                    producer.send(new ProducerRecord<>("commerce.payments", bad.getBytes(StandardCharsets.UTF_8))).get();
                }
            }
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (node.runtime.counters("payments").getOrDefault("in", 0L) < 42 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            CommandLineTest.Run noToken = CommandLineTest.tessera("status", "--url", node.url(), "--interval", "0");
            assertThat(noToken.exit()).isEqualTo(2);
            assertThat(noToken.err()).contains("token", StatusCommand.TOKEN_ENV);

            CommandLineTest.Run run = CommandLineTest.tessera("status", "--url", node.url(), "--interval", "0.5",
                    "--token", "status-reader-token-0123456789");
            assertThat(run.exit()).as(run.out() + run.err()).isZero();
            assertThat(run.out()).startsWith("Tessera at " + node.url() + ": healthy");
            assertThat(row(run.out(), "payments")).as(run.out()).matches("payments\\s+\\S+ m?s\\s+0\\s+.*\\s4\\.76 %\\s+.*");
            assertThat(row(run.out(), "account_payments")).as(run.out()).matches("account_payments\\s+7\\s+\\d+\\s+0");
            assertThat(row(run.out(), "logins")).as(run.out()).contains("none yet");
            assertThat(run.out()).contains("alerts: none firing");

            // a payment with a negative amount breaks the examples' rule amount >= 0: status lists the alert and exits 1
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>("commerce.payments", ("{\"payment_id\":\"neg\",\"account_id\":\"a1\",\"amount\":-3,"
                        + "\"status\":\"APPROVED\",\"event_time\":" + now + "}").getBytes(StandardCharsets.UTF_8))).get();
            }
            CommandLineTest.Run alerting = null;
            while (System.nanoTime() < deadline) {
                alerting = CommandLineTest.tessera("status", "--url", node.url(), "--interval", "0",
                        "--token", "status-reader-token-0123456789");
                if (alerting.exit() != 0) {
                    break;
                }
                Thread.sleep(200);
            }
            assertThat(alerting.exit()).as(alerting.out()).isEqualTo(1);
            assertThat(alerting.out()).contains("alerts: 1 FIRING", "quality_rule: source payments, field amount:",
                    "runbook: docs/runbooks/quality_rule.md")
                    .startsWith("Tessera at " + node.url() + ": ALERTING (1 alert firing; GET /health 200)");
            // the doctor names it too (its own checks find nothing wrong with the stream)
            CommandLineTest.Run doctor = CommandLineTest.tessera("doctor", "--url", node.url(), "--source", "payments", "--interval", "0.2",
                    "--token", "status-reader-token-0123456789");
            assertThat(doctor.out()).contains("[alert quality_rule] source payments.amount").doesNotContain("nothing found");
        }
        CommandLineTest.Run gone = CommandLineTest.tessera("status", "--url", "http://127.0.0.1:1", "--interval", "0");
        assertThat(gone.exit()).isEqualTo(2);
        assertThat(gone.err()).contains("cannot reach a Tessera node at http://127.0.0.1:1");
    }

    private static String row(String out, String first) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(first) + "\\s.*$").matcher(out);
        return m.find() ? m.group() : "";
    }
}
