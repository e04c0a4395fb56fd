package dev.tessera.cli;

import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import dev.tessera.api.SourceFormat;
import dev.tessera.api.TesseraException;
import dev.tessera.offline.archive.ArchiveConfig;
import dev.tessera.offline.archive.Archivers;
import dev.tessera.schemas.SchemaRegistry;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tessera archive}: the event archive alone (ADR 008), for deployments whose features the
 * Flink job computes: every source's events to Parquet in {@code <data>/archive}, exactly once, as
 * {@code tessera run} archives them, so training sets, backfills and consistency checks have the
 * events there too.
 */
@Command(name = "archive", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Archive every source's events from a Kafka cluster to Parquet (<data>/archive), exactly once, with no"
                + " runtime: for deployments where the Flink job computes the features, so that training-set, backfill and"
                + " consistency have the events. tessera run and demo archive by themselves."},
        footer = {"%nExamples:",
            "  tessera archive --features examples/commerce --data /shared/tessera --bootstrap-servers kafka:9092",
            "  tessera archive --bootstrap-servers kafka:9092 --commit-interval 5m"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped (Ctrl-C, --duration or --until-caught-up)", "1:bad definitions, archive in use, the archive failed",
            "2:invalid command line"})
final class ArchiveCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", required = true, description = "The Kafka cluster to read.")
    String bootstrapServers;

    @Option(names = "--schema-registry", paramLabel = "URL",
            description = "The Schema Registry avro-confluent sources are written with (a bearer token for it from"
                    + " TESSERA_SCHEMA_REGISTRY_TOKEN).")
    String schemaRegistry;

    @Option(names = "--commit-interval", paramLabel = "DURATION", defaultValue = "60s", converter = RunCommand.SecondsOrSpan.class,
            description = "How often archived events are committed to Parquet files (one file per partition and event hour per"
                    + " commit). Default: ${DEFAULT-VALUE}")
    Duration commitInterval;

    @Mixin
    DurationOption duration;

    @Option(names = "--until-caught-up",
            description = "Stop once everything in the topics when it started is archived and committed (batch use, scripts).")
    boolean untilCaughtUp;

    @Spec
    CommandSpec spec;

    private final CountDownLatch closed = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Definitions defs = common.definitions(err);
        if (defs == null) {
            return 1;
        }
        if (commitInterval.toMillis() < 1000) {
            err.println("--commit-interval must be at least 1 second, got " + commitInterval.toMillis() + " ms");
            return 2;
        }
        List<String> avro = defs.sources().values().stream().filter(s -> s.format() == SourceFormat.AVRO_CONFLUENT)
                .map(Source::name).toList();
        if (!avro.isEmpty() && schemaRegistry == null) {
            err.println("source" + (avro.size() == 1 ? " " : "s ") + String.join(", ", avro) + " " + (avro.size() == 1 ? "is" : "are")
                    + " avro-confluent: pass --schema-registry URL, the registry its producers write their schemas to");
            return 2;
        }
        SchemaRegistry registry = schemaRegistry == null ? null : Registries.external(schemaRegistry);
        Files.createDirectories(common.data);
        try (Archivers archivers = Archivers.start(defs, common.features, common.data.resolve("archive"),
                ArchiveConfig.defaults(bootstrapServers).withCommitInterval(commitInterval).withSchemaRegistry(registry))) {
            out.println("archiving " + defs.sources().values().stream().map(Source::topic).toList() + " from " + bootstrapServers
                    + " to " + common.data.resolve("archive") + " (Parquet, committed every " + commitInterval.toSeconds() + " s)"
                    + (untilCaughtUp ? "" : "; Ctrl-C to stop"));
            out.flush();
            if (untilCaughtUp) {
                archivers.awaitCaughtUp(Duration.ofHours(24));
                printArchived(out, archivers);
                return 0;
            }
            StopSignal.waitForStop(closed, duration.durationSeconds, 10_000, () -> {
                if (archivers.failure() != null) {
                    throw new TesseraException("the archive stopped: " + archivers.failure().getMessage(), archivers.failure());
                }
                printArchived(out, archivers);
            });
            out.println("stopping: committing the archive");
            out.flush();
            return 0;
        } finally {
            closed.countDown();
        }
    }

    private static void printArchived(PrintWriter out, Archivers archivers) {
        out.println(archivedLine(archivers));
        out.flush();
    }

    /** {@code archived: 1,200 payments, 300 logins}: rows committed per source. */
    static String archivedLine(Archivers archivers) {
        return "archived: " + archivers.all().stream().map(a -> String.format(Locale.ROOT, "%,d %s", a.rowsCommitted(), a.source()))
                .collect(Collectors.joining(", "));
    }
}
