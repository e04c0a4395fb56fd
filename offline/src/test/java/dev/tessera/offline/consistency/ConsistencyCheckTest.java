package dev.tessera.offline.consistency;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.core.oracle.NaiveOracle;
import dev.tessera.offline.training.TrainingWorld;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consistency check against a log whose "online" values are the naive oracle's: it finds no
 * mismatch where the log is right and exactly the values planted wrong, with examples.
 */
class ConsistencyCheckTest {
    @TempDir
    Path dir;
    static final ObjectMapper JSON = new ObjectMapper();

    static final String EXACT_SERVICE = """
            ---
            kind: FeatureService
            name: exact
            features: [account_payments.payment_count_1h, account_payments.amount_sum_1d, account_payments.recent_cards_1d,
                       account_payments.last_country, account_logins.login_count_10m, card_payments.card_count_1h]
            """;

    /** A generated world and the definitions with the {@code exact} service. */
    private record World(TrainingWorld world, Path defsDir, Definitions defs) {
        ConsistencyCheck check() {
            return new ConsistencyCheck(defs, defsDir, src -> world.scan(src.name()));
        }
    }

    private World world(long seed, int payments, int logins) throws java.io.IOException {
        TrainingWorld world = new TrainingWorld(seed, 20);
        world.generate(payments, logins);
        Path defsDir = TrainingWorld.writeDefinitions(dir.resolve("features"), EXACT_SERVICE);
        return new World(world, defsDir, DefinitionLoader.load(defsDir));
    }

    /** A value the oracle would not give: what a planted mismatch logs. */
    private static Object wrong(Object v) {
        return v instanceof Long l ? (Object) (l + 1) : v instanceof List<?> ? List.of("card-999") : v == null ? "X" : v + "?";
    }

    @Test
    void findsExactlyThePlantedMismatches() throws Exception {
        World w = world(21, 1200, 500);
        TrainingWorld world = w.world();
        Random rnd = new Random(3);
        StringBuilder log = new StringBuilder();
        int planted = 0;
        int lines = 0;
        Map<String, Integer> plantedByFeature = new LinkedHashMap<>();
        for (int i = 0; i < 300; i++) {
            long ts = world.time();
            boolean card = rnd.nextInt(4) == 0;
            String group = card ? "card_payments" : rnd.nextBoolean() ? "account_payments" : "account_logins";
            String keyField = card ? "card" : "account_id";
            String key = card ? "card-" + rnd.nextInt(12) : world.account();
            String source = group.equals("account_logins") ? "logins" : "payments";
            List<NaiveOracle.Ev> evs = world.eventsOf(source, keyField, key);
            ObjectNode line = JSON.createObjectNode();
            line.put("ts", ts);
            line.put("group", group);
            line.putObject("entity").put(keyField, key);
            ObjectNode features = line.putObject("features");
            for (var s : TrainingWorld.specs(group).entrySet()) {
                Object v = NaiveOracle.value(s.getValue(), evs, ts);
                boolean inService = EXACT_SERVICE.contains(group + "." + s.getKey() + ",") || EXACT_SERVICE.contains(group + "." + s.getKey() + "]");
                if (!inService && !List.of("count", "sum", "last_k", "last").contains(s.getValue().agg())) {
                    continue; // sketches: the oracle gives exact answers, not served values; not in the service anyway
                }
                boolean plant = inService && rnd.nextInt(25) == 0;
                if (plant) {
                    v = wrong(v);
                    planted++;
                    plantedByFeature.merge(group + "." + s.getKey(), 1, Integer::sum);
                }
                features.set(s.getKey(), JSON.valueToTree(v));
            }
            features.put("not_in_service", 1); // served by the group but not in the service: ignored
            log.append(JSON.writeValueAsString(line)).append('\n');
            lines++;
        }
        log.append("not json at all\n");
        Path logFile = dir.resolve("responses-2026-11-26-10.jsonl");
        Files.writeString(logFile, log.toString(), StandardCharsets.UTF_8);

        ConsistencyCheck.Report r = w.check().run("exact", List.of(dir.resolve("responses-2026-11-26-10.jsonl")),
                dir.resolve("work"));

        assertThat(r.lines()).isEqualTo(lines + 1);
        assertThat(r.unreadable()).isEqualTo(1);
        assertThat(r.checked()).isEqualTo(lines);
        assertThat(r.mismatches()).isEqualTo(planted);
        assertThat(planted).isPositive();
        for (ConsistencyCheck.FeatureStats f : r.features()) {
            assertThat(f.mismatches()).as(f.feature()).isEqualTo((long) plantedByFeature.getOrDefault(f.feature(), 0));
            assertThat(f.examples()).hasSize((int) Math.min(3, f.mismatches()));
        }
        assertThat(r.compared()).isGreaterThan(lines);
        String lastLine = "line " + (lines + 1);
        assertThat(r.problems()).anyMatch(p -> p.contains(lastLine));
    }

    /**
     * The prediction log as the scoring API writes it (features by qualified name, {@code as_of}, per-group
     * {@code as_of_groups} when they differ; older records with {@code time} only): each scored feature is
     * compared with the oracle's value at its own group's read time, and only the planted values differ.
     */
    @Test
    void checksTheFeaturesModelsWereScoredWith() throws Exception {
        World w = world(22, 1200, 500);
        TrainingWorld world = w.world();
        Random rnd = new Random(5);
        List<String> service = List.of("account_payments.payment_count_1h", "account_payments.amount_sum_1d", "account_payments.recent_cards_1d",
                "account_payments.last_country", "account_logins.login_count_10m", "card_payments.card_count_1h");
        List<dev.tessera.offline.archive.ArchivedEvent> records = new ArrayList<>();
        Map<String, Integer> plantedByFeature = new LinkedHashMap<>();
        int planted = 0;
        int scored = 0;
        int withoutAsOf = 0;
        for (int i = 0; i < 200; i++) {
            long asOf = world.time();
            String account = world.account();
            String card = "card-" + rnd.nextInt(12);
            long cardAsOf = rnd.nextInt(5) == 0 ? asOf + 1 + rnd.nextInt(600_000) : asOf; // that group read later (its events ran ahead)
            boolean old = rnd.nextInt(8) == 0; // logged before records had as_of: time only
            ObjectNode p = JSON.createObjectNode();
            p.put("prediction_id", "r" + i + ":account_risk:v1");
            p.put("time", old ? asOf : asOf + 1 + rnd.nextInt(600_000)); // scored after the read; more events may have come since
            if (!old) {
                p.put("as_of", Math.max(asOf, cardAsOf));
                if (cardAsOf != asOf) {
                    p.putObject("as_of_groups").put("account_payments", asOf).put("account_logins", asOf).put("card_payments", cardAsOf);
                }
            } else {
                cardAsOf = asOf;
            }
            p.putObject("entity").put("account_id", account).put("card", card);
            p.put("model", "account_risk");
            ObjectNode features = p.putObject("features");
            boolean other = rnd.nextInt(10) == 0; // another model's service: nothing of this one
            for (String q : other ? List.of("account_payments.payment_count_1d") : service) {
                String group = q.substring(0, q.indexOf('.'));
                String name = q.substring(q.indexOf('.') + 1);
                boolean byCard = group.equals("card_payments");
                List<NaiveOracle.Ev> evs = world.eventsOf(group.equals("account_logins") ? "logins" : "payments", byCard ? "card" : "account_id",
                        byCard ? card : account);
                Object v = NaiveOracle.value(TrainingWorld.specs(group).get(name), evs, byCard ? cardAsOf : asOf);
                if (!other && rnd.nextInt(20) == 0) {
                    v = wrong(v);
                    planted++;
                    plantedByFeature.merge(q, 1, Integer::sum);
                }
                features.set(q, JSON.valueToTree(v));
            }
            scored += other ? 0 : 1;
            withoutAsOf += old && !other ? 1 : 0;
            records.add(new dev.tessera.offline.archive.ArchivedEvent(0, i, asOf, asOf, "r" + i, JSON.writeValueAsBytes(p)));
        }
        records.add(new dev.tessera.offline.archive.ArchivedEvent(0, records.size(), 0, 0, "x", "not json".getBytes(StandardCharsets.UTF_8)));
        dev.tessera.offline.archive.EventScan scan = (from, until, sink) -> records.forEach(sink);

        ConsistencyCheck.Report r = w.check().runOnPredictions("exact", scan,
                dir.resolve("work"));

        assertThat(r.lines()).isEqualTo(records.size());
        assertThat(r.unreadable()).isEqualTo(1);
        assertThat(r.checked()).isEqualTo(scored);
        assertThat(planted).isPositive();
        assertThat(r.mismatches()).isEqualTo(planted);
        for (ConsistencyCheck.FeatureStats f : r.features()) {
            assertThat(f.compared()).as(f.feature()).isEqualTo(scored);
            assertThat(f.mismatches()).as(f.feature() + " " + f.examples()).isEqualTo((long) plantedByFeature.getOrDefault(f.feature(), 0));
        }
        String oldOnes = String.format("%,d predictions were logged without as_of", withoutAsOf);
        assertThat(withoutAsOf).isPositive();
        assertThat(r.problems()).anyMatch(x -> x.contains("offset " + (records.size() - 1))).anyMatch(x -> x.contains(oldOnes));
    }

    /**
     * Reads that missed events still on their way to the online store: each logged value is what had
     * reached the broker 0, 10, 100 or 1,000 ms before the read (the in-flight ladder of a 1-s in-flight
     * time). All are explained; with no in-flight time, those that differ from what had arrived by the
     * read are not.
     */
    @Test
    void eventsOnTheirWayAtTheReadAreExplained() throws Exception {
        World w = world(23, 1200, 10);
        TrainingWorld world = w.world();
        Random rnd = new Random(9);
        StringBuilder log = new StringBuilder();
        List<String> features = List.of("payment_count_1h", "amount_sum_1d", "recent_cards_1d");
        long differ = 0;
        long differFromArrived = 0;
        for (int i = 0; i < 400; i++) {
            String account = world.account();
            List<Long> arrivals = world.ingestTimesOf("payments", "account_id", account);
            // mostly just after one of the account's events reached the broker
            long ts = arrivals.isEmpty() || rnd.nextInt(4) == 0 ? world.time() : arrivals.get(rnd.nextInt(arrivals.size())) + 1 + rnd.nextInt(1000);
            long lag = List.of(0L, 10L, 100L, 1000L).get(rnd.nextInt(4));
            ObjectNode line = paymentsRead(ts, account);
            ObjectNode values = (ObjectNode) line.get("features");
            for (String f : features) {
                NaiveOracle.Spec spec = TrainingWorld.specs("account_payments").get(f);
                Object online = NaiveOracle.value(spec, world.eventsArrivedBy("payments", "account_id", account, ts - lag), ts);
                Object exact = NaiveOracle.value(spec, world.eventsOf("payments", "account_id", account), ts);
                Object arrived = NaiveOracle.value(spec, world.eventsArrivedBy("payments", "account_id", account, ts), ts);
                differ += online.equals(exact) ? 0 : 1;
                differFromArrived += online.equals(arrived) ? 0 : 1;
                values.set(f, JSON.valueToTree(online));
            }
            log.append(JSON.writeValueAsString(line)).append('\n');
        }
        Path logFile = dir.resolve("responses.jsonl");
        Files.writeString(logFile, log.toString(), StandardCharsets.UTF_8);
        ConsistencyCheck check = w.check();

        ConsistencyCheck.Report r = check.run("exact", List.of(logFile), dir.resolve("work"));
        ConsistencyCheck.Report strict = check.withInFlight(java.time.Duration.ZERO).run("exact", List.of(logFile), dir.resolve("work"));

        assertThat(differFromArrived).as("some reads missed events on their way").isPositive();
        assertThat(r.mismatches()).isEqualTo(differ);
        assertThat(r.unexplained()).as(r.features().toString()).isZero();
        assertThat(strict.mismatches()).isEqualTo(differ);
        assertThat(strict.unexplained()).isEqualTo(differFromArrived);
        assertThat(r.features().stream().flatMap(f -> f.examples().stream())).anyMatch(e -> e.contains("on its way to the online store"));
    }

    /**
     * Events re-sent by their producer (the same bytes again, up to a minute later) count once online,
     * and once in what had arrived by a read too, whatever arrived between the two copies: a read that
     * missed only events not yet arrived is explained, never reported as unexplained.
     */
    @Test
    void aResentEventCountsOnceInWhatHadArrived() throws Exception {
        World w = world(25, 1500, 10);
        TrainingWorld world = w.world();
        world.resend(0.4, 60_000);
        Random rnd = new Random(11);
        StringBuilder log = new StringBuilder();
        List<String> features = List.of("payment_count_1h", "amount_sum_1d", "recent_cards_1d");
        long differ = 0;
        Map<String, Integer> differBy = new LinkedHashMap<>();
        for (int i = 0; i < 400; i++) {
            String account = world.account();
            List<Long> arrivals = world.ingestTimesOf("payments", "account_id", account);
            if (arrivals.isEmpty()) {
                continue;
            }
            long ts = arrivals.get(rnd.nextInt(arrivals.size())) + 1 + rnd.nextInt(2000); // just after one arrived, copies included
            ObjectNode line = paymentsRead(ts, account);
            ObjectNode values = (ObjectNode) line.get("features");
            for (String f : features) {
                NaiveOracle.Spec spec = TrainingWorld.specs("account_payments").get(f);
                Object online = NaiveOracle.value(spec, world.eventsArrivedBy("payments", "account_id", account, ts), ts);
                Object exact = NaiveOracle.value(spec, world.eventsOf("payments", "account_id", account), ts);
                differ += online.equals(exact) ? 0 : 1;
                differBy.merge(f, online.equals(exact) ? 0 : 1, Integer::sum);
                values.set(f, JSON.valueToTree(online));
            }
            log.append(JSON.writeValueAsString(line)).append('\n');
        }
        Path logFile = dir.resolve("responses.jsonl");
        Files.writeString(logFile, log.toString(), StandardCharsets.UTF_8);

        ConsistencyCheck.Report r = w.check().withInFlight(java.time.Duration.ZERO).run("exact", List.of(logFile), dir.resolve("work"));

        assertThat(differ).as("some reads came before events of their time arrived").isPositive();
        assertThat(r.mismatches()).as(r.features().toString() + " " + differBy).isEqualTo(differ);
        assertThat(r.unexplained()).as(r.features().toString()).isZero();
    }

    /**
     * A percentile answered from a sketch fed in another order may sit a few ranks from the offline one:
     * values within twice the rank error of p (here: the exact window's values one rank either side of
     * the offline answer) are explained, values 20 % of the ranks away are not.
     */
    @Test
    void aPercentileWithinItsRankErrorIsExplained() throws Exception {
        TrainingWorld world = new TrainingWorld(24, 20);
        world.generate(12_000, 10); // ~200 payments per account and day: a rank is 0.5 %, the margin ±1.8 %
        Path defsDir = TrainingWorld.writeDefinitions(dir.resolve("features"), """
                ---
                kind: FeatureService
                name: pct
                features: [account_payments.amount_p50_1d]
                """);
        Definitions defs = DefinitionLoader.load(defsDir);
        ConsistencyCheck check = new ConsistencyCheck(defs, defsDir, src -> world.scan(src.name())).withInFlight(java.time.Duration.ZERO);
        Random rnd = new Random(4);
        StringBuilder near = new StringBuilder();
        StringBuilder far = new StringBuilder();
        int lines = 0;
        for (int i = 0; i < 60; i++) {
            long ts = world.time() + 10 * 60_000; // minutes after: every event before it has arrived (ingest ≤ 5 s late)
            String account = world.account();
            @SuppressWarnings("unchecked")
            List<Double> sorted = (List<Double>) NaiveOracle.value(TrainingWorld.specs("account_payments").get("amount_p50_1d"),
                    world.eventsOf("payments", "account_id", account), ts);
            if (sorted.size() < 100) {
                continue;
            }
            int at = (int) Math.round(0.5 * (sorted.size() - 1));
            near.append(line(ts, account, sorted.get(at + (rnd.nextBoolean() ? 1 : -1)))).append('\n');
            far.append(line(ts, account, sorted.get(at + sorted.size() / 5))).append('\n');
            lines++;
        }
        Path nearLog = dir.resolve("near.jsonl");
        Path farLog = dir.resolve("far.jsonl");
        Files.writeString(nearLog, near.toString(), StandardCharsets.UTF_8);
        Files.writeString(farLog, far.toString(), StandardCharsets.UTF_8);

        ConsistencyCheck.Report nearReport = check.run("pct", List.of(nearLog), dir.resolve("work"));
        ConsistencyCheck.Report farReport = check.run("pct", List.of(farLog), dir.resolve("work"));

        assertThat(lines).isGreaterThan(20);
        assertThat(nearReport.checked()).isEqualTo(lines);
        assertThat(nearReport.mismatches()).as("a neighbouring rank is not the offline answer").isPositive();
        assertThat(nearReport.unexplained()).as(nearReport.features().toString()).isZero();
        assertThat(farReport.unexplained()).isEqualTo(lines);
        assertThat(nearReport.features().get(0).examples()).anyMatch(e -> e.contains("a sketch fed in another order"));
    }

    private static String line(long ts, String account, double p50) throws java.io.IOException {
        ObjectNode line = paymentsRead(ts, account);
        ((ObjectNode) line.get("features")).put("amount_p50_1d", p50);
        return JSON.writeValueAsString(line);
    }

    /** A logged read of account_payments for {@code account} at {@code ts}, its features still to fill in. */
    private static ObjectNode paymentsRead(long ts, String account) {
        ObjectNode line = JSON.createObjectNode();
        line.put("ts", ts);
        line.put("group", "account_payments");
        line.putObject("entity").put("account_id", account);
        line.putObject("features");
        return line;
    }

    @Test
    void comparesNumbersListsAndTopKEntriesByValue() throws Exception {
        assertThat(ConsistencyCheck.same(JSON.readTree("3"), 3L)).isTrue();
        assertThat(ConsistencyCheck.same(JSON.readTree("3"), 3.0)).isTrue();
        assertThat(ConsistencyCheck.same(JSON.readTree("3"), 4L)).isFalse();
        assertThat(ConsistencyCheck.same(JSON.readTree("0.30000000000000004"), 0.3)).isTrue();
        assertThat(ConsistencyCheck.same(JSON.readTree("null"), null)).isTrue();
        assertThat(ConsistencyCheck.same(JSON.readTree("0"), null)).isFalse();
        assertThat(ConsistencyCheck.same(JSON.readTree("[\"a\",\"b\"]"), List.of("a", "b"))).isTrue();
        assertThat(ConsistencyCheck.same(JSON.readTree("[\"a\",\"b\"]"), List.of("b", "a"))).isFalse();
        assertThat(ConsistencyCheck.same(JSON.readTree("\"US\""), new org.apache.avro.util.Utf8("US"))).isTrue();
        var schema = org.apache.avro.SchemaBuilder.record("value_count").fields().requiredString("value").requiredLong("count").endRecord();
        var rec = new org.apache.avro.generic.GenericData.Record(schema);
        rec.put("value", "m-1");
        rec.put("count", 4L);
        assertThat(ConsistencyCheck.same(JSON.readTree("[{\"value\":\"m-1\",\"count\":4}]"), new ArrayList<>(List.of(rec)))).isTrue();
        assertThat(ConsistencyCheck.same(JSON.readTree("[{\"value\":\"m-1\",\"count\":5}]"), new ArrayList<>(List.of(rec)))).isFalse();
        // offline values are written as online ones are logged
        assertThat(ConsistencyCheck.text(new ArrayList<>(List.of(rec)))).isEqualTo("[{\"value\":\"m-1\",\"count\":4}]");
        assertThat(ConsistencyCheck.text(new org.apache.avro.util.Utf8("US"))).isEqualTo("\"US\"");
        assertThat(ConsistencyCheck.text(List.of(new org.apache.avro.util.Utf8("c1"), "c2"))).isEqualTo("[\"c1\",\"c2\"]");
        assertThat(ConsistencyCheck.text(null)).isEqualTo("null");
        assertThat(ConsistencyCheck.text(3L)).isEqualTo("3");
    }
}
