package dev.tessera.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tessera status}: a running node's health at a glance in the terminal (SPEC §8), from its
 * {@code GET /health} and two scrapes of {@code GET /metrics} {@code --interval} apart: per source
 * freshness, consumer lag, events per second by outcome and the reject share, watermark delay; per
 * group entities, tiles and unkeyable events; serving requests and p99 per endpoint; store size.
 * Exit code 0 when the node is healthy, 1 when it says it is not, 2 when it cannot be asked.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show a running Tessera node's health: firing alerts, freshness, lag, rates, rejects, state, serving latency.",
                "Exit 0 when healthy with no alert firing, 1 when unhealthy or alerting, 2 when the node cannot be asked."})
final class StatusCommand implements Callable<Integer> {
    static final String TOKEN_ENV = "TESSERA_TOKEN";
    private static final List<String> NOT_REJECTS = List.of("in", "accepted", "duplicate", "non_finite_value");

    @Mixin
    CommonOptions common;

    @Option(names = "--url", paramLabel = "URL", defaultValue = "http://127.0.0.1:8080", converter = NodeUrl.class,
            description = "The node's API (tessera demo, run or serve); host:port means http://host:port. Default: ${DEFAULT-VALUE}")
    String url;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Bearer token with the read scope, when the node has tokens (default: $" + TOKEN_ENV + ").")
    String token;

    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "2",
            description = "Seconds between the two metric scrapes that rates are computed from (0: no rates). Default: ${DEFAULT-VALUE};"
                    + " 5 on a serving node, whose counts the job publishes once a second")
    double interval;

    /** The default scrape gap on a serving node, whose counts the job's subtasks publish once a second each. */
    static final double PUBLISHED_INTERVAL_SECONDS = 5;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        String bearer = token != null ? token : System.getenv(TOKEN_ENV);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> health;
        PrometheusText before;
        PrometheusText after;
        try {
            health = get(http, base + "/health", null);
            HttpResponse<String> m1 = get(http, base + "/metrics", bearer);
            if (m1.statusCode() == 401 || m1.statusCode() == 403) {
                err.println("the node at " + base + " wants a token with the read scope for /metrics: pass --token or set " + TOKEN_ENV);
                return 2;
            }
            before = PrometheusText.parse(m1.body());
            after = before;
            if (interval > 0 && before.labelValues("tessera_source_events_total", "source").isEmpty()
                    && !before.labelValues("tessera_job_source_events_total", "source").isEmpty()
                    && !spec.commandLine().getParseResult().hasMatchedOption("--interval")) {
                // a serving node: each subtask publishes its counts every second on its own beat, so in a 2-s window
                // "accepted" (the aggregating subtasks') can run ahead of "in" (the readers'); a longer one evens it out
                interval = PUBLISHED_INTERVAL_SECONDS;
            }
            if (interval > 0) {
                Thread.sleep((long) (interval * 1000));
                after = PrometheusText.parse(get(http, base + "/metrics", bearer).body());
            }
        } catch (IOException e) {
            err.println(unreachable(base, e));
            return 2;
        }
        boolean healthy = health.statusCode() == 200;
        JsonNode firing = firingAlerts(http, base, bearer);
        boolean alerting = firing != null && !firing.isEmpty();
        out.println("Tessera at " + base + ": " + (!healthy ? "UNHEALTHY (GET /health " + health.statusCode() + ")"
                : alerting ? "ALERTING (" + firing.size() + (firing.size() == 1 ? " alert" : " alerts") + " firing; GET /health 200)"
                : "healthy"));
        printHealthDetails(out, health.body());
        printAlerts(out, firing);
        printSources(out, before, after);
        printGroups(out, after);
        printServing(out, after);
        double store = after.value("tessera_store_size_bytes", Map.of());
        if (!Double.isNaN(store)) {
            out.println("store: " + bytes(store));
        }
        double up = after.value("tessera_runtime_up", Map.of());
        if (up == 0) {
            out.println("the stream runtime has STOPPED (tessera_runtime_up 0): see the node's log");
            healthy = false;
        }
        out.flush();
        return healthy && !alerting ? 0 : 1;
    }

    /** The firing alerts of {@code /v1/alerts}; null when the node does not monitor (or cannot say). */
    private static JsonNode firingAlerts(HttpClient http, String base, String bearer) {
        try {
            HttpResponse<String> r = get(http, base + "/v1/alerts", bearer);
            if (r.statusCode() != 200) {
                return null; // an older node, or one that does not monitor
            }
            return new ObjectMapper().readTree(r.body()).path("firing");
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Each firing alert with its runbook. */
    private static void printAlerts(PrintWriter out, JsonNode firing) {
        if (firing == null) {
            return;
        }
        if (firing.isEmpty()) {
            out.println("alerts: none firing");
            return;
        }
        out.println("alerts: " + firing.size() + " FIRING");
        for (JsonNode a : firing) {
            out.println("  " + a.path("alert").asText() + ": " + a.path("message").asText()); // the message names its subject
            out.println("    runbook: " + a.path("runbook").asText());
        }
    }

    private static HttpResponse<String> get(HttpClient http, String url, String bearer) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
        if (bearer != null && !bearer.isBlank()) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The health answer's details other than the per-source figures (shown in the table): runtime, store. */
    private static void printHealthDetails(PrintWriter out, String body) {
        try {
            JsonNode h = new ObjectMapper().readTree(body);
            h.fields().forEachRemaining(e -> {
                if (!e.getKey().equals("status") && !e.getKey().equals("sources")) {
                    out.println("  " + e.getKey() + ": " + (e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString()));
                }
            });
        } catch (IOException e) {
            out.println("  (health answer is not JSON: " + body.strip() + ")");
        }
    }

    private void printSources(PrintWriter out, PrometheusText before, PrometheusText after) {
        String events = "tessera_source_events_total";
        String freshness = "tessera_source_freshness_seconds";
        List<String> sources = after.labelValues(events, "source");
        boolean published = sources.isEmpty(); // no runtime here: its watermark is unknown on this node
        if (published) { // a serving node: the writer's counts as it published them (the Flink job's, ADR 030)
            events = "tessera_job_source_events_total";
            freshness = "tessera_job_source_freshness_seconds";
            sources = after.labelValues(events, "source");
            if (sources.isEmpty()) {
                out.println("no stream runtime on this node, and no counts published by a writer (a serving node reads what"
                        + " another process writes)");
                return;
            }
            out.println("no stream runtime on this node; the writer's counts as it published them"
                    + (interval > 0 ? String.format(Locale.ROOT, ", rates over %.0f s", interval) : "") + " (lag: see the job's metrics):");
        }
        double seconds = interval > 0 ? interval : Double.NaN;
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SOURCE", "FRESHNESS", "LAG", "IN/S", "ACCEPTED/S", "REJECTED/S", "REJECTED", "WATERMARK DELAY"});
        long nowSeconds = System.currentTimeMillis() / 1000;
        for (String s : sources) {
            Map<String, String> src = Map.of("source", s);
            double in = after.value(events, Map.of("source", s, "outcome", "in"));
            double accepted = after.value(events, Map.of("source", s, "outcome", "accepted"));
            double rejected = rejects(after, events, s);
            double inRate = (in - before.value(events, Map.of("source", s, "outcome", "in"))) / seconds;
            double acceptedRate = (accepted - before.value(events, Map.of("source", s, "outcome", "accepted"))) / seconds;
            double rejectedRate = (rejected - rejects(before, events, s)) / seconds;
            double watermark = after.value("tessera_source_watermark_seconds", src);
            rows.add(new String[] {s, duration(after.value(freshness, src)),
                    count(after.value("tessera_source_lag_records", src)), rate(inRate), rate(acceptedRate), rate(rejectedRate),
                    in > 0 ? String.format(Locale.ROOT, "%.2f %%", 100.0 * rejected / in) : "-",
                    published ? "-" : Double.isNaN(watermark) ? "none yet" : duration(nowSeconds - watermark)});
        }
        table(out, rows);
    }

    private static double rejects(PrometheusText m, String family, String source) {
        double sum = 0;
        Map<Map<String, String>, Double> f = m.families().getOrDefault(family, Map.of());
        for (var e : f.entrySet()) {
            if (source.equals(e.getKey().get("source")) && !NOT_REJECTS.contains(e.getKey().get("outcome"))) {
                sum += e.getValue();
            }
        }
        return sum;
    }

    private static void printGroups(PrintWriter out, PrometheusText m) {
        List<String> groups = m.labelValues("tessera_group_entities", "group");
        if (groups.isEmpty()) {
            return;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"GROUP", "ENTITIES", "TILES", "UNKEYED EVENTS"});
        for (String g : groups) {
            Map<String, String> l = Map.of("group", g);
            rows.add(new String[] {g, count(m.value("tessera_group_entities", l)), count(m.value("tessera_group_tiles", l)),
                    count(m.value("tessera_group_missing_key_total", l))});
        }
        table(out, rows);
    }

    /** Requests and p99 per endpoint since the node started, from the latency histogram's buckets. */
    private static void printServing(PrintWriter out, PrometheusText m) {
        Map<String, TreeMap<Double, Double>> buckets = new TreeMap<>();
        Map<String, Double> counts = new TreeMap<>();
        for (var e : m.families().getOrDefault("tessera_http_server_requests_seconds_bucket", Map.of()).entrySet()) {
            String endpoint = e.getKey().get("endpoint");
            double le = Double.parseDouble(e.getKey().get("le").replace("+Inf", "Infinity"));
            buckets.computeIfAbsent(endpoint, k -> new TreeMap<>()).merge(le, e.getValue(), Double::sum);
        }
        for (var e : m.families().getOrDefault("tessera_http_server_requests_seconds_count", Map.of()).entrySet()) {
            counts.merge(e.getKey().get("endpoint"), e.getValue(), Double::sum);
        }
        if (counts.isEmpty()) {
            return;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ENDPOINT", "REQUESTS", "ERRORS (5xx)", "P99 (since start)"});
        for (var e : counts.entrySet()) {
            double total = e.getValue();
            double p99 = Double.NaN;
            for (var b : buckets.getOrDefault(e.getKey(), new TreeMap<>()).entrySet()) {
                if (b.getValue() >= 0.99 * total) {
                    p99 = b.getKey();
                    break;
                }
            }
            double errors = 0;
            for (var c : m.families().get("tessera_http_server_requests_seconds_count").entrySet()) {
                if (e.getKey().equals(c.getKey().get("endpoint")) && c.getKey().getOrDefault("status", "").startsWith("5")) {
                    errors += c.getValue();
                }
            }
            rows.add(new String[] {e.getKey(), count(total), count(errors), total == 0 ? "-" : "≤ " + duration(p99)});
        }
        table(out, rows);
    }

    private static void table(PrintWriter out, List<String[]> rows) {
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        out.println();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(i == 0 ? String.format(Locale.ROOT, "%-" + width[i] + "s", r[i])
                        : String.format(Locale.ROOT, "  %" + width[i] + "s", r[i]));
            }
            out.println(line.toString().stripTrailing());
        }
    }

    static String duration(double seconds) {
        if (Double.isNaN(seconds)) {
            return "-";
        }
        if (Double.isInfinite(seconds)) {
            return "∞";
        }
        if (seconds < 1) {
            return String.format(Locale.ROOT, "%.0f ms", seconds * 1000);
        }
        if (seconds < 120) {
            return String.format(Locale.ROOT, "%.1f s", seconds);
        }
        if (seconds < 7200) {
            return String.format(Locale.ROOT, "%dm %02ds", (long) seconds / 60, (long) seconds % 60);
        }
        return String.format(Locale.ROOT, "%.1f h", seconds / 3600);
    }

    private static String count(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%,d", (long) v);
    }

    private static String rate(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%,.1f", v);
    }

    private static String bytes(double b) {
        if (b < 1024 * 1024) {
            return String.format(Locale.ROOT, "%,.0f KB", b / 1024);
        }
        return String.format(Locale.ROOT, "%,.1f MB", b / (1024 * 1024));
    }

    /** What {@code status} and {@code doctor} say when the node does not answer. */
    static String unreachable(String base, Exception e) {
        return "cannot reach a Tessera node at " + base + " (" + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); is it running? pass its address with --url";
    }

    /** A node's address for {@code --url}: {@code http(s)://host:port}, or {@code host:port} meaning http. */
    static final class NodeUrl implements picocli.CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String v = value.trim();
            if (!v.contains("://")) {
                v = "http://" + v;
            }
            URI u;
            try {
                u = new URI(v);
            } catch (java.net.URISyntaxException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a node address; write host:port or"
                        + " http://host:port (e.g. 127.0.0.1:8080)");
            }
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a node address; write host:port or"
                        + " http://host:port (e.g. 127.0.0.1:8080)");
            }
            return v;
        }
    }
}
