package dev.tessera.offline.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.core.oracle.NaiveOracle;
import dev.tessera.offline.archive.ArchivedEvent;
import dev.tessera.offline.archive.EventScan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A small adversarial world for training-set tests: two sources (payments, logins), two entities
 * (account, card), three groups and one service over all of them; events whose times sit on tile
 * boundaries, share milliseconds and hit the spine's timestamps exactly; archives handed over in
 * random order.
 */
public final class TrainingWorld {
    static final ObjectMapper JSON = new ObjectMapper();
    static final long H = 3_600_000L;
    static final long D = 24 * H;
    static final long T0 = 1_780_000_000_000L / D * D; // a UTC midnight

    static final String DEFINITIONS = """
            kind: Entity
            name: account
            keys: [account_id]
            ---
            kind: Entity
            name: card
            keys: [card]
            ---
            kind: Source
            name: payments
            kafka: { topic: t.payments }
            format: json
            timestamp: event_time
            id: payment_id
            lateness: 10m
            ---
            kind: Source
            name: logins
            kafka: { topic: t.logins }
            format: json
            timestamp: ts
            id: login_id
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
            ---
            kind: FeatureGroup
            name: card_payments
            source: payments
            entity: card
            features:
              - { name: card_count, agg: count, windows: [1h] }
              - { name: card_amount, agg: sum, of: amount, windows: [1d] }
            ---
            kind: FeatureGroup
            name: account_logins
            source: logins
            entity: account
            features:
              - { name: login_count,  agg: count, windows: [10m, 1h] }
              - { name: failed_count, agg: count, where: "success == false", windows: [1d] }
            ---
            kind: FeatureService
            name: risk
            features: [account_payments.*, card_payments.card_count_1h, account_logins.*, card_payments.card_amount_1d]
            """;

    record Spec(String group, String served, NaiveOracle.Spec oracle, String entityKeyField, String source) {}

    /** The service's features in its order, with the oracle's view of each. */
    static List<Spec> specs() {
        Predicate<NaiveOracle.Ev> all = e -> true;
        Predicate<NaiveOracle.Ev> declined = e -> "DECLINED".equals(e.fields().get("status"));
        Predicate<NaiveOracle.Ev> failed = e -> Boolean.FALSE.equals(e.fields().get("success"));
        List<Spec> s = new ArrayList<>();
        String ap = "account_payments";
        s.add(new Spec(ap, "payment_count_1h", new NaiveOracle.Spec("count", null, all, H, 300_000, 0), "account_id", "payments"));
        s.add(new Spec(ap, "payment_count_1d", new NaiveOracle.Spec("count", null, all, D, H, 0), "account_id", "payments"));
        s.add(new Spec(ap, "declined_count_1h", new NaiveOracle.Spec("count", null, declined, H, 300_000, 0), "account_id", "payments"));
        s.add(new Spec(ap, "amount_sum_1h", new NaiveOracle.Spec("sum", "amount", all, H, 300_000, 0), "account_id", "payments"));
        s.add(new Spec(ap, "amount_sum_1d", new NaiveOracle.Spec("sum", "amount", all, D, H, 0), "account_id", "payments"));
        s.add(new Spec(ap, "amount_avg_1h", new NaiveOracle.Spec("avg", "amount", all, H, 300_000, 0), "account_id", "payments"));
        s.add(new Spec(ap, "amount_max_1d", new NaiveOracle.Spec("max", "amount", all, D, H, 0), "account_id", "payments"));
        s.add(new Spec(ap, "distinct_cards_1d", new NaiveOracle.Spec("approx_distinct", "card", all, D, H, 0), "account_id", "payments"));
        s.add(new Spec(ap, "recent_cards_1d", new NaiveOracle.Spec("last_k", "card", all, D, H, 3), "account_id", "payments"));
        s.add(new Spec(ap, "top_merchants_1d", new NaiveOracle.Spec("top_k", "merchant", all, D, H, 2), "account_id", "payments"));
        s.add(new Spec(ap, "amount_p50_1d", new NaiveOracle.Spec("approx_percentile", "amount", all, D, H, 0), "account_id", "payments"));
        s.add(new Spec(ap, "first_country", new NaiveOracle.Spec("first", "country", all, 0, 0, 0), "account_id", "payments"));
        s.add(new Spec(ap, "last_country", new NaiveOracle.Spec("last", "country", all, 0, 0, 0), "account_id", "payments"));
        s.add(new Spec("card_payments", "card_count_1h", new NaiveOracle.Spec("count", null, all, H, 300_000, 0), "card", "payments"));
        s.add(new Spec("account_logins", "login_count_10m", new NaiveOracle.Spec("count", null, all, 600_000, 10_000, 0), "account_id", "logins"));
        s.add(new Spec("account_logins", "login_count_1h", new NaiveOracle.Spec("count", null, all, H, 300_000, 0), "account_id", "logins"));
        s.add(new Spec("account_logins", "failed_count_1d", new NaiveOracle.Spec("count", null, failed, D, H, 0), "account_id", "logins"));
        s.add(new Spec("card_payments", "card_amount_1d", new NaiveOracle.Spec("sum", "amount", all, D, H, 0), "card", "payments"));
        return s;
    }

    static Path writeDefinitions(Path dir) throws IOException {
        return writeDefinitions(dir, "");
    }

    /** The world's definitions plus {@code extra} YAML documents (start them with ---). */
    public static Path writeDefinitions(Path dir, String extra) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("world.yaml"), DEFINITIONS + extra);
        return dir;
    }

    /** Served name → oracle spec of one group's features in the service. */
    public static Map<String, NaiveOracle.Spec> specs(String group) {
        Map<String, NaiveOracle.Spec> m = new LinkedHashMap<>();
        for (Spec s : specs()) {
            if (s.group().equals(group)) {
                m.put(s.served(), s.oracle());
            }
        }
        return m;
    }

    /** An archived event and what the oracle sees of it. */
    record Archived(String source, ArchivedEvent event, NaiveOracle.Ev ev) {}

    final Random rnd;
    final int accounts;
    final List<Archived> events = new ArrayList<>();
    /** Times worth hitting exactly: tile boundaries of every hop, and times events and rows share. */
    final List<Long> sharpTimes = new ArrayList<>();

    public TrainingWorld(long seed, int accounts) {
        this.rnd = new Random(seed);
        this.accounts = accounts;
        for (int i = 0; i < 40; i++) {
            long hop = List.of(10_000L, 300_000L, H, D).get(rnd.nextInt(4));
            sharpTimes.add(T0 + (long) rnd.nextInt(3 * (int) (D / hop)) * hop);
        }
    }

    /** A time in the world's three days: often exactly a sharp time, sometimes one ms off it. */
    public long time() {
        int r = rnd.nextInt(10);
        if (r < 4) {
            long t = sharpTimes.get(rnd.nextInt(sharpTimes.size()));
            return t + (r == 0 ? -1 : r == 1 ? 1 : 0);
        }
        return T0 + (long) (rnd.nextDouble() * 3 * D);
    }

    public String account() {
        return "acct-" + (int) Math.floor(Math.pow(rnd.nextDouble(), 2) * accounts);
    }

    public void generate(int payments, int logins) {
        long offset = 0;
        for (int i = 0; i < payments; i++) {
            long t = time();
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("payment_id", "pay-" + i);
            f.put("account_id", account());
            f.put("event_time", t);
            f.put("amount", rnd.nextInt(4) == 0 ? (Object) (rnd.nextInt(100_000) / 100.0) : (Object) (long) rnd.nextInt(5000));
            f.put("status", rnd.nextInt(5) == 0 ? "DECLINED" : "APPROVED");
            f.put("card", "card-" + rnd.nextInt(12));
            f.put("merchant", "m-" + rnd.nextInt(5));
            f.put("country", List.of("US", "FR", "BR", "IN").get(rnd.nextInt(4)));
            if (rnd.nextInt(20) == 0) {
                f.remove("amount");
            }
            add("payments", f, t, "pay-" + i, offset++);
        }
        for (int i = 0; i < logins; i++) {
            long t = time();
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("login_id", "login-" + i);
            f.put("account_id", account());
            f.put("ts", t);
            f.put("success", rnd.nextInt(3) != 0);
            add("logins", f, t, "login-" + i, offset++);
        }
        Collections.shuffle(events, rnd); // the archive hands events over in no order
    }

    /**
     * Re-sends a share of the events (a producer retry): the same bytes, id and event time on the same
     * partition, at a later offset, reaching the broker up to {@code maxDelayMillis} after the original.
     * The oracle counts each event once ({@link #eventsOf}, {@link #eventsArrivedBy}).
     */
    public void resend(double share, long maxDelayMillis) {
        List<Archived> copies = new ArrayList<>();
        long offset = events.size();
        for (Archived a : events) {
            if (rnd.nextDouble() < share) {
                ArchivedEvent e = a.event;
                copies.add(new Archived(a.source, new ArchivedEvent(e.partition(), offset++,
                        e.ingestTime() + 1 + (long) (rnd.nextDouble() * maxDelayMillis), e.eventTime(), e.id(), e.raw()), a.ev));
            }
        }
        events.addAll(copies);
        Collections.shuffle(events, rnd);
    }

    private void add(String source, Map<String, Object> f, long t, String id, long offset) {
        byte[] raw = json(f);
        int partition = rnd.nextInt(3);
        events.add(new Archived(source, new ArchivedEvent(partition, offset, t + rnd.nextInt(5000), t, id, raw),
                new NaiveOracle.Ev(t, id, f)));
    }

    /**
     * Whether scans hand over key texts with the events, as the archive does from its key columns
     * (else readers must decode events to find their keys).
     */
    boolean keyColumns;

    /**
     * The archive as a scan per source (filtering by time, as the real archive does), split by
     * partition as the archive splits by file, so several workers read it at once.
     */
    public EventScan scan(String source) {
        return new Part(source, -1) {
            @Override
            public List<EventScan> split() {
                List<EventScan> parts = new ArrayList<>();
                for (int p = 0; p < 3; p++) {
                    parts.add(new Part(source, p));
                }
                return parts;
            }
        };
    }

    private class Part implements EventScan {
        final String source;
        final int partition;

        Part(String source, int partition) {
            this.source = source;
            this.partition = partition;
        }

        @Override
        public void forEach(long from, long until, java.util.function.Consumer<ArchivedEvent> sink) {
            forEachOf(source, partition, from, until, sink);
        }

        @Override
        public java.util.OptionalLong newestEventTime() {
            long[] newest = {Long.MIN_VALUE};
            forEachOf(source, partition, Long.MIN_VALUE, Long.MAX_VALUE, e -> newest[0] = Math.max(newest[0], e.eventTime()));
            return java.util.OptionalLong.of(newest[0]);
        }

        @Override
        public void forEachWithKeys(long from, long until, List<String> keyFields,
                java.util.function.BiConsumer<ArchivedEvent, String[]> sink) throws IOException {
            if (!keyColumns) {
                EventScan.super.forEachWithKeys(from, until, keyFields, sink);
                return;
            }
            Map<ArchivedEvent, Map<String, Object>> fields = new java.util.IdentityHashMap<>();
            for (Archived a : events) {
                fields.put(a.event, a.ev.fields());
            }
            forEachOf(source, partition, from, until, e -> {
                String[] keys = new String[keyFields.size()];
                for (int i = 0; i < keys.length; i++) {
                    keys[i] = dev.tessera.runtime.EntityKeys.text(fields.get(e).get(keyFields.get(i)));
                }
                sink.accept(e, keys);
            });
        }
    }

    private void forEachOf(String source, int partition, long from, long until, java.util.function.Consumer<ArchivedEvent> sink) {
        for (Archived a : events) {
            if (a.source.equals(source) && (partition < 0 || a.event.partition() == partition)
                    && a.event.eventTime() >= from && a.event.eventTime() < until) {
                sink.accept(a.event);
            }
        }
    }

    /** The newest event time of any source. */
    public long newestEventTime() {
        return events.stream().mapToLong(a -> a.event.eventTime()).max().orElse(Long.MIN_VALUE);
    }

    /** Oracle events of {@code source} whose {@code keyField} is {@code key}. */
    public List<NaiveOracle.Ev> eventsOf(String source, String keyField, String key) {
        List<NaiveOracle.Ev> out = new ArrayList<>();
        Set<NaiveOracle.Ev> once = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Archived a : events) {
            if (a.source.equals(source) && key.equals(a.ev.fields().get(keyField)) && once.add(a.ev)) {
                out.add(a.ev);
            }
        }
        return out;
    }

    /** As {@link #eventsOf}, only those that had reached the broker by {@code arrivedBy} (ingest time). */
    public List<NaiveOracle.Ev> eventsArrivedBy(String source, String keyField, String key, long arrivedBy) {
        List<NaiveOracle.Ev> out = new ArrayList<>();
        Set<NaiveOracle.Ev> once = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Archived a : events) {
            if (a.source.equals(source) && key.equals(a.ev.fields().get(keyField)) && a.event.ingestTime() <= arrivedBy && once.add(a.ev)) {
                out.add(a.ev);
            }
        }
        return out;
    }

    /** When each event of {@link #eventsOf} reached the broker. */
    public List<Long> ingestTimesOf(String source, String keyField, String key) {
        List<Long> out = new ArrayList<>();
        for (Archived a : events) {
            if (a.source.equals(source) && key.equals(a.ev.fields().get(keyField))) {
                out.add(a.event.ingestTime());
            }
        }
        return out;
    }

    static byte[] json(Map<String, Object> fields) {
        try {
            return JSON.writeValueAsBytes(fields);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
