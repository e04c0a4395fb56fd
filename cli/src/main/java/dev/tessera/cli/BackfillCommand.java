package dev.tessera.cli;

import dev.tessera.api.Definitions;
import dev.tessera.api.TesseraException;
import dev.tessera.offline.archive.ArchiveReader;
import dev.tessera.offline.backfill.Backfill;
import dev.tessera.core.io.ProcessLock;
import dev.tessera.store.RedisTileStore;
import dev.tessera.store.RocksDbTileStore;
import dev.tessera.store.TileStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tessera backfill}: a group's tiles from the archive into the online store (ADR 009). */
@Command(name = "backfill", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compute a feature group's tiles from the archive with the same core as the stream and load them into"
                + " the online store (<data>/store, or the Redis of tessera run --redis) — e.g. after adding a feature, or after"
                + " tessera import.",
            "Replaces tiles rather than adding to them, and takes from the archive only the records the stream has already"
                    + " consumed (the rest it applies when it resumes): nothing counts twice, and running it again changes nothing.",
            "Stop tessera run/demo on the same --data first."},
        footer = {"%nExamples:",
            "  tessera backfill --features examples/commerce --group account_payments",
            "  tessera backfill --group account_payments --from 2026-11-01 --to 2026-11-20",
            "  tessera backfill --group account_payments --redis redis://127.0.0.1:6379   (after tessera run --redis)"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:backfilled", "1:bad definitions, unknown group, store in use, archive behind the stream (printed)",
            "2:invalid command line"})
final class BackfillCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Mixin
    OfflineRegistryOption registry;

    @Option(names = "--group", paramLabel = "GROUP", required = true, description = "The feature group to backfill.")
    String group;

    @Option(names = "--from", paramLabel = "YYYY-MM-DD", description = "First day (UTC) whose tiles are replaced. Default: all.")
    LocalDate from;

    @Option(names = "--to", paramLabel = "YYYY-MM-DD", description = "Day (UTC) before which tiles are replaced (exclusive). Default: no end.")
    LocalDate to;

    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    @Option(names = "--redis", paramLabel = "URI",
            description = "The online store is this Redis (what tessera run --redis used on this --data), not <data>/store.")
    String redis;

    @Option(names = "--redis-namespace", paramLabel = "PREFIX", defaultValue = "tessera:",
            description = "Prefix of the keys in Redis, as tessera run --redis-namespace had it. Default: ${DEFAULT-VALUE}")
    String redisNamespace;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Definitions defs = common.definitions(err);
        if (defs == null) {
            return 1;
        }
        var g = defs.group(group);
        if (g.isEmpty()) {
            throw new TesseraException(unknownGroup(defs));
        }
        String source = defs.sourceOf(g.get()).name();
        var last = OnlineStoreMarker.read(common.data);
        if (redis == null && last.isPresent() && last.get().redis()) {
            err.println("tessera run on " + common.data + " keeps its online store in Redis " + last.get().uri() + " (keys under '"
                    + last.get().namespace() + "'), not in " + common.data.resolve("store") + ": pass the same address, e.g."
                    + " tessera backfill --group " + group + " --redis " + last.get().uri().replace("***@", "")
                    + " --redis-namespace " + last.get().namespace());
            return 1;
        }
        if (redis != null && last.isPresent() && last.get().redis() && !redisNamespace.equals(last.get().namespace())) {
            err.println("tessera run on " + common.data + " kept its keys under '" + last.get().namespace() + "', not '"
                    + redisNamespace + "': pass --redis-namespace " + last.get().namespace());
            return 1;
        }
        Path storeDir = common.data.resolve("store");
        if (redis == null && !Files.isDirectory(storeDir)) {
            // e.g. right after tessera import: the stream has consumed nothing, so every Kafka record stays the stream's
            out.println("no online store at " + storeDir + " yet: creating it; tessera run on this --data starts from it");
        }
        ArchiveReader archive = ArchiveReader.open(common.data.resolve("archive"), source);
        Map<Integer, Long> next = archive.nextOffsets();
        long[] archived = new long[next.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1];
        Arrays.fill(archived, -1);
        next.forEach((p, o) -> archived[p] = o);
        ProgressBar bar = new ProgressBar(err, !noProgress && System.console() != null);
        long start = System.nanoTime();
        Backfill.Report r;
        ProcessLock lock = null;
        if (redis != null) {
            lock = OnlineStoreMarker.tryLock(common.data, "tessera backfill --group " + group);
            if (lock == null) {
                err.println("the online store of " + common.data + " is in use by " + OnlineStoreMarker.holder(common.data)
                        + ": stop tessera run on this --data first (a backfill replaces tiles the runtime writes)");
                return 1;
            }
            out.println("online store: Redis " + OnlineStoreMarker.redacted(redis) + " (keys under '" + redisNamespace + "')");
        }
        try (ProcessLock held = lock;
             TileStore store = redis != null ? RedisTileStore.open(redis, redisNamespace) : RocksDbTileStore.open(storeDir)) {
            Backfill.Options o = Backfill.Options.of(group, common.data.resolve("tmp"));
            if (from != null || to != null) {
                o = o.withRange(from, to);
            }
            r = new Backfill(defs, common.features, store, registry.open(defs, common.data)).run(o, archive, archived,
                    (phase, done, total) -> bar.update(phase.equals("archive") ? 0.0 : 0.5 + 0.5 * done / Math.max(1, total)));
        }
        bar.done();
        out.printf(Locale.ROOT, "backfilled %s%s in %.1f s: %,d archived events applied, %,d entities written, %,d removed;"
                        + " %,d newer events left to the stream (it applies them when it resumes)%n",
                group, from == null && to == null ? "" : " for [" + (from == null ? "start" : from) + ", " + (to == null ? "end" : to) + ")",
                (System.nanoTime() - start) / 1e9, r.eventsApplied(), r.entitiesWritten(), r.entitiesRemoved(), r.eventsLeft());
        for (String w : r.absentFields()) {
            err.println("warning: " + w);
        }
        if (r.undecodable() > 0) {
            out.printf(Locale.ROOT, "%,d archived events no longer decode with the current definitions and were skipped%n", r.undecodable());
        }
        return 0;
    }

    private String unknownGroup(Definitions defs) {
        return "unknown feature group '" + group + "'; " + dev.tessera.api.ClosestNames.hint(group, defs.groups().keySet(), "groups");
    }
}
