package dev.tessera.cli;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.LoadResult;
import dev.tessera.api.Source;
import dev.tessera.api.TesseraException;
import dev.tessera.core.io.Folders;
import dev.tessera.core.io.ProcessLock;
import dev.tessera.generator.ActiveKeys;
import dev.tessera.generator.CommerceSource;
import dev.tessera.generator.FraudPattern;
import dev.tessera.generator.FraudSighting;
import dev.tessera.generator.GeneratorConfig;
import dev.tessera.generator.LiveGeneration;
import dev.tessera.generator.LiveGenerator;
import dev.tessera.runtime.StreamRuntime;
import dev.tessera.serving.ServingServer;
import dev.tessera.serving.Tokens;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tessera demo}: everything in one process (SPEC §6) — the in-process Kafka broker, the
 * synthetic commerce world producing live events, the stream runtime and the HTTP API — then the
 * URL and three ready-to-paste curl commands with keys that are active right now. Ctrl-C stops it
 * cleanly (final commit, store and broker closed).
 *
 * <p>Definitions: {@code --features}, or {@code ./features} if it exists, else the repository's
 * {@code examples/commerce}. State lives in {@code <data>/demo} and is cleared at every start: the
 * live world restarts from its seed, and its event ids would otherwise be deduplicated against the
 * previous run's.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run everything in one process: embedded Kafka, the synthetic commerce world, the runtime and the HTTP API.")
final class DemoCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Mixin
    ServingOptions serving;

    @Mixin
    SchemaRegistryOptions registry;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080",
            description = "HTTP port of the API. Default: ${DEFAULT-VALUE}")
    int port;

    @Option(names = "--rate", paramLabel = "EVENTS_PER_S", defaultValue = "200",
            description = "Synthetic events per second. Default: ${DEFAULT-VALUE}")
    double rate;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
            description = "Seed of the synthetic world. Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--accounts", paramLabel = "N", defaultValue = "20000",
            description = "Accounts in the synthetic world. Default: ${DEFAULT-VALUE}")
    int accounts;

    @Option(names = "--score-rate", paramLabel = "SCORES_PER_S", defaultValue = "20",
            description = "Score this many active accounts a second through POST /v1/score/account_risk, as a client of the"
                    + " experiment would, so predictions are logged and tessera evaluate has data (0: off). Default: ${DEFAULT-VALUE}")
    int scoreRate;

    @Option(names = "--no-archive",
            description = "Do not archive events to Parquet (in <data>/demo/archive, committed every 10 s).")
    boolean noArchive;

    @Mixin
    DurationOption duration;

    @Spec
    CommandSpec spec;

    private final CountDownLatch closed = new CountDownLatch(1);

    /** Shorter than tessera run's 60 s, so files show up while the user looks. */
    static final java.time.Duration ARCHIVE_COMMIT_INTERVAL = java.time.Duration.ofSeconds(10);

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path features = featuresFolder();
        LoadResult loaded = DefinitionLoader.validate(features);
        if (!loaded.ok()) {
            ProblemReport.print(loaded.problems(), features, spec.commandLine().getErr());
            return 1;
        }
        Definitions defs = loaded.definitions();
        Path dir = common.data.resolve("demo");
        // nothing is deleted before both checks pass: a second demo on the same data would otherwise wipe
        // the running one's store, and a demo whose port is taken would wipe the last run's state for nothing
        try (ProcessLock lock = lockData(common.data)) {
            ServingServer.requireFree(serving.host, port);
            clear(dir);
            return run(out, defs, features, dir);
        }
    }

    private Integer run(PrintWriter out, Definitions defs, Path features, Path dir) throws Exception {
        boolean stopping = false;
        Tokens tokens = serving.tokens();
        out.println("Tessera demo: starting the in-process Kafka broker, the stream runtime and the HTTP API...");
        out.flush();
        try (Tracing tracing = serving.tracing();
             Node node = Node.start(defs, features, dir, null, 4, serving.host, port, tokens,
                noArchive ? null : ARCHIVE_COMMIT_INTERVAL, serving.logResponses(1), registry.settings(), null, null,
                serving.monitoring(), tracing.otel())) {
            DemoBroker.record(common.data, node.bootstrap, features);
            EnumSet<CommerceSource> generated = EnumSet.noneOf(CommerceSource.class);
            Map<String, String> topics = new LinkedHashMap<>();
            for (CommerceSource s : CommerceSource.values()) {
                defs.source(s.sourceName()).ifPresent(src -> {
                    generated.add(s);
                    topics.put(s.sourceName(), src.topic());
                });
            }
            if (generated.isEmpty()) {
                throw new TesseraException("the definitions in " + features + " have none of the sources the generator writes ("
                        + Stream.of(CommerceSource.values()).map(CommerceSource::sourceName).toList()
                        + "); run the demo on examples/commerce");
            }
            GeneratorConfig config = GeneratorConfig.liveBuilder().seed(seed).accounts(accounts).eventsPerSecond(rate)
                    .definitions(defs).sources(generated).build();
            try (LiveGeneration live = LiveGenerator.start(config, node.bootstrap, topics)) {
                String accountGroup = groupKeyedBy(defs, "account_id", "account_payments");
                String cardGroup = groupKeyedBy(defs, "card_fingerprint", "card_payments");
                Keys keys = pickKeys(node.runtime, live, accountGroup, cardGroup);
                printWelcome(out, node, defs, features, live, dir, keys, accountGroup, cardGroup);
                try (DemoScoring scoring = DemoScoring.start(node, live, scoreRate, out)) {
                    runUntilStopped(out, node, live);
                }
            }
            out.println("stopping: final commit" + (node.archivers == null ? "" : "s (store and archive)")
                    + ", then the store and the broker close");
            out.flush();
            stopping = true;
            return 0;
        } finally {
            if (stopping) { // the node is closed: everything is committed
                out.println("stopped; the demo's state stays in " + dir + " until the next demo starts (tessera training-set,"
                        + " consistency and evaluate read it with --data " + dir + ")");
                out.flush();
            }
            closed.countDown();
        }
    }

    /** {@code --features} when given; else ./features if it exists; else the repository's examples. */
    private Path featuresFolder() {
        boolean given = spec.commandLine().getParseResult().hasMatchedOption("--features");
        if (given || Files.isDirectory(common.features)) {
            return common.features;
        }
        List<Path> candidates = new ArrayList<>();
        String home = System.getenv("TESSERA_HOME");
        if (home != null) {
            candidates.add(Path.of(home, "examples", "commerce"));
        }
        candidates.add(Path.of("examples", "commerce"));
        for (Path p : candidates) {
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        throw new TesseraException("no definitions: ./" + common.features + " does not exist and examples/commerce was not found;"
                + " pass --features DIR");
    }

    /**
     * {@code <data>/demo.lock}, held while a demo runs on {@code <data>}: a second demo on the same data is
     * refused (with who holds it) instead of deleting the first one's state under it.
     */
    private static ProcessLock lockData(Path data) throws IOException {
        Files.createDirectories(data);
        Path file = data.resolve("demo.lock");
        ProcessLock lock = ProcessLock.tryAcquire(file, "tessera demo");
        if (lock == null) {
            throw new TesseraException("another tessera demo is running with --data " + data + " (" + ProcessLock.holder(file)
                    + "); stop it first, or give this one its own folder: --data <dir>");
        }
        return lock;
    }

    private static void clear(Path dir) throws IOException {
        Folders.deleteTree(dir);
        Files.createDirectories(dir);
    }

    /** Keys to print: active in the generator and already holding values in the runtime. */
    private record Keys(String account, String secondAccount, String card) {}

    /**
     * Waits (at most 30 s) until the generator's most active accounts have payments applied, so the
     * printed commands show values from the first call, and picks those keys.
     */
    private static Keys pickKeys(StreamRuntime rt, LiveGeneration live, String accountGroup, String cardGroup)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Keys best = null;
        while (live.running()) {
            ActiveKeys active = live.activeKeys(20);
            List<String> accounts = withValues(rt, accountGroup, active.accounts());
            List<String> cards = withValues(rt, cardGroup, active.cards());
            if (!accounts.isEmpty()) {
                best = new Keys(accounts.get(0), accounts.size() > 1 ? accounts.get(1) : accounts.get(0),
                        cards.isEmpty() ? null : cards.get(0));
                if (accounts.size() > 1 && !cards.isEmpty()) {
                    return best;
                }
            }
            if (System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(250);
        }
        if (best != null) {
            return best;
        }
        ActiveKeys active = live.activeKeys(2);
        String a = active.accounts().isEmpty() ? "a-1" : active.accounts().get(0);
        return new Keys(a, active.accounts().size() > 1 ? active.accounts().get(1) : a,
                active.cards().isEmpty() ? null : active.cards().get(0));
    }

    /** The account's {@code declined_count_1h} as served now; 0 when the group has no such feature or the account no value. */
    private static long declinedLastHour(StreamRuntime rt, String group, String account) {
        if (!rt.reader().groups().contains(group)) {
            return 0;
        }
        Object v = rt.reader().read(group, List.of(account), System.currentTimeMillis()).asMap().get("declined_count_1h");
        return v instanceof Number n ? n.longValue() : 0;
    }

    private static List<String> withValues(StreamRuntime rt, String group, List<String> keys) {
        List<String> out = new ArrayList<>();
        if (!rt.reader().groups().contains(group)) {
            return out;
        }
        long now = System.currentTimeMillis();
        for (String k : keys) {
            if (rt.reader().read(group, List.of(k), now).found()) {
                out.add(k);
            }
        }
        return out;
    }

    private void printWelcome(PrintWriter out, Node node, Definitions defs, Path features, LiveGeneration live, Path dir,
                              Keys keys, String accountGroup, String cardGroup) {
        String url = node.url();
        String account = keys.account();
        String card = keys.card();
        String service = defs.services().isEmpty() ? null : defs.services().keySet().iterator().next();
        FraudSighting testing = live.latestFraud().get(FraudPattern.CARD_TESTING);

        out.println();
        out.println("Tessera is running.");
        out.println("  definitions  " + features + " (" + defs.groups().size() + " feature groups, "
                + defs.services().size() + " services)");
        out.println("  kafka        in-process at " + node.bootstrap + ", topics " + defs.sources().values().stream().map(Source::topic).toList());
        out.println("  generator    " + (long) rate + " events/s, " + accounts + " accounts, seed " + seed
                + "; fraud patterns and deliberate disorder (late, duplicate, malformed, future events)");
        out.println("  state        " + dir + " (cleared at every demo start)");
        out.println("  archive      " + (node.archivers == null ? "off (--no-archive)" : node.archiveRoot
                + "/<source>/dt=*/hour=*/*.parquet, committed every " + ARCHIVE_COMMIT_INTERVAL.toSeconds() + " s"));
        out.println("  console      " + url + "/   (catalog, lineage, source charts, quality, models, live lookup)");
        out.println("  API          " + url + "   (catalog: " + url + "/v1/features, health: " + url + "/health, metrics: "
                + url + "/metrics)");
        out.println();
        out.println("Try these while events flow (values change as you repeat them):");
        out.println();
        out.println("  # every feature of one busy account");
        out.println("  curl -s " + url + "/v1/features/" + accountGroup + "/" + account);
        if (service != null) {
            out.println();
            out.println("  # what the " + service + " model reads, for two accounts at once");
            String second = keys.secondAccount();
            out.println("  curl -s " + url + "/v1/features -H 'content-type: application/json' \\");
            out.println("       -d '{\"service\": \"" + service + "\", \"entities\": [{\"account_id\": \"" + account
                    + "\"}, {\"account_id\": \"" + second + "\"}]}'");
        }
        if (node.scoring != null && node.scoring.registry().names().contains("account_risk")) {
            out.println();
            String x = node.scoring.registry().experimentOf("account_risk").map(e -> " (experiment " + e.name() + ": the variant"
                    + " depends on the account)").orElse("");
            out.println("  # the account's risk score" + x);
            out.println("  curl -s " + url + "/v1/score/account_risk -H 'content-type: application/json' \\");
            out.println("       -d '{\"entity\": {\"account_id\": \"" + account + "\"}}'");
        }
        out.println();
        // a sighting may come from the ring's login, before its payments (10-60 s later): show it once it has values
        // and only while its declined payments of the last hour show it (a reused mule's sighting may be its login)
        if (testing != null && testing.accountId() != null && declinedLastHour(node.runtime, accountGroup, testing.accountId()) > 0) {
            out.println("  # an account the generator is using for card testing right now: watch declined_count_1h");
            out.println("  curl -s " + url + "/v1/features/" + accountGroup + "/" + testing.accountId());
        } else if (card != null) {
            out.println("  # one card across accounts");
            out.println("  curl -s " + url + "/v1/features/" + cardGroup + "/" + card);
        }
        out.println();
        out.println("Ctrl-C stops the demo. A status line follows every 10 s.");
        out.flush();
    }

    private static String groupKeyedBy(Definitions defs, String keyField, String preferred) {
        if (defs.group(preferred).isPresent()) {
            return preferred;
        }
        return defs.groups().values().stream().filter(g -> defs.entityOf(g).keys().equals(List.of(keyField)))
                .map(g -> g.name()).findFirst().orElse(preferred);
    }

    private void runUntilStopped(PrintWriter out, Node node, LiveGeneration live) throws Exception {
        StreamRuntime rt = node.runtime;
        StopSignal.waitForStop(closed, duration.durationSeconds, 10_000, () -> {
            if (rt.failure() != null) {
                throw new TesseraException("the runtime stopped: " + rt.failure().getMessage(), rt.failure());
            }
            if (node.failure() != null) {
                throw new TesseraException("the archive stopped (run with --no-archive to go on without it): "
                        + node.failure().getMessage(), node.failure());
            }
            if (live.failure() != null) {
                throw new TesseraException("the generator stopped: " + live.failure().getMessage(), live.failure());
            }
            out.println(statusLine(rt) + archiveStatus(node));
            out.flush();
        });
    }

    private static String archiveStatus(Node node) {
        if (node.archivers == null) {
            return "";
        }
        long rows = 0;
        long files = 0;
        for (var a : node.archivers.all()) {
            rows += a.rowsCommitted();
            files += a.filesCommitted();
        }
        return String.format(" | archive %,d events in %,d files", rows, files);
    }

    static String statusLine(StreamRuntime rt) {
        StringBuilder sb = new StringBuilder();
        long now = System.currentTimeMillis();
        for (String s : rt.sources()) {
            Map<String, Long> c = rt.counters(s);
            long rejected = 0;
            for (Map.Entry<String, Long> e : c.entrySet()) {
                if (!e.getKey().equals("in") && !e.getKey().equals("accepted") && !e.getKey().equals("non_finite_value")) {
                    rejected += e.getValue();
                }
            }
            long newest = rt.newestEventTime(s);
            if (sb.length() > 0) {
                sb.append(" | ");
            }
            sb.append(s).append(' ').append(String.format("%,d", c.getOrDefault("accepted", 0L))).append(" applied");
            if (rejected > 0) {
                sb.append(", ").append(String.format("%,d", rejected)).append(" rejected");
            }
            if (newest != Long.MIN_VALUE) {
                sb.append(", freshness ").append(Math.max(0, now - newest)).append(" ms");
            }
        }
        return sb.toString();
    }
}
