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

    @Test
    void findsExactlyThePlantedMismatches() throws Exception {
        TrainingWorld world = new TrainingWorld(21, 20);
        world.generate(1200, 500);
        Path defsDir = TrainingWorld.writeDefinitions(dir.resolve("features"), EXACT_SERVICE);
        Definitions defs = DefinitionLoader.load(defsDir);
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
                    v = v instanceof Long l ? (Object) (l + 1) : v instanceof List<?> list ? List.of("card-999") : v == null ? "X" : v + "?";
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

        ConsistencyCheck.Report r = new ConsistencyCheck(defs, defsDir, src -> world.scan(src.name())).run("exact", List.of(dir.resolve("responses-2026-11-26-10.jsonl")),
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
    }
}
