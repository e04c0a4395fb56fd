package dev.tessera.bench.e2e;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The baseline of {@link TrainingSetBench}: the 20 features of {@code training_set_bench.yaml}
 * computed by DuckDB (in this JVM, through JDBC) from the typed events Parquet file and the spine,
 * with SPEC §3's sawtooth windows: read at {@code ts}, a window {@code W} with hop {@code h} covers
 * {@code floor_h(ts - W) <= event_time < ts} (epoch millis; everything here is positive, so
 * {@code x // h * h} is {@code floor_h}). Empty windows: count and sum 0, avg/min/max NULL, as
 * Tessera serves them. Two formulations ({@link Sql}):
 * <ul>
 *   <li>{@code range}: one range join of spine and events on the account and
 *       {@code [floor_1d(ts - 30d), ts)} (the widest window), then conditional aggregation per
 *       window ({@code FILTER (WHERE event_time >= lo_W)}), grouped by spine row;</li>
 *   <li>{@code window}: the union of spine rows and events ordered per account by
 *       {@code 2·time + is_event} (so events at exactly {@code ts} sort after the row), with one
 *       {@code RANGE BETWEEN o PRECEDING AND CURRENT ROW} frame per window, where {@code o} is the
 *       row's own distance to its aligned window start (DuckDB evaluates frame offsets per row), and
 *       aggregates filtered to events.</li>
 * </ul>
 * The output is what Tessera writes: the spine's columns in spine order, then one column per
 * feature named {@code account_txn__<feature>}, as ZSTD Parquet.
 */
final class DuckDbTrainingSet {
    private DuckDbTrainingSet() {}

    /** A SQL formulation of the same training set. */
    enum Sql {
        RANGE,
        WINDOW,
        CUMULATIVE;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    static final String GROUP = "account_txn";

    /** One feature: name as served, aggregation, window (ms), hop (ms), SQL condition on the event or null. */
    record Feature(String name, String agg, long window, long hop, String where) {
        String column() {
            return GROUP + "__" + name;
        }

        String lo() {
            return "lo_" + suffix();
        }

        String suffix() {
            return name.substring(name.lastIndexOf('_') + 1);
        }

        /** The value for an empty window: count and sum are 0, the others NULL. */
        String finish(String expr) {
            return agg.equals("count") || agg.equals("sum") ? "coalesce(" + expr + ", 0)" : expr;
        }
    }

    static final long M5 = 300_000L;
    static final long H = 3_600_000L;
    static final long D = 86_400_000L;
    /** Windows and their default hops (SPEC §3): 1h → 5m, 1d → 1h, 7d → 1h, 30d → 1d. */
    static final Map<String, long[]> WINDOWS = new LinkedHashMap<>();

    static {
        WINDOWS.put("1h", new long[] {H, M5});
        WINDOWS.put("1d", new long[] {D, H});
        WINDOWS.put("7d", new long[] {7 * D, H});
        WINDOWS.put("30d", new long[] {30 * D, D});
    }

    /** The 20 features in the service's order (the group's declaration order, windows in order). */
    static final List<Feature> FEATURES = features();

    private static List<Feature> features() {
        List<Feature> f = new ArrayList<>();
        String declined = "status = 'DECLINED'";
        add(f, "payment_count", "count", null, "1h", "1d", "7d", "30d");
        add(f, "amount_sum", "sum", null, "1h", "1d", "7d", "30d");
        add(f, "amount_avg", "avg", null, "1d", "7d", "30d");
        add(f, "amount_max", "max", null, "1d", "7d", "30d");
        add(f, "amount_min", "min", null, "7d", "30d");
        add(f, "declined_count", "count", declined, "1d", "7d");
        add(f, "declined_amount_sum", "sum", declined, "7d");
        add(f, "foreign_count", "count", "country <> 'US'", "30d");
        return List.copyOf(f);
    }

    private static void add(List<Feature> out, String name, String agg, String where, String... windows) {
        for (String w : windows) {
            long[] wh = WINDOWS.get(w);
            out.add(new Feature(name + "_" + w, agg, wh[0], wh[1], where));
        }
    }

    /** {@code floor_h(ts - W)} as SQL. */
    private static String start(String ts, long[] wh) {
        return "(" + ts + " - " + wh[0] + ") // " + wh[1] + " * " + wh[1];
    }

    static String sql(Sql form, Path spine, Path events, Path out) {
        return switch (form) {
            case RANGE -> rangeJoin(spine, events, out);
            case WINDOW -> windowed(spine, events, out);
            case CUMULATIVE -> cumulative(spine, events, out);
        };
    }

    private static String rangeJoin(Path spine, Path events, Path out) {
        StringBuilder lo = new StringBuilder();
        WINDOWS.forEach((w, wh) -> lo.append(",\n           ").append(start("ts", wh)).append(" AS lo_").append(w));
        StringBuilder aggs = new StringBuilder();
        StringBuilder select = new StringBuilder();
        for (Feature f : FEATURES) {
            String cond = "e.event_time >= s." + f.lo() + (f.where == null ? "" : " AND e." + f.where);
            String arg = f.agg.equals("count") ? "*" : "e.amount";
            aggs.append(",\n      ").append(f.agg).append('(').append(arg).append(") FILTER (WHERE ").append(cond).append(") AS ").append(f.name);
            select.append(",\n    ").append(f.finish("a." + f.name)).append(" AS ").append(f.column());
        }
        return "COPY (\n"
                + "  WITH s AS (\n"
                + "    SELECT file_row_number AS rn, account_id, ts, label" + lo + "\n"
                + "    FROM read_parquet('" + spine + "', file_row_number = true)),\n"
                + "  a AS (\n"
                + "    SELECT s.rn" + aggs + "\n"
                + "    FROM s JOIN read_parquet('" + events + "') e\n"
                + "      ON e.account_id = s.account_id AND e.event_time >= s.lo_30d AND e.event_time < s.ts\n"
                + "    GROUP BY s.rn)\n"
                + "  SELECT s.account_id, s.ts, s.label" + select + "\n"
                + "  FROM s LEFT JOIN a USING (rn)\n"
                + "  ORDER BY s.rn\n"
                + ") TO '" + out + "' (FORMAT parquet, COMPRESSION zstd)";
    }

    private static String windowed(Path spine, Path events, Path out) {
        StringBuilder offsets = new StringBuilder();
        StringBuilder zeros = new StringBuilder();
        StringBuilder frames = new StringBuilder();
        WINDOWS.forEach((w, wh) -> {
            offsets.append(",\n           2 * (ts - ").append(start("ts", wh)).append(") AS o_").append(w);
            zeros.append(", 0");
            frames.append(frames.length() == 0 ? "\n    WINDOW " : ",\n           ").append("w_").append(w)
                    .append(" AS (PARTITION BY account_id ORDER BY k RANGE BETWEEN o_").append(w).append(" PRECEDING AND CURRENT ROW)");
        });
        StringBuilder aggs = new StringBuilder();
        StringBuilder select = new StringBuilder();
        for (Feature f : FEATURES) {
            // spine rows have NULL amount, status and country: aggregates of amount and filtered counts skip them unasked
            String agg = f.agg.equals("count") ? "count(*) FILTER (WHERE " + (f.where == null ? "is_event" : f.where) + ")"
                    : f.agg + "(amount)" + (f.where == null ? "" : " FILTER (WHERE " + f.where + ")");
            aggs.append(",\n      ").append(agg).append(" OVER w_").append(f.suffix()).append(" AS ").append(f.name);
            select.append(",\n    ").append(f.finish(f.name)).append(" AS ").append(f.column());
        }
        return "COPY (\n"
                + "  WITH u AS (\n"
                + "    SELECT account_id, 2 * ts AS k, false AS is_event, file_row_number AS rn, ts, label,\n"
                + "           NULL::DOUBLE AS amount, NULL::VARCHAR AS status, NULL::VARCHAR AS country" + offsets + "\n"
                + "    FROM read_parquet('" + spine + "', file_row_number = true)\n"
                + "    UNION ALL\n"
                + "    SELECT account_id, 2 * event_time + 1, true, NULL, NULL, NULL, amount, status, country" + zeros + "\n"
                + "    FROM read_parquet('" + events + "')),\n"
                + "  w AS (\n"
                + "    SELECT rn, account_id, ts, label" + aggs + "\n"
                + "    FROM u" + frames + ")\n"
                + "  SELECT account_id, ts, label" + select + "\n"
                + "  FROM w WHERE rn IS NOT NULL\n"
                + "  ORDER BY rn\n"
                + ") TO '" + out + "' (FORMAT parquet, COMPRESSION zstd)";
    }

    /** The running totals the cumulative formulation keeps per account and millisecond: column, per-event expression. */
    private static final String[][] TOTALS = {
        {"n", "count(*)"},
        {"amt", "sum(amount::DECIMAL(18, 2))"},
        {"dn", "count(*) FILTER (WHERE status = 'DECLINED')"},
        {"damt", "sum(amount::DECIMAL(18, 2)) FILTER (WHERE status = 'DECLINED')"},
        {"fn", "count(*) FILTER (WHERE country <> 'US')"},
    };

    /**
     * Count, sum and avg as differences of running totals: per account and millisecond, totals of
     * every event up to it (a cheap {@code ROWS UNBOUNDED PRECEDING} window); a row at {@code ts}
     * takes the totals at the last millisecond before {@code ts} and before each window's start
     * (ASOF joins) and subtracts. Amounts are summed as DECIMAL(18,2) (they are cents), so the
     * subtraction is exact. Min and max cannot be subtracted: they come from the window
     * formulation, restricted to those five features.
     */
    private static String cumulative(Path spine, Path events, Path out) {
        StringBuilder lo = new StringBuilder();
        WINDOWS.forEach((w, wh) -> lo.append(",\n           ").append(start("ts", wh)).append(" AS lo_").append(w));
        StringBuilder totals = new StringBuilder();
        for (String[] t : TOTALS) {
            totals.append(",\n           sum(").append(t[1]).append(") OVER w AS ").append(t[0]);
        }
        StringBuilder picks = new StringBuilder();
        StringBuilder joins = new StringBuilder();
        List<String> at = new ArrayList<>(List.of("ts"));
        WINDOWS.keySet().forEach(w -> at.add("lo_" + w));
        for (String a : at) {
            String alias = "c_" + a;
            joins.append("\n    ASOF LEFT JOIN c ").append(alias).append(" ON ").append(alias).append(".account_id = s.account_id AND s.")
                    .append(a).append(" > ").append(alias).append(".t");
            for (String[] t : TOTALS) {
                picks.append(", coalesce(").append(alias).append('.').append(t[0]).append(", 0) AS ").append(t[0]).append('_').append(a);
            }
        }
        StringBuilder offsets = new StringBuilder();
        StringBuilder zeros = new StringBuilder();
        StringBuilder frames = new StringBuilder();
        StringBuilder minMax = new StringBuilder();
        StringBuilder select = new StringBuilder();
        for (String w : List.of("1d", "7d", "30d")) {
            long[] wh = WINDOWS.get(w);
            offsets.append(",\n           2 * (ts - ").append(start("ts", wh)).append(") AS o_").append(w);
            zeros.append(", 0");
            frames.append(frames.length() == 0 ? "\n    WINDOW " : ",\n           ").append("w_").append(w)
                    .append(" AS (PARTITION BY account_id ORDER BY k RANGE BETWEEN o_").append(w).append(" PRECEDING AND CURRENT ROW)");
        }
        for (Feature f : FEATURES) {
            String w = f.suffix();
            String diff = switch (f.name.substring(0, f.name.lastIndexOf('_'))) {
                case "payment_count" -> "n_ts - n_lo_" + w;
                case "amount_sum" -> "(amt_ts - amt_lo_" + w + ")::DOUBLE";
                case "amount_avg" -> "CASE WHEN n_ts > n_lo_" + w + " THEN (amt_ts - amt_lo_" + w + ")::DOUBLE / (n_ts - n_lo_" + w + ") END";
                case "declined_count" -> "dn_ts - dn_lo_" + w;
                case "declined_amount_sum" -> "(damt_ts - damt_lo_" + w + ")::DOUBLE";
                case "foreign_count" -> "fn_ts - fn_lo_" + w;
                default -> null;
            };
            if (diff == null) {
                minMax.append(",\n      ").append(f.agg).append("(amount) OVER w_").append(w).append(" AS ").append(f.name);
                select.append(",\n    mm.").append(f.name).append(" AS ").append(f.column());
            } else {
                select.append(",\n    ").append(diff).append(" AS ").append(f.column());
            }
        }
        return "COPY (\n"
                + "  WITH s AS (\n"
                + "    SELECT file_row_number AS rn, account_id, ts, label" + lo + "\n"
                + "    FROM read_parquet('" + spine + "', file_row_number = true)),\n"
                + "  c AS (\n"
                + "    SELECT account_id, event_time AS t" + totals + "\n"
                + "    FROM read_parquet('" + events + "')\n"
                + "    GROUP BY account_id, event_time\n"
                + "    WINDOW w AS (PARTITION BY account_id ORDER BY event_time ROWS UNBOUNDED PRECEDING)),\n"
                + "  a AS (\n"
                + "    SELECT s.rn, s.account_id, s.ts, s.label" + picks + "\n"
                + "    FROM s" + joins + "),\n"
                + "  u AS (\n"
                + "    SELECT account_id, 2 * ts AS k, file_row_number AS rn, NULL::DOUBLE AS amount" + offsets + "\n"
                + "    FROM read_parquet('" + spine + "', file_row_number = true)\n"
                + "    UNION ALL\n"
                + "    SELECT account_id, 2 * event_time + 1, NULL, amount" + zeros + "\n"
                + "    FROM read_parquet('" + events + "')),\n"
                + "  mm AS (\n"
                + "    SELECT * FROM (\n"
                + "      SELECT rn" + minMax + "\n"
                + "      FROM u" + frames + ")\n"
                + "    WHERE rn IS NOT NULL)\n"
                + "  SELECT a.account_id, a.ts, a.label" + select + "\n"
                + "  FROM a JOIN mm USING (rn)\n"
                + "  ORDER BY a.rn\n"
                + ") TO '" + out + "' (FORMAT parquet, COMPRESSION zstd)";
    }

    /** Runs one formulation in a fresh in-memory database (its memory is released when it closes). */
    static void run(Sql form, Path spine, Path events, Path out, Path tmp) throws SQLException {
        Properties p = new Properties();
        p.setProperty("temp_directory", tmp.toString());
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:", p); Statement st = c.createStatement()) {
            st.execute(sql(form, spine, events, out));
        }
    }

    /** DuckDB's thread count and memory limit, as a fresh database has them. */
    static String settings() throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement();
             ResultSet r = st.executeQuery("SELECT version(), current_setting('threads'), current_setting('memory_limit')")) {
            r.next();
            return "DuckDB " + r.getString(1) + ", threads " + r.getString(2) + ", memory_limit " + r.getString(3);
        }
    }

    /**
     * Compares two training sets value by value, row by row (spine order): the spine columns
     * exactly, counts exactly, doubles within 1e-9 relative, nulls where the other is null.
     *
     * @return the number of values compared
     * @throws IllegalStateException listing the first mismatches, when there is any
     */
    static long crossCheck(Path tessera, Path duck) throws SQLException {
        StringBuilder cols = new StringBuilder("t.account_id, d.account_id, t.ts, d.ts, t.label, d.label");
        for (Feature f : FEATURES) {
            cols.append(", t.").append(f.column()).append(", d.").append(f.column());
        }
        long rows = 0;
        long values = 0;
        long mismatches = 0;
        long nonEmpty = 0;
        List<String> examples = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            try (ResultSet n = st.executeQuery("SELECT (SELECT count(*) FROM read_parquet('" + tessera + "')), (SELECT count(*) FROM read_parquet('"
                    + duck + "'))")) {
                n.next();
                if (n.getLong(1) != n.getLong(2)) {
                    throw new IllegalStateException("row counts differ: Tessera " + n.getLong(1) + ", DuckDB " + n.getLong(2));
                }
            }
            try (ResultSet r = st.executeQuery("SELECT " + cols + " FROM read_parquet('" + tessera + "') t POSITIONAL JOIN read_parquet('"
                    + duck + "') d")) {
                while (r.next()) {
                    rows++;
                    for (int c2 = 1; c2 <= 6; c2 += 2) {
                        String a = r.getString(c2);
                        String b = r.getString(c2 + 1);
                        if (!java.util.Objects.equals(a, b)) {
                            mismatches++;
                            note(examples, "row " + (rows - 1) + " spine column " + ((c2 + 1) / 2) + ": " + a + " vs " + b);
                        }
                    }
                    for (int i = 0; i < FEATURES.size(); i++) {
                        Feature f = FEATURES.get(i);
                        Object a = r.getObject(7 + 2 * i);
                        Object b = r.getObject(8 + 2 * i);
                        values++;
                        if (!same(a, b)) {
                            mismatches++;
                            note(examples, "row " + (rows - 1) + " " + f.name + ": Tessera " + a + ", DuckDB " + b);
                        } else if (f.name.equals("payment_count_30d") && a != null && ((Number) a).longValue() > 0) {
                            nonEmpty++;
                        }
                    }
                }
            }
        }
        System.out.printf("cross-check %s vs %s: %,d rows, %,d feature values compared, %,d mismatches; %,d rows with payments in the 30 days before%n",
                tessera.getFileName(), duck.getFileName(), rows, values, mismatches, nonEmpty);
        if (mismatches > 0 || rows == 0) {
            throw new IllegalStateException("CROSS-CHECK FAILED: " + mismatches + " mismatches in " + rows + " rows; first: " + examples);
        }
        return values;
    }

    private static void note(List<String> examples, String s) {
        if (examples.size() < 10) {
            examples.add(s);
        }
    }

    static boolean same(Object a, Object b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a instanceof Double || b instanceof Double || a instanceof Float || b instanceof Float) {
            double x = ((Number) a).doubleValue();
            double y = ((Number) b).doubleValue();
            return x == y || Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y));
        }
        return ((Number) a).longValue() == ((Number) b).longValue();
    }
}
