package dev.tessera.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.api.TimeSpan;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tessera doctor}: diagnoses a running node (issue [Operate]). It watches the node for
 * {@code --interval} (two scrapes of {@code /metrics} and {@code /v1/diagnostics}) and runs its
 * checks in order, each reporting what it found with the evidence and the next action:
 * <ol>
 *   <li>consumer lag above {@code --lag-threshold} and growing;</li>
 *   <li>partitions idle while others of the same source receive records (a stalled watermark);</li>
 *   <li>dead letters above 1% of the events read, by reason, with recent examples;</li>
 *   <li>upstream silence: nothing arrived on any partition of a source; or, when the broker has
 *       answered none of the consumer's fetches for {@value #BROKER_SILENCE_MILLIS} ms, the broker is
 *       unreachable (the same symptoms, another cause);</li>
 *   <li>clock skew: events rejected as from the future;</li>
 *   <li>an absent field: a field the features read ({@code of}, {@code where}) that none of at least
 *       {@value #ABSENT_AFTER} events since the node started carried (a misspelt name, a renamed field);</li>
 *   <li>the runtime failed, or the data folder's disk is nearly full;</li>
 *   <li>serving errors (5xx) and latency (p99 over the interval above {@code --p99-ms}).</li>
 * </ol>
 * The first finding is the diagnosis. Exit 0 when nothing is found, 1 when something is, 2 when
 * the node cannot be asked.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Diagnose a running Tessera node: consumer lag, idle partitions, dead letters by reason, upstream silence,"
                + " clock skew, fields no event carries, store and disk, serving errors; each finding with its evidence and the"
                + " next action.",
                "Exit 0: nothing found; 1: findings (the first is the diagnosis); 2: the node cannot be asked."})
final class DoctorCommand implements Callable<Integer> {
    @Option(names = "--url", paramLabel = "URL", defaultValue = "http://127.0.0.1:8080", converter = StatusCommand.NodeUrl.class,
            description = "The node (tessera demo or run); host:port means http://host:port. Default: ${DEFAULT-VALUE}")
    String url;

    @Option(names = "--token", paramLabel = "TOKEN", description = "Bearer token with the read scope (default: $TESSERA_TOKEN).")
    String token;

    @Option(names = "--source", paramLabel = "SOURCE", description = "Only this source.")
    String only;

    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "5",
            description = "How long to watch the node (rates and trends). Default: ${DEFAULT-VALUE}")
    double interval;

    @Option(names = "--idle-after", paramLabel = "DURATION", defaultValue = "30s", converter = GenerateCommand.SpanConverter.class,
            description = "A partition with no record for this long is idle. Default: ${DEFAULT-VALUE}")
    TimeSpan idleAfter;

    @Option(names = "--lag-threshold", paramLabel = "RECORDS", defaultValue = "10000",
            description = "Consumer lag above this, and growing, is a finding. Default: ${DEFAULT-VALUE}")
    long lagThreshold;

    @Option(names = "--p99-ms", paramLabel = "MILLIS", defaultValue = "50",
            description = "An endpoint whose p99 over the interval is above this is a finding. Default: ${DEFAULT-VALUE}")
    double p99Millis;

    @Spec
    CommandSpec spec;

    /** One finding: which check, about what, what was seen, and what to do. */
    record Finding(String check, String subject, String summary, List<String> evidence, String next, String runbook) {
    }

    /** A healthy broker answers a fetch within fetch.max.wait.ms (500 ms): this long without an answer, it is gone. */
    static final long BROKER_SILENCE_MILLIS = 5_000;

    private final ObjectMapper json = new ObjectMapper();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        String bearer = token != null ? token : System.getenv(StatusCommand.TOKEN_ENV);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        PrometheusText m1;
        PrometheusText m2;
        JsonNode d1;
        JsonNode d2;
        JsonNode alerts;
        try {
            m1 = PrometheusText.parse(get(http, base + "/metrics", bearer));
            d1 = diagnostics(http, base, bearer);
            Thread.sleep((long) (interval * 1000));
            m2 = PrometheusText.parse(get(http, base + "/metrics", bearer));
            d2 = diagnostics(http, base, bearer);
            alerts = optional(http, base + "/v1/alerts", bearer);
        } catch (IOException e) {
            err.println(StatusCommand.unreachable(base, e));
            return 2;
        } catch (IllegalStateException e) {
            err.println("cannot ask the Tessera node at " + base + ": " + e.getMessage());
            return 2;
        }
        List<Finding> findings = new ArrayList<>();
        List<JsonNode> sources = new ArrayList<>();
        d2.path("sources").forEach(s -> {
            if (only == null || only.equals(s.path("source").asText())) {
                sources.add(s);
            }
        });
        boolean stateless = d2.path("sources").isMissingNode();
        if (only != null && sources.isEmpty() && !stateless) {
            List<String> names = new ArrayList<>();
            d2.path("sources").forEach(s -> names.add(s.path("source").asText()));
            err.println("the node consumes no source '" + only + "'; " + dev.tessera.api.ClosestNames.hint(only, names, "its sources"));
            return 2;
        }
        long now = d2.path("now").asLong();
        for (JsonNode s : sources) {
            lag(s, source(d1, s.path("source").asText()), findings);
        }
        for (JsonNode s : sources) {
            idlePartitions(s, now, m1, m2, findings);
        }
        for (JsonNode s : sources) {
            deadLetters(s, m1, m2, findings);
        }
        for (JsonNode s : sources) {
            silence(s, now, m1, m2, findings);
        }
        for (JsonNode s : sources) {
            clockSkew(s, m1, m2, findings);
        }
        for (JsonNode s : sources) {
            absentFields(s, findings);
        }
        storeAndRuntime(d2, findings);
        serving(m1, m2, findings);
        // what the node's own monitor judges firing: on a serving node all there is (freshness from the writer's
        // progress); on a runtime node also what the checks above do not look at, e.g. broken quality rules
        if (alerts != null) {
            for (JsonNode a : alerts.path("firing")) {
                if (a.path("alert").asText().equals("absent_field") && !stateless) {
                    continue; // the absent-field check above said it, with its evidence
                }
                String subject = a.path("subject").asText(); // e.g. "source payments.amount"
                String named = subject.substring(subject.indexOf(' ') + 1);
                if (only != null && !named.equals(only) && !named.startsWith(only + ".")) {
                    continue;
                }
                String runbook = a.path("runbook").asText("");
                findings.add(new Finding("alert " + a.path("alert").asText(), a.path("subject").asText(), a.path("message").asText(),
                        List.of("firing since " + java.time.Instant.ofEpochMilli(a.path("since").asLong())), "follow the runbook",
                        runbook.endsWith(".md") ? runbook.substring(runbook.lastIndexOf('/') + 1, runbook.length() - 3) : null));
            }
        }

        out.printf(Locale.ROOT, "tessera doctor: %s, watched for %s s, %s%n", base, trim(interval), stateless
                ? "a serving node without a stream runtime (checked: serving errors and latency, the node's alerts)"
                : sources.size() + " source" + (sources.size() == 1 ? "" : "s"));
        if (findings.isEmpty()) {
            out.println("nothing found: lag, partitions, dead letters, arrivals, clocks, store and serving look healthy, and no"
                    + " alert fires");
            List<String> early = new ArrayList<>();
            for (JsonNode s : sources) {
                long events = s.path("fields").path(0).path("events").asLong(-1);
                if (events >= 0 && events < ABSENT_AFTER) {
                    early.add(String.format(Locale.ROOT, "%s: %,d so far", s.path("source").asText(), events));
                }
            }
            if (!early.isEmpty()) {
                out.println(String.format(Locale.ROOT, "not judged yet: whether every field the features read occurs, after %,d events"
                        + " of a source (%s)", ABSENT_AFTER, String.join(", ", early)));
            }
            out.flush();
            return 0;
        }
        int i = 1;
        for (Finding f : findings) {
            out.printf(Locale.ROOT, "%d. [%s] %s: %s%n", i++, f.check(), f.subject(), f.summary());
            for (String e : f.evidence()) {
                out.println("     evidence: " + e);
            }
            out.println("     next: " + f.next() + (f.runbook() == null ? "" : " (runbook: docs/runbooks/" + f.runbook() + ".md)"));
        }
        Finding first = findings.get(0);
        out.println("Diagnosis: " + first.check() + " on " + first.subject() + " — " + first.summary());
        out.flush();
        return 1;
    }

    /** {@code /v1/diagnostics}, or an empty object on a node without a stream runtime (a stateless serving node). */
    private JsonNode diagnostics(HttpClient http, String base, String bearer) throws IOException, InterruptedException {
        JsonNode d = optional(http, base + "/v1/diagnostics", bearer);
        return d == null ? json.createObjectNode() : d;
    }

    /** The JSON at {@code url}, or null when it answers 404 (the node does not have that part). */
    private JsonNode optional(HttpClient http, String url, String bearer) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
        if (bearer != null && !bearer.isBlank()) {
            b.header("Authorization", "Bearer " + bearer);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 404) {
            return null;
        }
        if (r.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
        }
        return json.readTree(r.body());
    }

    private static JsonNode source(JsonNode diagnostics, String name) {
        for (JsonNode s : diagnostics.path("sources")) {
            if (s.path("source").asText().equals(name)) {
                return s;
            }
        }
        return null;
    }

    private void lag(JsonNode s, JsonNode before, List<Finding> findings) {
        long end = sumLag(s);
        long start = before == null ? end : sumLag(before);
        if (end > lagThreshold && end > start) {
            findings.add(new Finding("lag", "source " + s.path("source").asText(), "consumer lag is " + end + " records and growing ("
                    + (end - start >= 0 ? "+" : "") + (end - start) + " in " + trim(interval) + " s)",
                    List.of("per partition: " + lags(s)), "the runtime is falling behind its topic: check its CPU and GC;"
                    + " past one machine, run the Flink job", "lag"));
        }
    }

    private static long sumLag(JsonNode s) {
        long sum = 0;
        for (JsonNode p : s.path("partitions")) {
            sum += Math.max(0, p.path("lag").asLong());
        }
        return sum;
    }

    private static String lags(JsonNode s) {
        List<String> l = new ArrayList<>();
        s.path("partitions").forEach(p -> l.add(p.path("partition").asInt() + ": " + p.path("lag").asLong()));
        return String.join(", ", l);
    }

    private void idlePartitions(JsonNode s, long now, PrometheusText m1, PrometheusText m2, List<Finding> findings) {
        List<Integer> idle = new ArrayList<>();
        List<Integer> active = new ArrayList<>();
        Map<Integer, Long> since = new LinkedHashMap<>();
        for (JsonNode p : s.path("partitions")) {
            long last = p.path("lastArrival").asLong();
            int n = p.path("partition").asInt();
            if (last == 0 || now - last > idleAfter.millis()) {
                idle.add(n);
                since.put(n, last == 0 ? -1 : (now - last) / 1000);
            } else {
                active.add(n);
            }
        }
        if (idle.isEmpty() || active.isEmpty()) {
            return; // all idle is upstream silence (check 4)
        }
        String source = s.path("source").asText();
        List<String> evidence = new ArrayList<>();
        for (Map.Entry<Integer, Long> e : since.entrySet()) {
            evidence.add("partition " + e.getKey() + ": " + (e.getValue() < 0 ? "no record since the node started"
                    : "last record " + e.getValue() + " s ago"));
        }
        evidence.add("partitions " + active + " received records in the last " + idleAfter);
        Map<String, String> src = Map.of("source", source);
        double w1 = m1.value("tessera_source_watermark_seconds", src);
        double w2 = m2.value("tessera_source_watermark_seconds", src);
        if (!Double.isNaN(w1) && w1 == w2) {
            evidence.add("the watermark did not move in " + trim(interval) + " s: an idle partition holds it back until the source's"
                    + " idle_timeout, so recent events wait to be judged late");
        }
        findings.add(new Finding("idle partitions", "source " + source, (idle.size() == 1 ? "partition " + idle.get(0) + " of topic "
                + s.path("topic").asText() + " is idle" : "partitions " + idle + " of topic " + s.path("topic").asText() + " are idle")
                + " while the others receive records", evidence, "a producer instance is down or its keys no longer hash to those"
                + " partitions: check the producers writing to " + s.path("topic").asText(), "freshness"));
    }

    /** Whether {@code rejected} of {@code in} events read in the interval is a finding: at least 5, and more than 1 %. */
    static boolean notable(long rejected, long in) {
        return in > 0 && rejected >= 5 && (double) rejected / in > 0.01;
    }

    private void deadLetters(JsonNode s, PrometheusText m1, PrometheusText m2, List<Finding> findings) {
        String source = s.path("source").asText();
        long in = delta(m1, m2, source, "in");
        Map<String, Long> byReason = new LinkedHashMap<>();
        long rejected = 0;
        for (String reason : m2.labelValues("tessera_source_events_total", "outcome")) {
            if (List.of("in", "accepted", "duplicate", "non_finite_value", "future").contains(reason)) {
                continue; // future: the clock-skew check
            }
            long d = delta(m1, m2, source, reason);
            if (d > 0) {
                byReason.put(reason, d);
                rejected += d;
            }
        }
        if (!notable(rejected, in)) {
            return;
        }
        String top = byReason.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        List<String> evidence = new ArrayList<>();
        evidence.add("by reason: " + byReason);
        int shown = 0;
        for (JsonNode d : s.path("deadLetters")) {
            if (d.path("reason").asText().equals(top) && shown++ < 3) {
                evidence.add("e.g. partition " + d.path("partition").asInt() + " offset " + d.path("offset").asLong() + ": "
                        + d.path("message").asText());
            }
        }
        String next = switch (top) {
            case "late" -> "events arrive later than the source's lateness: a producer is delayed or replaying old events;"
                    + " raise lateness to count them live; the archive keeps late events, so tessera backfill brings them into the online"
                    + " store (a node run with --no-archive: tessera import them from the dead letters first)";
            case "malformed", "schema_mismatch", "too_large" -> "a producer sends records the source cannot read: check its"
                    + " latest deploy; the records are in " + s.path("topic").asText() + ".dlq";
            case "missing_key" -> "a producer stopped sending the entity key fields";
            case "bad_timestamp" -> "a producer writes the timestamp in another format (epoch millis or ISO-8601 expected)";
            default -> "read the dead-letter topic " + s.path("topic").asText() + ".dlq";
        };
        findings.add(new Finding("dead letters", "source " + source, String.format(Locale.ROOT,
                "%d of %d events (%.1f%%) dead-lettered in %s s, mostly %s (%d)", rejected, in, 100.0 * rejected / in, trim(interval),
                top, byReason.get(top)), evidence, next, "reject_rate"));
    }

    private void silence(JsonNode s, long now, PrometheusText m1, PrometheusText m2, List<Finding> findings) {
        String source = s.path("source").asText();
        if (delta(m1, m2, source, "in") > 0) {
            return;
        }
        long brokerSilence = s.path("brokerSilenceMillis").asLong(-1);
        if (brokerSilence >= BROKER_SILENCE_MILLIS) {
            findings.add(new Finding("broker unreachable", "source " + source, "the Kafka broker has answered none of the consumer's"
                    + " fetches for " + brokerSilence / 1000 + " s", List.of("0 events read in the last " + trim(interval)
                    + " s; a healthy broker answers a fetch within 0.5 s, with or without records"),
                    "check that the Kafka brokers of " + s.path("topic").asText() + " are up and reachable from this node (network,"
                            + " TLS, credentials); the runtime reconnects by itself and loses nothing meanwhile", "freshness"));
            return;
        }
        long newest = 0;
        for (JsonNode p : s.path("partitions")) {
            newest = Math.max(newest, p.path("lastArrival").asLong());
        }
        if (newest != 0 && now - newest <= idleAfter.millis()) {
            return;
        }
        findings.add(new Finding("upstream silence", "source " + source, newest == 0 ? "no event has arrived since the node started"
                : "no event arrived on any partition for " + (now - newest) / 1000 + " s", List.of("0 events read in the last "
                + trim(interval) + " s; freshness " + trim(m2.value("tessera_source_freshness_seconds", Map.of("source", source)))
                + " s"), "the producers of " + s.path("topic").asText() + " stopped, or write elsewhere: check them and the topic",
                "freshness"));
    }

    private void clockSkew(JsonNode s, PrometheusText m1, PrometheusText m2, List<Finding> findings) {
        String source = s.path("source").asText();
        long future = delta(m1, m2, source, "future");
        if (!notable(future, delta(m1, m2, source, "in"))) {
            return; // a trickle (the demo's deliberate 0.1 %) is counted on /metrics, not a diagnosis
        }
        List<String> evidence = new ArrayList<>();
        for (JsonNode d : s.path("deadLetters")) {
            if (d.path("reason").asText().equals("future") && evidence.size() < 2) {
                evidence.add("e.g. " + d.path("message").asText());
            }
        }
        findings.add(new Finding("clock skew", "source " + source, future + (future == 1 ? " event" : " events")
                + " stamped ahead of the clock " + (future == 1 ? "was" : "were") + " rejected in "
                + trim(interval) + " s", evidence, "a producer's clock is ahead, or it writes micro- or nanoseconds where epoch"
                + " milliseconds are expected", "reject_rate"));
    }

    /** Events a source must have had before a field none of them carried is a finding (the runtime's FieldPresence). */
    static final long ABSENT_AFTER = 10_000;

    /** A field the features read that no event since the node started carried: a misspelt name, or a renamed field. */
    private static void absentFields(JsonNode s, List<Finding> findings) {
        String source = s.path("source").asText();
        for (JsonNode f : s.path("fields")) {
            long events = f.path("events").asLong();
            if (events < ABSENT_AFTER || f.path("present").asLong() > 0) {
                continue;
            }
            List<String> readBy = new ArrayList<>();
            f.path("readBy").forEach(r -> readBy.add(r.asText()));
            String field = f.path("field").asText();
            findings.add(new Finding("absent field", "source " + source + ", field " + field, String.format(Locale.ROOT,
                    "none of the %,d events since the node started had field '%s' (absent or null), so what reads it stays 0 or"
                            + " null", events, field), List.of("read by " + String.join(", ", readBy)),
                    "compare the name with the events the producers send to " + s.path("topic").asText() + " (tessera tail"
                            + " --source " + source + " shows the newest with what the features read): a typo in the definitions,"
                            + " or a field the producers renamed; a field that is rarely present is fine to leave", null));
        }
    }

    private static void storeAndRuntime(JsonNode d, List<Finding> findings) {
        String runtime = d.path("runtime").asText("running");
        if (!runtime.equals("running")) {
            findings.add(new Finding("runtime", "the stream runtime", runtime, List.of(), "read the node's log; restart it (it resumes"
                    + " from its last commit)", "freshness"));
        }
        JsonNode disk = d.path("disk");
        long usable = disk.path("usable_bytes").asLong(-1);
        long total = disk.path("total_bytes").asLong(-1);
        if (usable >= 0 && total > 0 && usable < total * 0.05) {
            findings.add(new Finding("disk", "data folder " + disk.path("path").asText(), String.format(Locale.ROOT,
                    "only %.1f%% of the disk is free (%,d MB)", 100.0 * usable / total, usable >> 20), List.of(),
                    "free space: the store and the archive stop committing when the disk is full", null));
        }
    }

    private void serving(PrometheusText m1, PrometheusText m2, List<Finding> findings) {
        double total = 0;
        double errors = 0;
        for (var e : m2.families().getOrDefault("tessera_http_server_requests_seconds_count", Map.of()).entrySet()) {
            double before = m1.families().getOrDefault("tessera_http_server_requests_seconds_count", Map.of()).getOrDefault(e.getKey(), 0.0);
            double d = e.getValue() - before;
            total += d;
            if (e.getKey().getOrDefault("status", "").startsWith("5")) {
                errors += d;
            }
        }
        if (total >= 20 && errors / total > 0.01) {
            findings.add(new Finding("serving errors", "the HTTP API", String.format(Locale.ROOT, "%.0f of %.0f requests (%.1f%%)"
                    + " answered 5xx in %s s", errors, total, 100 * errors / total, trim(interval)), List.of(),
                    "503 store_unavailable: the online store (Redis) is down; 500: a bug, see the log", "store_unavailable"));
        }
        // p99 per endpoint over the interval, from the latency histogram's bucket differences
        Map<String, java.util.TreeMap<Double, Double>> buckets = new java.util.TreeMap<>();
        Map<Map<String, String>, Double> before = m1.families().getOrDefault("tessera_http_server_requests_seconds_bucket", Map.of());
        for (var e : m2.families().getOrDefault("tessera_http_server_requests_seconds_bucket", Map.of()).entrySet()) {
            String endpoint = e.getKey().get("endpoint");
            if (List.of("index", "console", "metrics", "unknown").contains(endpoint)) {
                continue;
            }
            double le = Double.parseDouble(e.getKey().get("le").replace("+Inf", "Infinity"));
            buckets.computeIfAbsent(endpoint, k -> new java.util.TreeMap<>()).merge(le, e.getValue() - before.getOrDefault(e.getKey(), 0.0),
                    Double::sum);
        }
        for (var b : buckets.entrySet()) {
            double n = b.getValue().isEmpty() ? 0 : b.getValue().lastEntry().getValue();
            if (n < 20) {
                continue;
            }
            for (var bucket : b.getValue().entrySet()) {
                if (bucket.getValue() >= 0.99 * n) {
                    double p99 = bucket.getKey() * 1000;
                    if (p99 > p99Millis) {
                        findings.add(new Finding("serving latency", "endpoint " + b.getKey(), String.format(Locale.ROOT,
                                "p99 %.1f ms over %.0f requests in %s s, above %s ms", p99, n, trim(interval), trim(p99Millis)),
                                List.of(), "look for GC pauses (jvm_gc_pause_seconds) and large batches sharing the event loops",
                                "serving_latency"));
                    }
                    break;
                }
            }
        }
    }

    private static long delta(PrometheusText m1, PrometheusText m2, String source, String outcome) {
        Map<String, String> l = Map.of("source", source, "outcome", outcome);
        double a = m1.value("tessera_source_events_total", l);
        double b = m2.value("tessera_source_events_total", l);
        return Double.isNaN(b) ? 0 : Math.round(b - (Double.isNaN(a) ? 0 : a));
    }

    private static String trim(double d) {
        return Double.isNaN(d) ? "-" : d == Math.rint(d) ? Long.toString((long) d) : String.format(Locale.ROOT, "%.1f", d);
    }

    private static String get(HttpClient http, String url, String bearer) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
        if (bearer != null && !bearer.isBlank()) {
            b.header("Authorization", "Bearer " + bearer);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            throw new IllegalStateException(url + " wants a token with the read scope: pass --token or set " + StatusCommand.TOKEN_ENV);
        }
        if (r.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }
}
