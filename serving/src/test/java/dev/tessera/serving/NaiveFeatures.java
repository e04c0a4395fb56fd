package dev.tessera.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * What the commerce example's features must serve, by brute force over the events a test produced,
 * straight from SPEC §2–3 and the YAML in {@code examples/commerce/groups} (sharing no code with
 * the runtime): a window {@code W} with hop {@code h} read at {@code t} covers
 * {@code floor_h(t − W) ≤ event_time < t}; hops are the spec's defaults (10m → 10s, 1h → 5m,
 * 1d and 7d → 1h, 30d → 1d). Values come out as JSON reads them back: longs, strings, lists, and
 * top_k entries as {@code {value, count}} maps. The percentile is left out (it is checked by rank).
 */
final class NaiveFeatures {
    static final long SECOND = 1_000;
    static final long MINUTE = 60 * SECOND;
    static final long HOUR = 60 * MINUTE;
    static final long DAY = 24 * HOUR;

    /** One event: its time, id and fields (as produced). */
    record Ev(long time, String id, Map<String, Object> fields) {
        Object get(String field) {
            return fields.get(field);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private NaiveFeatures() {
    }

    /** A payment of the commerce example ({@code examples/commerce/sources.yaml}). */
    static Ev payment(String id, Object account, String card, String merchant, long amount, String status, String country, long time) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("payment_id", id);
        f.put("account_id", account);
        f.put("card_fingerprint", card);
        f.put("merchant_id", merchant);
        f.put("amount", amount);
        f.put("currency", "EUR");
        f.put("status", status);
        f.put("country", country);
        f.put("event_time", time);
        return new Ev(time, id, f);
    }

    /** A login of the commerce example. */
    static Ev login(String id, String account, String device, String ip, boolean success, String country, long time) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("login_id", id);
        f.put("account_id", account);
        f.put("device_id", device);
        f.put("ip", ip);
        f.put("success", success);
        f.put("country", country);
        f.put("event_time", time);
        return new Ev(time, id, f);
    }

    static String json(Ev e) {
        try {
            return JSON.writeValueAsString(e.fields);
        } catch (JsonProcessingException x) {
            throw new IllegalStateException(x);
        }
    }

    /** Every served feature of {@code account_payments} except {@code amount_p95_7d}, in declaration order. */
    static Map<String, Object> accountPayments(List<Ev> payments, String account, long t) {
        List<Ev> mine = payments.stream().filter(e -> account.equals(String.valueOf(e.get("account_id")))).toList();
        Predicate<Ev> declined = e -> "DECLINED".equals(e.get("status"));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("payment_count_10m", count(mine, t, 10 * MINUTE, 10 * SECOND, e -> true));
        m.put("payment_count_1h", count(mine, t, HOUR, 5 * MINUTE, e -> true));
        m.put("payment_count_1d", count(mine, t, DAY, HOUR, e -> true));
        m.put("payment_count_7d", count(mine, t, 7 * DAY, HOUR, e -> true));
        m.put("declined_count_1h", count(mine, t, HOUR, 5 * MINUTE, declined));
        m.put("declined_count_1d", count(mine, t, DAY, HOUR, declined));
        m.put("amount_sum_1h", sum(mine, t, HOUR, 5 * MINUTE, "amount"));
        m.put("amount_sum_1d", sum(mine, t, DAY, HOUR, "amount"));
        m.put("amount_sum_30d", sum(mine, t, 30 * DAY, DAY, "amount"));
        m.put("distinct_cards_1d", distinct(mine, t, DAY, HOUR, "card_fingerprint"));
        m.put("distinct_cards_30d", distinct(mine, t, 30 * DAY, DAY, "card_fingerprint"));
        m.put("recent_cards_1d", lastK(mine, t, DAY, HOUR, "card_fingerprint", 5));
        m.put("top_merchants_7d", topK(mine, t, 7 * DAY, HOUR, "merchant_id", 3));
        m.put("last_country", last(mine, t, "country"));
        return m;
    }

    /** The amounts {@code amount_p95_7d} ranks over, sorted. */
    static List<Long> amounts7d(List<Ev> payments, String account, long t) {
        return in(payments.stream().filter(e -> account.equals(String.valueOf(e.get("account_id")))).toList(), t, 7 * DAY, HOUR, "amount")
                .stream().map(e -> ((Number) e.get("amount")).longValue()).sorted().toList();
    }

    /** Every served feature of {@code account_logins}, in declaration order. */
    static Map<String, Object> accountLogins(List<Ev> logins, String account, long t) {
        List<Ev> mine = logins.stream().filter(e -> account.equals(String.valueOf(e.get("account_id")))).toList();
        Predicate<Ev> failed = e -> Boolean.FALSE.equals(e.get("success"));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("login_count_1h", count(mine, t, HOUR, 5 * MINUTE, e -> true));
        m.put("login_count_1d", count(mine, t, DAY, HOUR, e -> true));
        m.put("failed_login_count_10m", count(mine, t, 10 * MINUTE, 10 * SECOND, failed));
        m.put("failed_login_count_1h", count(mine, t, HOUR, 5 * MINUTE, failed));
        m.put("failed_login_count_1d", count(mine, t, DAY, HOUR, failed));
        m.put("distinct_devices_1d", distinct(mine, t, DAY, HOUR, "device_id"));
        m.put("distinct_devices_30d", distinct(mine, t, 30 * DAY, DAY, "device_id"));
        m.put("distinct_ips_1d", distinct(mine, t, DAY, HOUR, "ip"));
        m.put("distinct_ips_7d", distinct(mine, t, 7 * DAY, HOUR, "ip"));
        m.put("last_login_country", last(mine, t, "country"));
        return m;
    }

    /** {@code card_payments.declined_count_1h} of one card. */
    static long cardDeclined1h(List<Ev> payments, String card, long t) {
        return count(payments.stream().filter(e -> card.equals(e.get("card_fingerprint"))).toList(), t, HOUR, 5 * MINUTE,
                e -> "DECLINED".equals(e.get("status")));
    }

    static List<Ev> in(List<Ev> events, long t, long window, long hop, String of) {
        long from = Math.floorDiv(t - window, hop) * hop;
        List<Ev> out = new ArrayList<>();
        for (Ev e : events) {
            if (e.time >= from && e.time < t && (of == null || e.get(of) != null)) {
                out.add(e);
            }
        }
        return out;
    }

    static long count(List<Ev> events, long t, long window, long hop, Predicate<Ev> where) {
        return in(events, t, window, hop, null).stream().filter(where).count();
    }

    static long sum(List<Ev> events, long t, long window, long hop, String of) {
        return in(events, t, window, hop, of).stream().mapToLong(e -> ((Number) e.get(of)).longValue()).sum();
    }

    static long distinct(List<Ev> events, long t, long window, long hop, String of) {
        return new HashSet<>(in(events, t, window, hop, of).stream().map(e -> e.get(of)).toList()).size();
    }

    private static final Comparator<Ev> NEWEST_FIRST = Comparator.comparingLong(Ev::time).thenComparing(Ev::id).reversed();

    static List<Object> lastK(List<Ev> events, long t, long window, long hop, String of, int k) {
        return in(events, t, window, hop, of).stream().sorted(NEWEST_FIRST).limit(k).map(e -> e.get(of)).toList();
    }

    static List<Map<String, Object>> topK(List<Ev> events, long t, long window, long hop, String of, int k) {
        TreeMap<String, Long> counts = new TreeMap<>();
        in(events, t, window, hop, of).forEach(e -> counts.merge(e.get(of).toString(), 1L, Long::sum));
        List<Map.Entry<String, Long>> ranked = new ArrayList<>(counts.entrySet());
        ranked.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : ranked.subList(0, Math.min(k, ranked.size()))) {
            Map<String, Object> vc = new LinkedHashMap<>();
            vc.put("value", e.getKey());
            vc.put("count", e.getValue());
            out.add(vc);
        }
        return out;
    }

    /** Lifetime last: the event with the greatest (time, id) before {@code t}. */
    static Object last(List<Ev> events, long t, String of) {
        return events.stream().filter(e -> e.time < t && e.get(of) != null).min(NEWEST_FIRST).map(e -> e.get(of)).orElse(null);
    }
}
