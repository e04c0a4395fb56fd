package dev.tessera.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.core.oracle.NaiveOracle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A small payments world for runtime tests (and the Flink runner's, through the runtime's test jar):
 * definitions, a random stream of payment events per partition (in-order within the lateness bound),
 * the adversarial stream of {@link #adversarial}, and the oracle's view of every served feature.
 */
public final class PaymentsWorld {
    public static final String TOPIC = "test.payments";
    public static final int PARTITIONS = 3;
    public static final long LATENESS = 10 * 60_000L;
    static final ObjectMapper JSON = new ObjectMapper();

    public static final String DEFINITIONS = """
            kind: Entity
            name: account
            keys: [account_id]
            ---
            kind: Source
            name: payments
            kafka: { topic: test.payments }
            format: json
            timestamp: event_time
            id: payment_id
            lateness: 10m
            ---
            kind: FeatureGroup
            name: account_payments
            source: payments
            entity: account
            features:
              - { name: payment_count,  agg: count, windows: [1h, 1d] }
              - { name: declined_count, agg: count, where: "status == 'DECLINED'", windows: [1h] }
              - { name: amount_sum,     agg: sum, of: amount, windows: [1h, 1d] }
              - { name: amount_avg,     agg: avg, of: amount, windows: [1h] }
              - { name: amount_max,     agg: max, of: amount, windows: [1d] }
              - { name: distinct_cards, agg: approx_distinct, of: card, windows: [1d] }
              - { name: recent_cards,   agg: last_k, k: 3, of: card, windows: [1d] }
              - { name: top_merchants,  agg: top_k, k: 2, of: merchant, windows: [1d] }
              - { name: amount_p50,     agg: approx_percentile, p: 0.5, of: amount, windows: [1d] }
              - { name: first_country,  agg: first, of: country }
              - { name: last_country,   agg: last, of: country }
            """;

    /** A second group on the payments, keyed by two fields (card, merchant): append it to {@link #DEFINITIONS}. */
    public static final String COMPOSITE_GROUP = """
            ---
            kind: Entity
            name: card_at_merchant
            keys: [card, merchant]
            ---
            kind: FeatureGroup
            name: card_merchant
            source: payments
            entity: card_at_merchant
            features:
              - { name: n,        agg: count,                 windows: [10m, 1h, 1d] }
              - { name: total,    agg: sum, of: amount,       windows: [1d] }
              - { name: country,  agg: last, of: country }
              - { name: accounts, agg: approx_distinct, of: account_id, windows: [1d] }
            """;

    /** Served name -> oracle spec, in served order. Filters are independent Java predicates. */
    public static Map<String, NaiveOracle.Spec> oracleSpecs() {
        Predicate<NaiveOracle.Ev> all = e -> true;
        Predicate<NaiveOracle.Ev> declined = e -> "DECLINED".equals(e.fields().get("status"));
        long h = 3_600_000L;
        long d = 24 * h;
        Map<String, NaiveOracle.Spec> m = new LinkedHashMap<>();
        m.put("payment_count_1h", new NaiveOracle.Spec("count", null, all, h, 300_000, 0));
        m.put("payment_count_1d", new NaiveOracle.Spec("count", null, all, d, h, 0));
        m.put("declined_count_1h", new NaiveOracle.Spec("count", null, declined, h, 300_000, 0));
        m.put("amount_sum_1h", new NaiveOracle.Spec("sum", "amount", all, h, 300_000, 0));
        m.put("amount_sum_1d", new NaiveOracle.Spec("sum", "amount", all, d, h, 0));
        m.put("amount_avg_1h", new NaiveOracle.Spec("avg", "amount", all, h, 300_000, 0));
        m.put("amount_max_1d", new NaiveOracle.Spec("max", "amount", all, d, h, 0));
        m.put("distinct_cards_1d", new NaiveOracle.Spec("approx_distinct", "card", all, d, h, 0));
        m.put("recent_cards_1d", new NaiveOracle.Spec("last_k", "card", all, d, h, 3));
        m.put("top_merchants_1d", new NaiveOracle.Spec("top_k", "merchant", all, d, h, 2));
        m.put("amount_p50_1d", new NaiveOracle.Spec("approx_percentile", "amount", all, d, h, 0));
        m.put("first_country", new NaiveOracle.Spec("first", "country", all, 0, 0, 0));
        m.put("last_country", new NaiveOracle.Spec("last", "country", all, 0, 0, 0));
        return m;
    }

    public static Path writeDefinitions(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("payments.yaml"), DEFINITIONS);
        return dir;
    }

    /** A produced record: partition, key, value bytes, and the event it carries (null for garbage). */
    public record Produced(int partition, String key, byte[] value, NaiveOracle.Ev event) {}

    /**
     * Good payments for {@code accounts} accounts between {@code start} and {@code end}, assigned to
     * partitions by account, in time order per partition with disorder below the lateness bound.
     */
    public static List<Produced> payments(Random rnd, int n, int accounts, long start, long end, int idOffset) {
        List<List<NaiveOracle.Ev>> perPartition = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            perPartition.add(new ArrayList<>());
        }
        List<Produced> out = new ArrayList<>();
        long[] newest = new long[PARTITIONS];
        java.util.Arrays.fill(newest, Long.MIN_VALUE);
        for (int i = 0; i < n; i++) {
            long t = start + (end - start) * i / Math.max(1, n);
            t -= rnd.nextInt((int) (LATENESS / 2)); // out of order, but within lateness of what came before
            int account = (int) Math.floor(Math.pow(rnd.nextDouble(), 2) * accounts);
            int p = account % PARTITIONS;
            if (newest[p] != Long.MIN_VALUE && t < newest[p] - LATENESS + 1000) {
                t = newest[p] - LATENESS + 1000;
            }
            newest[p] = Math.max(newest[p], t);
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("payment_id", "pay-" + (idOffset + i));
            f.put("account_id", "acct-" + account);
            f.put("event_time", t);
            f.put("amount", rnd.nextInt(4) == 0 ? (Object) (rnd.nextInt(100_000) / 100.0) : (Object) (long) rnd.nextInt(5000));
            f.put("status", rnd.nextInt(5) == 0 ? "DECLINED" : "APPROVED");
            f.put("card", "card-" + rnd.nextInt(8));
            f.put("merchant", "m-" + rnd.nextInt(5));
            f.put("country", List.of("US", "FR", "BR", "IN").get(rnd.nextInt(4)));
            if (rnd.nextInt(20) == 0) {
                f.remove("amount"); // missing value: ignored by value aggregations, counted by count
            }
            out.add(new Produced(p, "acct-" + account, json(f), new NaiveOracle.Ev(t, (String) f.get("payment_id"), f)));
        }
        return out;
    }

    /** How the records of {@link #withResendsAndGarbage} that are not JSON start. */
    public static final String GARBAGE = "{oops";

    /**
     * {@code payments} with what real producers add: 1 in 50 is sent twice (a retry; the copy carries no
     * oracle event, so the oracle counts the payment once) and 1 in 500 is followed by a record that is
     * not JSON ({@link #GARBAGE}, then a number).
     */
    public static List<Produced> withResendsAndGarbage(Random rnd, List<Produced> payments) {
        List<Produced> out = new ArrayList<>();
        int garbage = 0;
        for (Produced p : payments) {
            out.add(p);
            if (rnd.nextInt(50) == 0) {
                out.add(new Produced(p.partition(), p.key(), p.value(), null));
            }
            if (rnd.nextInt(500) == 0) {
                out.add(new Produced(p.partition(), p.key(), utf8(GARBAGE + " " + garbage++), null));
            }
        }
        return out;
    }

    /**
     * The adversarial stream: phase 1, good payments of 40 accounts over an hour three hours ago, to
     * produce and apply first (it sets every partition's watermark); phase 2, good payments up to a
     * minute ago with exact re-sends (duplicates) and, at random places, late, malformed, keyless,
     * badly timed, future, oversized and wrongly typed records. {@code injected} counts the bad ones
     * by dead-letter reason; {@code applied} is every good event once, what the oracle sees.
     */
    public record Adversarial(List<Produced> phase1, List<Produced> phase2, Map<String, Integer> injected, int duplicates,
                              List<NaiveOracle.Ev> applied) {}

    public static Adversarial adversarial(Random rnd, long now) {
        long start = now - 3 * 3_600_000L;
        List<PaymentsWorld.Produced> phase1 = PaymentsWorld.payments(rnd, 3_000, 40, start, start + 3_600_000L, 0);
        List<PaymentsWorld.Produced> phase2 = new ArrayList<>(
                PaymentsWorld.payments(rnd, 6_000, 40, start + 3_600_000L, now - 60_000, 100_000));
        Map<String, Integer> injected = new TreeMap<>();
        List<PaymentsWorld.Produced> bad = new ArrayList<>();
        // late: far older than every partition's newest event minus lateness
        for (int i = 0; i < 25; i++) {
            Map<String, Object> f = Map.of("payment_id", "late-" + i, "account_id", "acct-" + i, "event_time",
                    start - 2 * 3_600_000L, "amount", 1L, "status", "APPROVED", "card", "c", "merchant", "m", "country", "US");
            bad.add(new PaymentsWorld.Produced(i % 3, "acct-" + i, PaymentsWorld.json(f), null));
        }
        injected.put("late", 25);
        String[] malformed = {"{\"payment_id\": \"x\", ", "not json", "[1,2,3]", "{\"a\":1}{", "", "{\"payment_id\":1,\"payment_id\":2}"};
        for (String m : malformed) {
            bad.add(new PaymentsWorld.Produced(rnd.nextInt(3), "k", m.getBytes(StandardCharsets.UTF_8), null));
        }
        injected.put("malformed", malformed.length);
        for (int i = 0; i < 7; i++) {
            bad.add(new PaymentsWorld.Produced(rnd.nextInt(3), "k", PaymentsWorld.json(Map.of("payment_id", "nokey-" + i,
                    "event_time", now - 100_000, "amount", 5L)), null));
        }
        injected.put("missing_key", 7);
        for (String ts : new String[] {"yesterday", "2026-13-45T99:00:00Z", "true"}) {
            bad.add(new PaymentsWorld.Produced(0, "acct-0", PaymentsWorld.utf8("{\"payment_id\":\"ts-" + ts
                    + "\",\"account_id\":\"acct-0\",\"event_time\":\"" + ts + "\"}"), null));
        }
        bad.add(new PaymentsWorld.Produced(0, "acct-0", PaymentsWorld.utf8(
                "{\"payment_id\":\"ts-missing\",\"account_id\":\"acct-0\"}"), null));
        injected.put("bad_timestamp", 4);
        for (int i = 0; i < 5; i++) {
            bad.add(new PaymentsWorld.Produced(1, "acct-1", PaymentsWorld.json(Map.of("payment_id", "future-" + i,
                    "account_id", "acct-1", "event_time", now + 86_400_000L * (i + 1), "amount", 1L)), null));
        }
        injected.put("future", 5);
        bad.add(new PaymentsWorld.Produced(2, "acct-2", PaymentsWorld.utf8("{\"payment_id\":\"big\",\"account_id\":\"acct-2\",\"pad\":\""
                + "x".repeat(80_000) + "\"}"), null));
        injected.put("too_large", 1);
        bad.add(new PaymentsWorld.Produced(2, "acct-2", PaymentsWorld.utf8("{\"payment_id\":\"obj\",\"account_id\":\"acct-2\","
                + "\"event_time\":" + (now - 100_000) + ",\"amount\":{\"value\":3}}"), null));
        injected.put("schema_mismatch", 1);

        // duplicates: exact re-sends of the previous good record of the same partition (never late)
        List<PaymentsWorld.Produced> withDuplicates = new ArrayList<>();
        int duplicates = 0;
        for (PaymentsWorld.Produced p : phase2) {
            withDuplicates.add(p);
            if (rnd.nextInt(40) == 0) {
                withDuplicates.add(p);
                duplicates++;
            }
        }
        // interleave the bad records at random places of phase 2
        for (PaymentsWorld.Produced b : bad) {
            withDuplicates.add(rnd.nextInt(withDuplicates.size()), b);
        }

        List<NaiveOracle.Ev> applied = new ArrayList<>();
        phase1.forEach(p -> applied.add(p.event()));
        phase2.forEach(p -> applied.add(p.event()));
        return new Adversarial(phase1, withDuplicates, injected, duplicates, applied);
    }

    /**
     * Every entity of {@link #DEFINITIONS}' {@code account_payments} (accounts 0 to {@code accounts}-1)
     * or of {@link #COMPOSITE_GROUP}'s {@code card_merchant} the stream could have touched, and one
     * it never did.
     */
    public static List<List<String>> keysOf(String group, int accounts) {
        List<List<String>> keys = new ArrayList<>();
        if (group.equals("account_payments")) {
            for (int a = 0; a < accounts; a++) {
                keys.add(List.of("acct-" + a));
            }
            keys.add(List.of("acct-unknown"));
        } else {
            for (int c = 0; c < 8; c++) {
                for (int m = 0; m < 5; m++) {
                    keys.add(List.of("card-" + c, "m-" + m));
                }
            }
            keys.add(List.of("card-0", "m-unknown"));
        }
        return keys;
    }

    /**
     * Asserts that every served feature of accounts 0 to {@code accounts}-1, read now from
     * {@code reader}, is the oracle's over {@code applied} (approximate ones within their bounds);
     * returns how many accounts had payments in the last day.
     */
    public static int assertMatchesOracle(FeatureReader reader, List<NaiveOracle.Ev> applied, int accounts) {
        Map<String, NaiveOracle.Spec> specs = oracleSpecs();
        long now = System.currentTimeMillis();
        int nonEmpty = 0;
        for (int a = 0; a < accounts; a++) {
            String account = "acct-" + a;
            FeatureValues v = reader.read("account_payments", List.of(account), now);
            Map<String, Object> expected = expected(applied, account, v.asOf());
            Map<String, Object> actual = v.asMap();
            for (var spec : specs.entrySet()) {
                String name = spec.getKey();
                dev.tessera.core.oracle.OracleAssertions.assertMatches(
                        dev.tessera.api.Aggregation.fromYaml(spec.getValue().agg()).orElseThrow(), 0.5, spec.getValue().k(),
                        account + "." + name + " at " + v.asOf(), actual.get(name), expected.get(name));
            }
            if (!Long.valueOf(0L).equals(actual.get("payment_count_1d"))) {
                nonEmpty++;
            }
        }
        return nonEmpty;
    }

    public static byte[] json(Map<String, Object> fields) {
        try {
            return JSON.writeValueAsBytes(fields);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Oracle values of every served feature for every account at {@code t}. */
    public static Map<String, Object> expected(List<NaiveOracle.Ev> applied, String account, long t) {
        List<NaiveOracle.Ev> mine = applied.stream().filter(e -> account.equals(e.fields().get("account_id"))).toList();
        Map<String, Object> values = new LinkedHashMap<>();
        oracleSpecs().forEach((name, spec) -> values.put(name, NaiveOracle.value(spec, mine, t)));
        return values;
    }
}
