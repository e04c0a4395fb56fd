package dev.tessera.offline.imports;

import static dev.tessera.offline.imports.ImportWorld.HOUR;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.Aggregation;
import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.core.oracle.NaiveOracle;
import dev.tessera.core.oracle.OracleAssertions;
import dev.tessera.offline.archive.ArchiveReader;
import dev.tessera.offline.backfill.Backfill;
import dev.tessera.offline.imports.ImportWorld.Row;
import dev.tessera.offline.training.TrainingSetBuilder;
import dev.tessera.runtime.RuntimeConfig;
import dev.tessera.runtime.StreamRuntime;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.store.RocksDbTileStore;
import dev.tessera.store.TileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bootstrapping a group from a dump (issue 6): import a history, backfill the group from the archive
 * into the online store, and build a training set from the archive. The values served after the
 * backfill and the values of the training set equal the naive oracle over the imported events (each
 * once: duplicates and bad rows of the dump count nowhere).
 */
class ImportThenBackfillTest {
    static final long D = 24 * HOUR;

    @TempDir
    Path tmp;

    @Test
    void importedHistoryIsWhatBackfillServesAndTrainingSetsJoin() throws Exception {
        long now = System.currentTimeMillis();
        Path defsDir = ImportWorld.writeDefinitions(tmp.resolve("features"));
        Definitions defs = DefinitionLoader.load(defsDir);
        Path data = tmp.resolve("data");
        Path root = data.resolve("archive");
        Path file = tmp.resolve("history.jsonl");
        List<Row> rows = ImportWorld.writeJsonl(file, ImportWorld.items(new Random(31), 3_000, now - 6 * D, now - HOUR, "h-",
                ImportWorld.JSONL_BAD), now);
        List<Row> kept = ImportWorld.expected(rows, List.of()).kept();
        new Importer(defs, defsDir, root).run(Importer.Options.of("payments", List.of(file), data.resolve("tmp"))
                .withMaxRecordBytes(ImportWorld.MAX_RECORD_BYTES).withClock(() -> now), Importer.Progress.NONE);

        Map<String, List<NaiveOracle.Ev>> byAccount = new HashMap<>();
        for (Row r : kept) {
            if (r.pay().account() != null) {
                Map<String, Object> f = new HashMap<>();
                f.put("amount", r.pay().amount());
                f.put("status", r.pay().status());
                byAccount.computeIfAbsent(r.pay().account(), a -> new ArrayList<>()).add(new NaiveOracle.Ev(r.pay().time(), r.pay().id(), f));
            }
        }
        Map<String, NaiveOracle.Spec> specs = new LinkedHashMap<>();
        specs.put("payment_count_1d", new NaiveOracle.Spec("count", null, e -> true, D, HOUR, 0));
        specs.put("payment_count_7d", new NaiveOracle.Spec("count", null, e -> true, 7 * D, HOUR, 0));
        specs.put("amount_sum_1d", new NaiveOracle.Spec("sum", "amount", e -> true, D, HOUR, 0));
        specs.put("amount_sum_7d", new NaiveOracle.Spec("sum", "amount", e -> true, 7 * D, HOUR, 0));
        specs.put("last_status", new NaiveOracle.Spec("last", "status", e -> true, 0, 0, 0));

        // backfill into an online store no stream has written yet
        Path storeDir = data.resolve("store");
        try (TileStore store = RocksDbTileStore.open(storeDir)) {
            Backfill.Report r = new Backfill(defs, defsDir, store).run(Backfill.Options.of("account_payments", data.resolve("tmp")),
                    ArchiveReader.open(root, "payments"), new long[0], Backfill.Progress.NONE);
            assertThat(r.eventsApplied()).isEqualTo(byAccount.values().stream().mapToLong(List::size).sum());
            assertThat(r.entitiesWritten()).isEqualTo(byAccount.size());
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
            kafka.createTopics(Map.of(ImportWorld.TOPIC, 1, ImportWorld.TOPIC + ".dlq", 1));
            try (TileStore store = RocksDbTileStore.open(storeDir);
                 StreamRuntime rt = StreamRuntime.start(defs, defsDir, store, RuntimeConfig.defaults(kafka.bootstrapServers()))) {
                rt.awaitCaughtUp(Duration.ofSeconds(60));
                for (var account : byAccount.entrySet()) {
                    Map<String, Object> served = rt.reader().read("account_payments", List.of(account.getKey()), now).asMap();
                    for (var s : specs.entrySet()) {
                        OracleAssertions.assertMatches(Aggregation.fromYaml(s.getValue().agg()).orElseThrow(), 0.5, 0,
                                "served " + account.getKey() + "." + s.getKey(), served.get(s.getKey()),
                                NaiveOracle.value(s.getValue(), account.getValue(), now));
                    }
                }
            }
        }

        // a training set over the archive: three rows per account, one for an account with no history
        StringBuilder spine = new StringBuilder("account_id,ts,label\n");
        List<String[]> spineRows = new ArrayList<>();
        for (String account : new TreeSet<>(byAccount.keySet())) {
            for (long ts : new long[] {now - 4 * D + 1, now - 2 * D - 7, now}) {
                spineRows.add(new String[] {account, Long.toString(ts)});
            }
        }
        spineRows.add(new String[] {"acct-none", Long.toString(now)});
        for (String[] s : spineRows) {
            spine.append(s[0]).append(',').append(s[1]).append(",y\n");
        }
        Path spineFile = Files.writeString(tmp.resolve("spine.csv"), spine);
        Path out = tmp.resolve("train.csv");
        TrainingSetBuilder.Report report = new TrainingSetBuilder(defs, defsDir, src -> ArchiveReader.open(root, src.name()))
                .build(TrainingSetBuilder.Options.of(spineFile, "account_view", out, data.resolve("tmp")), TrainingSetBuilder.Progress.NONE);
        assertThat(report.rows()).isEqualTo(spineRows.size());
        List<String> lines = Files.readAllLines(out);
        List<String> header = List.of(lines.get(0).split(",", -1));
        int nonZero = 0;
        for (int i = 0; i < spineRows.size(); i++) {
            String[] cells = lines.get(i + 1).split(",", -1);
            String account = cells[header.indexOf("account_id")];
            long ts = Long.parseLong(cells[header.indexOf("ts")]);
            for (var s : specs.entrySet()) {
                String cell = cells[header.indexOf("account_payments__" + s.getKey())];
                Object expected = NaiveOracle.value(s.getValue(), byAccount.getOrDefault(account, List.of()), ts);
                Object actual = cell.isEmpty() ? null : s.getKey().equals("last_status") ? cell
                        : s.getKey().startsWith("amount") ? (Object) Double.parseDouble(cell) : (Object) Long.parseLong(cell);
                if (expected instanceof Long l && s.getKey().startsWith("amount")) {
                    expected = l.doubleValue(); // an empty sum is 0
                }
                OracleAssertions.assertMatches(Aggregation.fromYaml(s.getValue().agg()).orElseThrow(), 0.5, 0,
                        "training row " + i + " " + s.getKey(), actual, expected);
                if (s.getKey().equals("payment_count_7d") && !"0".equals(cell)) {
                    nonZero++;
                }
            }
        }
        assertThat(nonZero).as("the history shows in the training set").isGreaterThan(spineRows.size() / 2);
    }
}
