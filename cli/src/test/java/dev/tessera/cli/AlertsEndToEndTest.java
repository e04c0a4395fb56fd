package dev.tessera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.generator.CommerceSource;
import dev.tessera.generator.GeneratorConfig;
import dev.tessera.generator.LiveGeneration;
import dev.tessera.generator.LiveGenerator;
import dev.tessera.serving.QualityMonitor;
import dev.tessera.serving.Tokens;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue [Observe]'s acceptance, on the whole node (embedded broker, runtime, API) fed by the live
 * generator of the demo: a quality-rule violation and a freshness stall, each injected through the
 * generator, raise an alert that names the source, at {@code GET /v1/alerts} and at a real webhook
 * receiver; the stall's alert resolves once events flow again. The definitions are the examples'
 * with the payments freshness threshold lowered to 5 s, so the test does not wait minutes.
 */
class AlertsEndToEndTest {
    private static final Path EXAMPLES = Path.of("..", "examples", "commerce");

    @TempDir
    Path tmp;

    @Test
    void injectedViolationsAndStallsRaiseAlertsNamingTheSource() throws Exception {
        Path features = tmp.resolve("features");
        copy(EXAMPLES, features);
        Path sources = features.resolve("sources.yaml");
        String text = Files.readString(sources);
        assertThat(text).contains("alerts: { freshness: 2m, reject_rate: 0.05 }");
        Files.writeString(sources, text.replace("alerts: { freshness: 2m, reject_rate: 0.05 }", "alerts: { freshness: 5s, reject_rate: 0.05 }"));
        Definitions defs = DefinitionLoader.load(features);

        BlockingQueue<JsonNode> hooks = new LinkedBlockingQueue<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/alerts", ex -> {
            hooks.add(new ObjectMapper().readTree(ex.getRequestBody()));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        receiver.start();
        Monitoring monitoring = new Monitoring(new QualityMonitor.Settings(Duration.ofMillis(250), Duration.ofSeconds(3), "docs/runbooks/"),
                List.of(URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/alerts")), null, dev.tessera.api.TimeSpan.parse("1h"));
        HttpClient http = HttpClient.newHttpClient();
        try (Node node = Node.start(defs, features, tmp.resolve("data"), null, 2, "127.0.0.1", 0, Tokens.none(), null, 0,
                RegistrySettings.EMBEDDED_ANY_PORT, null, null, monitoring, null)) {
            GeneratorConfig config = GeneratorConfig.liveBuilder().seed(3).accounts(500).eventsPerSecond(200).definitions(defs)
                    .disorder(dev.tessera.generator.DisorderRates.NONE)
                    .sources(EnumSet.of(CommerceSource.PAYMENTS, CommerceSource.LOGINS)).build();
            try (LiveGeneration live = LiveGenerator.start(config, node.bootstrap,
                    Map.of("payments", "commerce.payments", "logins", "commerce.logins"))) {
                // a clean stream raises nothing
                awaitApplied(node, "payments", 200);
                Thread.sleep(1_000);
                assertThat(firing(http, node)).isEmpty();

                // 1. rule violations on payments: negative amounts and status UNKNOWN
                live.faults().violations(CommerceSource.PAYMENTS, 0.2);
                JsonNode rule = awaitHook(hooks, "firing", "quality_rule");
                assertThat(rule.get("subject").asText()).isIn("source payments.amount", "source payments.status");
                assertThat(rule.get("message").asText()).contains("source payments, field ");
                assertThat(rule.get("runbook").asText()).isEqualTo("docs/runbooks/quality_rule.md");
                assertThat(Files.isRegularFile(Path.of("..").resolve(rule.get("runbook").asText()))).as("the runbook exists").isTrue();
                assertThat(firing(http, node)).anySatisfy(a -> assertThat(a.get("id").asText()).startsWith("quality_rule/payments."));
                assertThat(live.faults().violated(CommerceSource.PAYMENTS)).isPositive();
                live.faults().violations(CommerceSource.PAYMENTS, 0);

                // 2. a freshness stall: payments stop arriving (logins go on)
                live.faults().stall(CommerceSource.PAYMENTS, true);
                JsonNode stall = awaitHook(hooks, "firing", "freshness");
                assertThat(stall.get("id").asText()).isEqualTo("freshness/payments");
                assertThat(stall.get("subject").asText()).isEqualTo("source payments");
                assertThat(stall.get("message").asText()).contains("source payments is").contains("behind")
                        .contains("above the freshness threshold of 5s");
                assertThat(stall.get("value").asDouble()).isGreaterThan(5.0);
                assertThat(firing(http, node)).anySatisfy(a -> assertThat(a.get("id").asText()).isEqualTo("freshness/payments"));
                assertThat(firing(http, node)).noneSatisfy(a -> assertThat(a.get("id").asText()).isEqualTo("freshness/logins"));

                // payments flow again: the stall's alert resolves
                live.faults().stall(CommerceSource.PAYMENTS, false);
                JsonNode resolved = awaitHook(hooks, "resolved", "freshness");
                assertThat(resolved.get("id").asText()).isEqualTo("freshness/payments");
                assertThat(resolved.has("resolved_at")).isTrue();
            }
        } finally {
            receiver.stop(0);
        }
    }

    private static void awaitApplied(Node node, String source, long n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (node.runtime.counters(source).getOrDefault("accepted", 0L) < n) {
            assertThat(System.nanoTime()).as("events applied in time").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** The next webhook message with this status and alert kind (others are skipped). */
    private static JsonNode awaitHook(BlockingQueue<JsonNode> hooks, String status, String alert) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            JsonNode m = hooks.poll(1, TimeUnit.SECONDS);
            if (m != null && m.get("status").asText().equals(status) && m.get("alert").asText().equals(alert)) {
                return m;
            }
        }
        throw new AssertionError("no " + status + " " + alert + " alert reached the webhook within 60 s");
    }

    private static List<JsonNode> firing(HttpClient http, Node node) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(node.url() + "/v1/alerts")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = new ObjectMapper().readTree(r.body());
        return Stream.of(body.get("firing")).flatMap(n -> java.util.stream.StreamSupport.stream(n.spliterator(), false)).toList();
    }

    private static void copy(Path from, Path to) throws java.io.IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
