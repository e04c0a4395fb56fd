package dev.tessera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The acceptance, as a user does it: {@code tessera demo} prints a URL and curl commands;
 * running those commands returns non-trivial values, and running them again later returns values
 * that changed as events flowed. The commands are taken from the printed text, not built here.
 */
class DemoCommandTest {
    private static final Pattern GET = Pattern.compile("^\\s+curl -s (http://\\S+)$", Pattern.MULTILINE);
    private static final Pattern POST = Pattern.compile("^\\s+curl -s (http://\\S+) -H 'content-type: application/json' \\\\\\R\\s+-d '(.*)'$",
            Pattern.MULTILINE);

    @TempDir
    Path tmp;

    /** A demo whose port is taken stops with what to do, and leaves the last run's state alone. */
    @Test
    void aTakenPortIsRefusedBeforeTheLastRunsStateIsCleared() throws Exception {
        Path kept = java.nio.file.Files.createDirectories(tmp.resolve("demo")).resolve("from-the-last-run");
        java.nio.file.Files.writeString(kept, "x");
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            CommandLineTest.Run run = CommandLineTest.tessera("demo", "--features", ImportCommandTest.EXAMPLES.toString(), "--data", tmp.toString(), "--port",
                    Integer.toString(taken.getLocalPort()));
            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.err()).contains("port " + taken.getLocalPort(), "already in use", "--port");
        }
        assertThat(kept).exists();
    }

    /** A second demo on the data of a running one is refused instead of deleting the running one's store. */
    @Test
    void aSecondDemoOnTheSameDataIsRefused() throws Exception {
        Path kept = java.nio.file.Files.createDirectories(tmp.resolve("demo")).resolve("the-running-demos-store");
        java.nio.file.Files.writeString(kept, "x");
        try (dev.tessera.core.io.ProcessLock running = dev.tessera.core.io.ProcessLock.tryAcquire(tmp.resolve("demo.lock"), "tessera demo")) {
            CommandLineTest.Run run = CommandLineTest.tessera("demo", "--features", ImportCommandTest.EXAMPLES.toString(), "--data", tmp.toString(), "--port", "0");
            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.err()).contains("another tessera demo is running with --data " + tmp, "--data <dir>");
        }
        assertThat(kept).exists();
    }

    @Test
    void thePrintedCurlCommandsShowValuesThatChangeAsEventsFlow() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = TesseraCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        CompletableFuture<Integer> demo = CompletableFuture.supplyAsync(() -> cli.execute("demo", "--port", "0",
                "--data", tmp.toString(), "--features", Path.of("..", "examples", "commerce").toString(),
                "--rate", "400", "--duration", "25"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!out.toString().contains("Ctrl-C stops the demo") && !demo.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        String printed = out.toString();
        assertThat(printed).as("demo output; stderr: %s", err).contains("Tessera is running.", "Ctrl-C stops the demo");

        List<HttpRequest> requests = new ArrayList<>();
        Matcher get = GET.matcher(printed);
        while (get.find()) {
            requests.add(HttpRequest.newBuilder(URI.create(get.group(1))).GET().build());
        }
        Matcher post = POST.matcher(printed);
        while (post.find()) {
            requests.add(HttpRequest.newBuilder(URI.create(post.group(1))).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(post.group(2))).build());
        }
        assertThat(requests).as("curl commands in:%n%s", printed).hasSize(4);
        assertThat(requests).as("one scores an account").anySatisfy(r -> assertThat(r.uri().getPath()).isEqualTo("/v1/score/account_risk"));

        // tessera tail next to the demo finds its broker and definitions
        CommandLineTest.Run tail = CommandLineTest.tessera("tail", "--data", tmp.toString(), "--source", "payments", "-n", "2");
        assertThat(tail.exit()).as(tail.err()).isZero();
        assertThat(tail.out()).contains("the last 2 records of commerce.payments", "read:");

        HttpClient http = HttpClient.newHttpClient();
        ObjectMapper json = new ObjectMapper();
        // the console, and the node's history behind its source charts (sampled at once, then every 5 s)
        Matcher console = Pattern.compile("^\\s+console\\s+(http://\\S+/)\\s", Pattern.MULTILINE).matcher(printed);
        assertThat(console.find()).as("the console's URL in:%n%s", printed).isTrue();
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(console.group(1))).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        JsonNode history = json.readTree(http.send(HttpRequest.newBuilder(URI.create(console.group(1) + "v1/history")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body());
        List<String> sampled = new ArrayList<>();
        history.get("sources").fieldNames().forEachRemaining(sampled::add);
        assertThat(sampled).containsExactly("payments", "logins", "signups");
        assertThat(history.get("sources").get("payments")).isNotEmpty();
        List<JsonNode> first = new ArrayList<>();
        for (HttpRequest r : requests) {
            HttpResponse<String> res = http.send(r, HttpResponse.BodyHandlers.ofString());
            assertThat(res.statusCode()).as("%s -> %s", r.uri(), res.body()).isEqualTo(200);
            JsonNode body = json.readTree(res.body());
            assertThat(nonZeroValues(body)).as("non-trivial values from %s: %s", r.uri(), res.body()).isPositive();
            if (body.has("score")) { // the experiment's variant of account_risk, scored on the account's features
                assertThat(body.get("score").asDouble()).isBetween(0.0, 1.0);
                assertThat(body.get("variant").asText()).isIn("control", "trees_v2");
            }
            first.add(body);
        }
        boolean changed = false;
        while (!changed && !demo.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(2_000);
            for (int i = 0; i < requests.size(); i++) {
                JsonNode now = json.readTree(http.send(requests.get(i), HttpResponse.BodyHandlers.ofString()).body());
                changed |= !features(now).equals(features(first.get(i)));
            }
        }
        assertThat(changed).as("some printed command returns different values later").isTrue();
        assertThat(demo.get(120, TimeUnit.SECONDS)).as("exit code; stderr: %s", err).isZero();
        assertThat(out.toString()).contains("stopping: final commit");
        // the archive is on by default: committed Parquet files of the generated events
        dev.tessera.offline.archive.ArchiveReader archive = dev.tessera.offline.archive.ArchiveReader.open(
                tmp.resolve("demo").resolve("archive"), "payments");
        assertThat(archive.files()).isNotEmpty();
        assertThat(archive.count()).isPositive();
    }

    private static JsonNode features(JsonNode body) {
        return body.has("results") ? body.get("results") : body.has("features_used") ? body.get("features_used") : body.get("features");
    }

    /** Feature values that are neither 0, null, nor empty, over one entity or a batch. */
    private static int nonZeroValues(JsonNode body) {
        int n = 0;
        List<JsonNode> entities = new ArrayList<>();
        if (body.has("results")) {
            body.get("results").forEach(r -> entities.add(r.get("features")));
        } else {
            entities.add(features(body));
        }
        for (JsonNode f : entities) {
            for (Iterator<JsonNode> it = f.elements(); it.hasNext(); ) {
                JsonNode v = it.next();
                if (!v.isNull() && !(v.isNumber() && v.asDouble() == 0) && !(v.isArray() && v.isEmpty())) {
                    n++;
                }
            }
        }
        return n;
    }
}
