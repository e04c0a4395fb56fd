package dev.tessera.cli;

import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import dev.tessera.runtime.StreamRuntime;
import dev.tessera.serving.Tokens;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tessera run}: the stream runtime over any Kafka cluster or an embedded broker, with the
 * online store in {@code --data}, and the HTTP API on {@code --port}; progress is printed every 10 s.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the stream runtime and the HTTP API: consume every source's topic, keep features in the online store, serve them.")
final class RunCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    static final class Kafka {
        @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", required = true,
                description = "Kafka cluster to consume from (topics must exist, with <topic>.dlq for dead letters).")
        String bootstrapServers;

        @Option(names = "--embedded-kafka", required = true,
                description = "Start an in-process Kafka broker (data in <data>/kafka) and create the topics.")
        boolean embedded;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Kafka kafka;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080",
            description = "HTTP port of the feature API. Default: ${DEFAULT-VALUE}")
    int port;

    @Mixin
    ServingOptions serving;

    @Mixin
    SchemaRegistryOptions registry;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "4",
            description = "Partitions of topics created by --embedded-kafka. Default: ${DEFAULT-VALUE}")
    int partitions;

    @Option(names = "--no-archive",
            description = "Do not archive events to Parquet in <data>/archive (the archive feeds backfills and training sets).")
    boolean noArchive;

    @Option(names = "--archive-commit-interval", paramLabel = "DURATION", defaultValue = "60s", converter = SecondsOrSpan.class,
            description = "How often archived events are committed to Parquet files (one file per partition and event hour"
                    + " per commit), e.g. 30s or 5m (a bare number is seconds). Default: ${DEFAULT-VALUE}")
    Duration archiveCommitInterval;

    @Option(names = "--redis", paramLabel = "URI",
            description = "Keep the online store in this Redis (standalone, redis://host:port) instead of <data>/store,"
                    + " so stateless `tessera serve` nodes can read it.")
    String redis;

    @Option(names = "--redis-namespace", paramLabel = "PREFIX", defaultValue = "tessera:",
            description = "Prefix of every key kept in Redis (tessera serve must use the same). Default: ${DEFAULT-VALUE}")
    String redisNamespace;

    @Mixin
    DurationOption duration;

    @Option(names = "--until-caught-up",
            description = "Stop once everything in the topics when it started is applied and committed (batch use, scripts).")
    boolean untilCaughtUp;

    @Spec
    CommandSpec spec;

    /** Counted down once the runtime, the store and the broker are closed (Ctrl-C waits for it). */
    private final CountDownLatch closed = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Definitions defs = common.definitions(spec.commandLine().getErr());
        if (defs == null) {
            return 1;
        }
        Files.createDirectories(common.data);
        Tokens tokens = serving.tokens();
        if (archiveCommitInterval.toMillis() < 1000) {
            spec.commandLine().getErr().println("--archive-commit-interval must be at least 1 second, got " + archiveCommitInterval.toMillis()
                    + " ms");
            return 2;
        }
        try (Tracing tracing = serving.tracing();
             Node node = Node.start(defs, common.features, common.data, kafka.embedded ? null : kafka.bootstrapServers,
                partitions, serving.host, port, tokens, noArchive ? null : archiveCommitInterval, serving.logResponses(0),
                registry.settings(), redis, redisNamespace, serving.monitoring(), tracing.otel())) {
            StreamRuntime rt = node.runtime;
            if (node.broker != null) {
                out.println("embedded Kafka at " + node.bootstrap + " (data in " + common.data.resolve("kafka") + ")");
            }
            out.println("consuming " + defs.sources().values().stream().map(Source::topic).toList() + " from "
                    + node.bootstrap + "; online store in " + (redis == null ? common.data.resolve("store")
                    : "Redis " + redis + " (keys under '" + redisNamespace + "')"));
            out.println(node.archivers == null ? "archive off (--no-archive)" : "archiving every source to " + node.archiveRoot
                    + " (Parquet, committed every " + archiveCommitInterval.toSeconds() + " s)");
            if (node.registryUrl != null) {
                out.println("schema registry (Confluent REST API) on " + node.registryUrl + " (schemas in "
                        + common.data.resolve("schema-registry") + ")");
            }
            out.println("serving on " + node.url() + (tokens.enabled() ? " (" + tokens.size() + " bearer tokens)"
                    : " (authentication off: configure --tokens-file or " + ServingOptions.TOKENS_ENV + ")"));
            out.flush();
            if (untilCaughtUp) {
                rt.awaitCaughtUp(Duration.ofHours(24));
                if (node.archivers != null) {
                    node.archivers.awaitCaughtUp(Duration.ofHours(24));
                }
                printCounters(out, defs, node);
                return 0;
            }
            StopSignal.waitForStop(closed, duration.durationSeconds, 10_000, () -> {
                Throwable failed = node.failure();
                if (failed != null) {
                    throw new dev.tessera.api.TesseraException((failed == rt.failure() ? "the runtime stopped: "
                            : "the archive stopped (run with --no-archive to go on without it): ") + failed.getMessage(), failed);
                }
                printCounters(out, defs, node);
            });
            out.println("stopping: committing and closing the store" + (node.archivers == null ? "" : " and the archive"));
            out.flush();
            return 0;
        } finally {
            closed.countDown();
        }
    }

    private static void printCounters(PrintWriter out, Definitions defs, Node node) {
        for (Source s : defs.sources().values()) {
            if (!defs.groupsOf(s).isEmpty()) {
                Map<String, Long> c = new LinkedHashMap<>(node.runtime.counters(s.name()));
                c.values().removeIf(v -> v == 0);
                out.println(s.name() + ": " + (c.isEmpty() ? "no events yet" : c.entrySet().stream()
                        .map(e -> String.format(Locale.ROOT, "%,d %s", e.getValue(), e.getKey().replace('_', ' ')))
                        .collect(java.util.stream.Collectors.joining(", "))));
            }
        }
        if (node.archivers != null) {
            out.println(ArchiveCommand.archivedLine(node.archivers));
        }
        out.flush();
    }

    /** A duration as the definitions write it ({@code 30s}, {@code 5m}), or a bare number of seconds (the older form). */
    static final class SecondsOrSpan implements picocli.CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            if (value.matches("\\d+")) {
                return Duration.ofSeconds(Long.parseLong(value));
            }
            try {
                return Duration.ofMillis(dev.tessera.api.TimeSpan.parse(value).millis());
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
