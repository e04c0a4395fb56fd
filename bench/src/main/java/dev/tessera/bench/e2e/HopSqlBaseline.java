package dev.tessera.bench.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.bridge.java.StreamStatementSet;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

/**
 * The peer a team would write instead of Tessera's Flink job: the same feature groups by hand in
 * Flink SQL ({@code hop-baseline/*.sql} beside this class), one window-TVF query per (window, hop)
 * pair, {@code TABLE(HOP(TABLE payments, DESCRIPTOR(ts), hop, window))} grouped by the entity and
 * {@code window_start, window_end}, results to the {@code blackhole} connector (the sink costs
 * nothing; Tessera pays for its Redis writes).
 *
 * <p>Tuned as Flink's performance-tuning guide recommends for aggregations: mini-batch on (1 s,
 * 5,000 rows), which lets the planner split every aggregation that can merge into a local and a
 * global phase (the local window aggregate pre-aggregates per slice before the shuffle), object
 * reuse on; one Kafka scan shared by every query (source reuse, the default). Split-distinct
 * aggregation is left off: it spreads hot keys over more parallel instances at the price of an
 * extra aggregation per event, a loss per core. Checkpoints as Tessera's job takes them (same
 * interval, exactly-once).
 *
 * <p>What Flink does with HOP here: the window-TVF aggregation slices the time axis by the hop and
 * keeps one partial aggregate per slice and key (it does not copy an event into each of its
 * {@code window / hop} windows, as the legacy {@code GROUP BY HOP(...)} and the DataStream
 * {@code SlidingEventTimeWindows} do); when a window ends, it merges the slices of that window and
 * emits one row per key and window, so an event still causes {@code window / hop} result rows
 * (60 for a 10-minute window with 10-second hops, 168 for 7 days with 1-hour hops).
 */
final class HopSqlBaseline {
    private HopSqlBaseline() {}

    /** The groups written by hand (a file each); the payments table is their common source. */
    static final List<String> GROUPS = List.of("account_payments", "card_payments");

    /**
     * Adds the baseline's queries for {@code groups} to {@code env} (planned now; run by the next
     * {@code execute}) and returns the optimized plan ({@code EXPLAIN}).
     */
    static String attach(StreamExecutionEnvironment env, List<String> groups, String topic, String bootstrap,
                         String consumerGroup, int parallelism, long checkpointIntervalMillis, boolean bounded) {
        env.setParallelism(parallelism);
        env.enableCheckpointing(checkpointIntervalMillis, CheckpointingMode.EXACTLY_ONCE);
        env.getConfig().enableObjectReuse();
        StreamTableEnvironment tables = StreamTableEnvironment.create(env, EnvironmentSettings.inStreamingMode());
        var config = tables.getConfig();
        config.set("table.exec.mini-batch.enabled", "true");
        config.set("table.exec.mini-batch.allow-latency", "1 s");
        config.set("table.exec.mini-batch.size", "5000");
        config.set("table.optimizer.agg-phase-strategy", "AUTO"); // two phases wherever every aggregate can merge

        Map<String, String> values = Map.of("${topic}", topic, "${bootstrap}", bootstrap, "${group_id}", consumerGroup,
                "${bounded_mode}", bounded ? "latest-offset" : "unbounded");
        StreamStatementSet inserts = tables.createStatementSet();
        List<String> files = new ArrayList<>(List.of("payments_source"));
        for (String g : groups) {
            if (!GROUPS.contains(g)) {
                throw new IllegalArgumentException("the Flink SQL baseline has no hand-written queries for group " + g
                        + "; it has " + GROUPS + " (hop-baseline/<group>.sql)");
            }
            files.add(g);
        }
        for (String file : files) {
            for (String statement : statements(file, values)) {
                if (statement.regionMatches(true, 0, "INSERT", 0, 6)) {
                    inserts.addInsertSql(statement);
                } else {
                    tables.executeSql(statement);
                }
            }
        }
        String plan = inserts.explain();
        inserts.attachAsDataStream();
        return plan;
    }

    /** The statements of {@code hop-baseline/<file>.sql}: comment lines dropped, split at the {@code ;} that ends a line. */
    static List<String> statements(String file, Map<String, String> values) {
        String text;
        try (InputStream in = HopSqlBaseline.class.getResourceAsStream("hop-baseline/" + file + ".sql")) {
            if (in == null) {
                throw new IllegalStateException("hop-baseline/" + file + ".sql is not on the class path");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StringBuilder sql = new StringBuilder();
        for (String line : text.split("\n")) {
            if (!line.strip().startsWith("--")) {
                sql.append(line).append('\n');
            }
        }
        String all = sql.toString();
        for (Map.Entry<String, String> v : values.entrySet()) {
            all = all.replace(v.getKey(), v.getValue());
        }
        List<String> out = new ArrayList<>();
        for (String s : all.split(";\\s*\n")) {
            if (!s.isBlank()) {
                out.add(s.strip());
            }
        }
        return out;
    }
}
