package dev.tessera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.generator.CommerceSource;
import dev.tessera.generator.DisorderRates;
import dev.tessera.generator.GeneratorConfig;
import dev.tessera.generator.LiveGeneration;
import dev.tessera.generator.LiveGenerator;
import dev.tessera.serving.Tokens;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue [Operate]: for each fault the live generator injects into a running node — a paused
 * partition, a flood of late events, a burst of malformed records, producers that stop — {@code
 * tessera doctor} names that fault first; on a healthy stream it finds nothing, and on a stateless
 * serving node it checks what such a node has (serving, its alerts).
 */
class DoctorTest {
    private static final Path EXAMPLES = Path.of("..", "examples", "commerce");
    private static final Pattern FIRST = Pattern.compile("(?m)^1\\. \\[([^]]+)] ([^:]+): (.*)$");

    @TempDir
    Path tmp;

    @Test
    void doctorNamesEachInjectedFaultFirst() throws Exception {
        Definitions defs = DefinitionLoader.load(EXAMPLES);
        int partitions = 4;
        try (Node node = Node.start(defs, EXAMPLES, tmp.resolve("data"), null, partitions, "127.0.0.1", 0, Tokens.none(), null)) {
            GeneratorConfig config = GeneratorConfig.liveBuilder().seed(5).accounts(2000).eventsPerSecond(300).definitions(defs)
                    .disorder(DisorderRates.NONE).sources(EnumSet.of(CommerceSource.PAYMENTS, CommerceSource.LOGINS)).build();
            try (LiveGeneration live = LiveGenerator.start(config, node.bootstrap,
                    Map.of("payments", "commerce.payments", "logins", "commerce.logins"))) {
                awaitAccepted(node, 300);
                CommandLineTest.Run healthy = doctor(node);
                assertThat(healthy.exit()).as(healthy.out()).isZero();
                assertThat(healthy.out()).contains("nothing found")
                        .containsPattern("not judged yet: whether every field the features read occurs, after 10,000 events of a"
                                + " source \\(payments: [0-9,]+ so far\\)");
                CommandLineTest.Run typo = CommandLineTest.tessera("doctor", "--url", node.url(), "--source", "paymnets", "--interval", "0");
                assertThat(typo.exit()).isEqualTo(2);
                assertThat(typo.err()).contains("the node consumes no source 'paymnets'; did you mean 'payments'?");

                live.faults().pausePartition(CommerceSource.PAYMENTS, 1, partitions);
                Thread.sleep(4_000);
                assertFirst(doctor(node), "idle partitions", "source payments", "partition 1 of topic commerce.payments is idle");
                live.faults().pausePartition(CommerceSource.PAYMENTS, -1, partitions);

                live.faults().lateFlood(CommerceSource.PAYMENTS, 0.3);
                Thread.sleep(1_000);
                assertFirst(doctor(node), "dead letters", "source payments", "mostly late");
                live.faults().lateFlood(CommerceSource.PAYMENTS, 0);

                live.faults().malformedBurst(CommerceSource.PAYMENTS, 0.3);
                Thread.sleep(1_000);
                assertFirst(doctor(node), "dead letters", "source payments", "mostly malformed");
                live.faults().malformedBurst(CommerceSource.PAYMENTS, 0);

                live.faults().stall(CommerceSource.PAYMENTS, true);
                Thread.sleep(4_000);
                CommandLineTest.Run silent = doctor(node);
                assertFirst(silent, "upstream silence", "source payments", "no event arrived on any partition");
                assertThat(silent.out()).contains("Diagnosis: upstream silence on source payments");
            }
            // a stateless serving node (no stream runtime, no /v1/diagnostics): serving and its alerts only
            dev.tessera.serving.ServingApi stateless = dev.tessera.serving.ServingApi.builder(defs, node.runtime.reader()).build();
            try (dev.tessera.serving.ServingServer server = dev.tessera.serving.ServingServer.start("127.0.0.1", 0,
                    dev.tessera.serving.ServingServer.DEFAULT_MAX_BODY_BYTES, stateless)) {
                CommandLineTest.Run serving = CommandLineTest.tessera("doctor", "--url", "http://127.0.0.1:" + server.port(),
                        "--interval", "1");
                assertThat(serving.exit()).as(serving.out() + serving.err()).isZero();
                assertThat(serving.out()).contains("a serving node without a stream runtime", "nothing found");
            }
            // the broker goes away: the symptoms of upstream silence, but the broker answers no fetch
            node.broker.close();
            Thread.sleep(DoctorCommand.BROKER_SILENCE_MILLIS + 1_000);
            CommandLineTest.Run gone = doctor(node);
            assertFirst(gone, "broker unreachable", "source payments", "answered none of the consumer's fetches");
        }
    }

    /**
     * A feature reading a field the producers never send (a misspelt {@code merchnat_id}): validation
     * cannot tell, the source declaring no fields; the doctor names the field and what reads it.
     */
    @Test
    void aFieldNoEventCarriesIsNamedWithWhatReadsIt() throws Exception {
        Path defsDir = tmp.resolve("features");
        java.nio.file.Files.createDirectories(defsDir);
        for (String f : java.util.List.of("entities.yaml", "sources.yaml")) {
            java.nio.file.Files.copy(EXAMPLES.resolve(f), defsDir.resolve(f));
        }
        java.nio.file.Files.writeString(defsDir.resolve("merchants.yaml"), """
                kind: FeatureGroup
                name: account_merchants
                source: payments
                entity: account
                features:
                  - { name: merchants, agg: approx_distinct, of: merchnat_id, windows: [1d] }
                  - { name: payments, agg: count, windows: [1d] }
                """);
        Definitions defs = DefinitionLoader.load(defsDir);
        try (Node node = Node.start(defs, defsDir, tmp.resolve("data"), null, 2, "127.0.0.1", 0, Tokens.none(), null)) {
            GeneratorConfig config = GeneratorConfig.liveBuilder().seed(6).accounts(2000).eventsPerSecond(5000).definitions(defs)
                    .disorder(DisorderRates.NONE).sources(EnumSet.of(CommerceSource.PAYMENTS)).build();
            try (LiveGeneration live = LiveGenerator.start(config, node.bootstrap, Map.of("payments", "commerce.payments"))) {
                awaitAccepted(node, DoctorCommand.ABSENT_AFTER + 100);
                CommandLineTest.Run run = CommandLineTest.tessera("doctor", "--url", node.url(), "--interval", "0");
                assertFirst(run, "absent field", "source payments, field merchnat_id", "had field 'merchnat_id' (absent or null)");
                assertThat(run.out()).contains("evidence: read by account_merchants.merchants (of)")
                        .doesNotContain("field merchant_id", "field amount", "[alert absent_field]");
                // the node's monitor raises it as an alert too (the banner, the webhooks), at its next evaluation
                java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                String alerts = "";
                while (!alerts.contains("absent_field/payments.merchnat_id") && System.nanoTime() < deadline) {
                    Thread.sleep(500);
                    alerts = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(node.url() + "/v1/alerts")).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                }
                assertThat(alerts).contains("absent_field/payments.merchnat_id", "docs/runbooks/absent_field.md")
                        .doesNotContain("absent_field/payments.merchant_id");
            }
        }
    }

    /** Dead letters and future events are a finding above a trickle: 5 or more, over 1 % of what was read. */
    @Test
    void aTrickleOfRejectsIsNoFinding() {
        assertThat(DoctorCommand.notable(1, 1_500)).as("the demo's deliberate future event in 5 s").isFalse();
        assertThat(DoctorCommand.notable(14, 1_500)).as("0.9 %").isFalse();
        assertThat(DoctorCommand.notable(16, 1_500)).as("1.1 %").isTrue();
        assertThat(DoctorCommand.notable(4, 10)).as("too few to judge").isFalse();
        assertThat(DoctorCommand.notable(5, 0)).isFalse();
    }

    private static CommandLineTest.Run doctor(Node node) {
        return CommandLineTest.tessera("doctor", "--url", node.url(), "--source", "payments", "--interval", "2", "--idle-after", "3s");
    }

    private static void assertFirst(CommandLineTest.Run run, String check, String subject, String summary) {
        assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(1);
        Matcher m = FIRST.matcher(run.out());
        assertThat(m.find()).as(run.out()).isTrue();
        assertThat(m.group(1)).as(run.out()).isEqualTo(check);
        assertThat(m.group(2)).isEqualTo(subject);
        assertThat(m.group(3)).as(run.out()).contains(summary);
    }

    private static void awaitAccepted(Node node, long n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (node.runtime.counters("payments").getOrDefault("accepted", 0L) < n) {
            assertThat(System.nanoTime()).as("events applied in time").isLessThan(deadline);
            Thread.sleep(50);
        }
        Thread.sleep(Duration.ofSeconds(1).toMillis());
    }
}
