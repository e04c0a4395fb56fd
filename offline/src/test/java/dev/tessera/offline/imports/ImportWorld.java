package dev.tessera.offline.imports;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.offline.archive.ArchiveReader;
import dev.tessera.offline.archive.ArchivedEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;

/**
 * A payments source for import tests, input files of every format written row by row with what each
 * row is, and the naive oracle of what an import must archive and reject, computed from the rows
 * alone (never from what the importer did).
 *
 * <p>The oracle's dedup rule, straight from ADR 008 "Import": valid rows are taken in (event hour,
 * file, line) order; a row with an id is a duplicate when a row with that id was archived before or
 * kept earlier with an event hour at most one away (the source's dedup horizon is 1 h); a row without
 * an id is a duplicate when an identical row without id was archived or kept in the same event hour.
 */
final class ImportWorld {
    static final long HOUR = 3_600_000L;
    static final int MAX_RECORD_BYTES = 4096;
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOPIC = "imp.payments";

    static final String DEFINITIONS = """
            kind: Entity
            name: account
            keys: [account_id]
            ---
            kind: Entity
            name: merchant
            keys: [merchant.id]
            ---
            kind: Source
            name: payments
            kafka: { topic: imp.payments }
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
              - { name: payment_count, agg: count, windows: [1d, 7d] }
              - { name: amount_sum, agg: sum, of: amount, windows: [1d, 7d] }
              - { name: last_status, agg: last, of: status }
            ---
            kind: FeatureGroup
            name: merchant_payments
            source: payments
            entity: merchant
            features:
              - { name: payment_count, agg: count, windows: [1d] }
            ---
            kind: FeatureService
            name: account_view
            features: [account_payments.*]
            """;

    /** A payment as the test means it; {@code id}, {@code account} and {@code merchant} may be null. */
    record Pay(String id, String account, String merchant, long time, boolean isoTime, double amount, String status) {
        Pay withTime(long t) {
            return new Pay(id, account, merchant, t, isoTime, amount, status);
        }
    }

    /**
     * One row of an input file: where it is, the reject reason the row must get in the first pass
     * (null for a valid row), and for a valid row the payment and its identity (what makes two rows
     * without id the same record).
     */
    record Row(String file, long number, String reason, Pay pay, String identity) {}

    private ImportWorld() {
    }

    static Path writeDefinitions(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("payments.yaml"), DEFINITIONS);
        return dir;
    }

    // ---- the logical rows ----------------------------------------------------------------------

    /** A logical row before it is given a format: a payment (valid), or a bad kind. */
    record Item(Pay pay, String bad) {}

    /**
     * {@code n} items: good payments with event times in [start, end) in random order, some without an
     * id, exact copies and near copies (same id, up to 40 minutes apart, so possibly the next hour) of
     * earlier ones, far copies (same id, 5 hours earlier: not duplicates), and one of each of the format's
     * {@code badKinds} every few rows.
     */
    static List<Item> items(Random rnd, int n, long start, long end, String idPrefix, List<String> badKinds) {
        return items(rnd, n, start, end, idPrefix, badKinds, new ArrayList<>());
    }

    /** {@link #items} with copies also of the payments in {@code seen} (which it extends): for several files of one import. */
    static List<Item> items(Random rnd, int n, long start, long end, String idPrefix, List<String> badKinds, List<Pay> seen) {
        List<Item> out = new ArrayList<>();
        int bad = 0;
        for (int i = 0; i < n; i++) {
            int roll = rnd.nextInt(100);
            if (roll < 8 && !seen.isEmpty()) {
                out.add(new Item(seen.get(rnd.nextInt(seen.size())), null)); // an exact copy
            } else if (roll < 11 && !seen.isEmpty()) {
                Pay p = seen.get(rnd.nextInt(seen.size()));
                if (p.id() != null) {
                    out.add(new Item(p.withTime(p.time() + (rnd.nextBoolean() ? 1 : -1) * rnd.nextInt(40 * 60_000)), null));
                }
            } else if (roll < 13 && !seen.isEmpty()) {
                Pay p = seen.get(rnd.nextInt(seen.size()));
                out.add(new Item(p.withTime(p.time() - 5 * HOUR), null));
            } else if (roll < 25 && bad < badKinds.size() * 3) {
                out.add(new Item(null, badKinds.get(bad++ % badKinds.size())));
            } else {
                Pay p = pay(rnd, roll < 30 ? null : idPrefix + i, start + (long) (rnd.nextDouble() * (end - start)));
                seen.add(p);
                out.add(new Item(p, null));
            }
        }
        return out;
    }

    static Pay pay(Random rnd, String id, long t) {
        String account = "acct-" + rnd.nextInt(40);
        String merchant = "m-" + rnd.nextInt(6);
        int shape = rnd.nextInt(12);
        return new Pay(id, shape == 0 ? null : account, shape == 1 ? null : merchant, t, rnd.nextInt(8) == 0,
                rnd.nextInt(100_000) / 100.0, rnd.nextInt(5) == 0 ? "DECLINED" : "APPROVED");
    }

    static Map<String, Object> fields(Pay p) {
        Map<String, Object> f = new LinkedHashMap<>();
        if (p.id() != null) {
            f.put("payment_id", p.id());
        }
        if (p.account() != null) {
            f.put("account_id", p.account());
        }
        if (p.merchant() != null) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", p.merchant());
            m.put("name", "shop " + p.merchant());
            f.put("merchant", m);
        }
        f.put("event_time", p.isoTime() ? Instant.ofEpochMilli(p.time()).toString() : (Object) p.time());
        f.put("amount", p.amount());
        f.put("status", p.status());
        return f;
    }

    // ---- JSON Lines ------------------------------------------------------------------------------

    static final List<String> JSONL_BAD = List.of("not_json", "array", "truncated", "duplicate_key", "not_utf8", "ts_text",
            "ts_boolean", "ts_missing", "no_key", "empty_key", "future", "too_large", "key_object", "blank");

    /** Writes the items as JSON Lines (with a few CRLF line ends) and returns the rows, blank lines not included. */
    static List<Row> writeJsonl(Path file, List<Item> items, long now) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Row> rows = new ArrayList<>();
        long line = 0;
        Random rnd = new Random(file.getFileName().toString().hashCode());
        for (Item it : items) {
            line++;
            byte[] bytes;
            String reason = null;
            if (it.pay() != null) {
                bytes = JSON.writeValueAsBytes(fields(it.pay()));
            } else {
                Map<String, Object> f = fields(pay(rnd, "bad-" + line, now - 3 * HOUR));
                switch (it.bad()) {
                    case "not_json" -> { bytes = utf8("{oops"); reason = "malformed"; }
                    case "array" -> { bytes = utf8("[1,2,3]"); reason = "malformed"; }
                    case "truncated" -> { bytes = utf8("{\"payment_id\":\"x\",\"account_id\":\"acct-1\",\"event_"); reason = "malformed"; }
                    case "duplicate_key" -> { bytes = utf8("{\"payment_id\":\"x\",\"payment_id\":\"y\",\"account_id\":\"a\",\"event_time\":1}");
                        reason = "malformed"; }
                    case "not_utf8" -> {
                        byte[] b = utf8("{\"payment_id\":\"x\",\"account_id\":\"a\u00e9\",\"event_time\":1}");
                        b[b.length - 20] = (byte) 0xC3;
                        b[b.length - 19] = (byte) 0x28;
                        bytes = b;
                        reason = "malformed";
                    }
                    case "ts_text" -> { f.put("event_time", "yesterday"); bytes = JSON.writeValueAsBytes(f); reason = "bad_timestamp"; }
                    case "ts_boolean" -> { f.put("event_time", true); bytes = JSON.writeValueAsBytes(f); reason = "bad_timestamp"; }
                    case "ts_missing" -> { f.remove("event_time"); bytes = JSON.writeValueAsBytes(f); reason = "bad_timestamp"; }
                    case "no_key" -> { f.remove("account_id"); f.remove("merchant"); bytes = JSON.writeValueAsBytes(f); reason = "missing_key"; }
                    case "empty_key" -> { f.put("account_id", ""); f.put("merchant", null); bytes = JSON.writeValueAsBytes(f);
                        reason = "missing_key"; }
                    case "future" -> { f.put("event_time", now + 2 * 24 * HOUR); bytes = JSON.writeValueAsBytes(f); reason = "future"; }
                    case "too_large" -> { f.put("note", "x".repeat(MAX_RECORD_BYTES * 3)); bytes = JSON.writeValueAsBytes(f);
                        reason = "too_large"; }
                    case "key_object" -> { f.put("account_id", Map.of("x", 1)); bytes = JSON.writeValueAsBytes(f);
                        reason = "schema_mismatch"; }
                    case "blank" -> { bytes = utf8("   "); reason = "blank"; }
                    default -> throw new IllegalArgumentException(it.bad());
                }
            }
            out.write(bytes);
            out.write(rnd.nextInt(10) == 0 ? utf8("\r\n") : utf8("\n"));
            if (!"blank".equals(reason)) {
                rows.add(new Row(file.toString(), line, reason, it.pay(), it.pay() == null ? null : new String(bytes, StandardCharsets.UTF_8)));
            }
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, out.toByteArray());
        return rows;
    }

    // ---- CSV -------------------------------------------------------------------------------------

    static final String CSV_HEADER = "payment_id,account_id,merchant.id,merchant.name,event_time,amount,status";
    static final List<String> CSV_BAD = List.of("fields", "ts_text", "no_key", "quoted_empty_key", "future", "too_large", "blank",
            "multiline_good");

    /**
     * Writes the items as CSV: a header, a good row with a quoted name spanning two lines now and then,
     * quotes doubled inside quotes, CRLF line ends, and a quote left open on the very last line.
     */
    static List<Row> writeCsv(Path file, List<Item> items, long now) throws IOException {
        StringBuilder out = new StringBuilder(CSV_HEADER).append("\r\n");
        List<Row> rows = new ArrayList<>();
        long line = 2;
        Random rnd = new Random(file.getFileName().toString().hashCode());
        for (Item it : items) {
            String text;
            String reason = null;
            Pay pay = it.pay();
            if (pay == null && it.bad().equals("multiline_good")) {
                pay = pay(rnd, "ml-" + line, now - 4 * HOUR - rnd.nextInt(1000));
                text = csv(pay, "shop\n\"" + pay.merchant() + "\", the best"); // a good row spanning two lines
            } else if (pay != null) {
                text = csv(pay, null);
            } else {
                Pay p = pay(rnd, "bad-" + line, now - 3 * HOUR);
                switch (it.bad()) {
                    case "fields" -> { text = csv(p, null) + ",extra"; reason = "malformed"; }
                    case "ts_text" -> { text = csv(p, null).replace("," + p.time() + ",", ",01/02/2026 10:00,")
                            .replace("," + Instant.ofEpochMilli(p.time()) + ",", ",01/02/2026 10:00,"); reason = "bad_timestamp"; }
                    case "no_key" -> { text = csv(new Pay(p.id(), null, null, p.time(), false, 1, "APPROVED"), null); reason = "missing_key"; }
                    case "quoted_empty_key" -> { text = p.id() + ",\"\",\"\",x," + p.time() + ",1,APPROVED"; reason = "missing_key"; }
                    case "future" -> { text = csv(p.withTime(now + 3 * 24 * HOUR), null); reason = "future"; }
                    case "too_large" -> { text = p.id() + ",a,m,\"" + "y".repeat(MAX_RECORD_BYTES * 2) + "\"," + p.time() + ",1,OK";
                        reason = "too_large"; }
                    case "blank" -> { text = ""; reason = "blank"; }
                    default -> throw new IllegalArgumentException(it.bad());
                }
            }
            out.append(text).append(rnd.nextInt(4) == 0 ? "\r\n" : "\n");
            if (!"blank".equals(reason)) {
                rows.add(new Row(file.toString(), line, reason, pay, pay == null ? null : text));
            }
            line += 1 + text.chars().filter(c -> c == '\n').count();
        }
        // a quote opened on the last line and never closed: that row only is malformed
        out.append("open-1,acct-1,m-1,\"never closed,").append(now - HOUR).append(",1,APPROVED\n");
        rows.add(new Row(file.toString(), line, "malformed", null, null));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, out);
        return rows;
    }

    private static String csv(Pay p, String name) {
        String merchantName = name != null ? name : p.merchant() == null ? null : "shop \"" + p.merchant() + "\", ok";
        return String.join(",", cell(p.id()), cell(p.account()), cell(p.merchant()), cell(merchantName),
                p.isoTime() ? Instant.ofEpochMilli(p.time()).toString() : Long.toString(p.time()), Double.toString(p.amount()), p.status());
    }

    private static String cell(String s) {
        if (s == null) {
            return "";
        }
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    // ---- Parquet ---------------------------------------------------------------------------------

    static final Schema PARQUET_SCHEMA = SchemaBuilder.record("Payment").namespace("dump").fields()
            .optionalString("payment_id")
            .optionalString("account_id")
            .name("merchant").type().optional().record("Merchant").fields()
                .optionalString("id").optionalString("name").endRecord()
            .name("event_time").type().optional().type(LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG)))
            .requiredDouble("amount")
            .requiredString("status")
            .endRecord();
    static final List<String> PARQUET_BAD = List.of("no_key", "ts_null", "future", "too_large");

    /** Writes the items as Parquet (event time as timestamp-micros, merchant as a nested record). */
    static List<Row> writeParquet(Path file, List<Item> items, long now) throws IOException {
        List<Row> rows = new ArrayList<>();
        Random rnd = new Random(file.getFileName().toString().hashCode());
        Files.createDirectories(file.toAbsolutePath().getParent());
        Schema merchantSchema = PARQUET_SCHEMA.getField("merchant").schema().getTypes().get(1);
        try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
                .withSchema(PARQUET_SCHEMA).withDataModel(GenericData.get()).withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withRowGroupSize(64L << 10).build()) {
            long row = 0;
            for (Item it : items) {
                row++;
                Pay p = it.pay() != null ? it.pay() : pay(rnd, "bad-" + row, now - 3 * HOUR);
                String reason = null;
                GenericData.Record r = new GenericData.Record(PARQUET_SCHEMA);
                r.put("payment_id", p.id());
                r.put("account_id", p.account());
                if (p.merchant() != null) {
                    GenericData.Record m = new GenericData.Record(merchantSchema);
                    m.put("id", p.merchant());
                    m.put("name", "shop " + p.merchant());
                    r.put("merchant", m);
                }
                r.put("event_time", p.time() * 1000 + 999); // micros: the importer keeps whole millis
                r.put("amount", p.amount());
                r.put("status", p.status());
                if (it.pay() == null) {
                    switch (it.bad()) {
                        case "no_key" -> { r.put("account_id", null); r.put("merchant", null); reason = "missing_key"; }
                        case "ts_null" -> { r.put("event_time", null); reason = "bad_timestamp"; }
                        case "future" -> { r.put("event_time", (now + 2 * 24 * HOUR) * 1000); reason = "future"; }
                        case "too_large" -> { r.put("status", "z".repeat(MAX_RECORD_BYTES * 2)); reason = "too_large"; }
                        default -> throw new IllegalArgumentException(it.bad());
                    }
                }
                w.write(r);
                rows.add(new Row(file.toString(), row, reason, it.pay(), it.pay() == null ? null : r.toString()));
            }
        }
        return rows;
    }

    // ---- the oracle --------------------------------------------------------------------------------

    /** What an import of {@code rows} (all files, in file then line order) must do, given what was archived before. */
    record Expected(List<Row> kept, Map<String, String> rejects, Map<String, Long> counts) {}

    /**
     * @param archivedBefore rows already in the archive (id, time and identity), e.g. from an earlier import
     */
    static Expected expected(List<Row> rows, List<Row> archivedBefore) {
        Map<String, String> rejects = new LinkedHashMap<>();
        List<Row> valid = new ArrayList<>();
        for (Row r : rows) {
            if (r.reason() != null) {
                rejects.put(where(r), r.reason());
            } else {
                valid.add(r);
            }
        }
        valid.sort((a, b) -> {
            int c = Long.compare(Math.floorDiv(a.pay().time(), HOUR), Math.floorDiv(b.pay().time(), HOUR));
            return c != 0 ? c : 0; // a stable sort keeps file and line order within an hour
        });
        Map<String, List<Long>> hoursOfId = new HashMap<>();
        Set<String> withoutId = new HashSet<>(); // hour|identity
        List<Row> kept = new ArrayList<>();
        for (Row r : archivedBefore) {
            take(r, hoursOfId, withoutId);
        }
        for (Row r : valid) {
            long hour = Math.floorDiv(r.pay().time(), HOUR);
            boolean duplicate = r.pay().id() != null
                    ? hoursOfId.getOrDefault(r.pay().id(), List.of()).stream().anyMatch(h -> Math.abs(h - hour) <= 1)
                    : withoutId.contains(hour + "|" + r.identity());
            if (duplicate) {
                rejects.put(where(r), "duplicate");
            } else {
                take(r, hoursOfId, withoutId);
                kept.add(r);
            }
        }
        Map<String, Long> counts = new TreeMap<>();
        rejects.values().forEach(reason -> counts.merge(reason, 1L, Long::sum));
        return new Expected(kept, rejects, counts);
    }

    private static void take(Row r, Map<String, List<Long>> hoursOfId, Set<String> withoutId) {
        long hour = Math.floorDiv(r.pay().time(), HOUR);
        if (r.pay().id() != null) {
            hoursOfId.computeIfAbsent(r.pay().id(), x -> new ArrayList<>()).add(hour);
        } else {
            withoutId.add(hour + "|" + r.identity());
        }
    }

    static String where(Row r) {
        return r.file() + ":" + r.number();
    }

    // ---- checking the archive ----------------------------------------------------------------------

    /** The imported rows of the archive (partition -1); fails on a (partition, offset) seen twice. */
    static List<ArchivedEvent> imported(Path archiveRoot) throws IOException {
        List<ArchivedEvent> out = new ArrayList<>();
        Set<Long> offsets = new HashSet<>();
        ArchiveReader.open(archiveRoot, "payments").forEach(e -> {
            if (e.partition() == ArchivedEvent.IMPORTED) {
                assertThat(offsets.add(e.offset())).as("import sequence %d used twice", e.offset()).isTrue();
                out.add(e);
            }
        });
        return out;
    }

    /**
     * The archive's imported rows are exactly {@code kept}, each once: the same ids and event times, and
     * records that decode to the payment's fields (compared as values, not text).
     */
    static void assertArchiveHolds(List<ArchivedEvent> got, List<Row> kept) throws IOException {
        assertThat(signatures(got)).isEqualTo(expectedSignatures(kept));
    }

    /**
     * Kept rows the archive does not hold (lost), and rows it holds more often than kept, or that were
     * not to be kept at all (double-counted), compared as in {@link #assertArchiveHolds}.
     */
    static long[] lostAndDoubled(List<ArchivedEvent> got, List<Row> kept) throws IOException {
        Map<String, Integer> expected = expectedSignatures(kept);
        Map<String, Integer> actual = signatures(got);
        long lost = 0;
        long doubled = 0;
        for (var e : expected.entrySet()) {
            lost += Math.max(0, e.getValue() - actual.getOrDefault(e.getKey(), 0));
        }
        for (var a : actual.entrySet()) {
            doubled += Math.max(0, a.getValue() - expected.getOrDefault(a.getKey(), 0));
        }
        return new long[] {lost, doubled};
    }

    private static Map<String, Integer> expectedSignatures(List<Row> kept) {
        Map<String, Integer> expected = new TreeMap<>();
        for (Row r : kept) {
            expected.merge(signature(r.pay()), 1, Integer::sum);
        }
        return expected;
    }

    /** How often the archive holds each payment; each row's event time and id checked against its record. */
    private static Map<String, Integer> signatures(List<ArchivedEvent> got) throws IOException {
        Map<String, Integer> actual = new TreeMap<>();
        for (ArchivedEvent e : got) {
            JsonNode j = JSON.readTree(e.raw());
            Pay p = new Pay(text(j.get("payment_id")), text(j.get("account_id")),
                    j.hasNonNull("merchant") ? text(j.get("merchant").get("id")) : null, eventTime(j.get("event_time")), false,
                    j.get("amount").asDouble(), text(j.get("status")));
            assertThat(e.eventTime()).isEqualTo(p.time());
            assertThat(e.id()).isEqualTo(p.id());
            actual.merge(signature(p), 1, Integer::sum);
        }
        return actual;
    }

    private static String signature(Pay p) {
        return p.id() + "|" + p.account() + "|" + p.merchant() + "|" + p.time() + "|" + p.amount() + "|" + p.status();
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    private static long eventTime(JsonNode n) {
        return n.isNumber() ? n.asLong() : Instant.parse(n.asText()).toEpochMilli();
    }

    /** The rejects file as (file:number) → reason. */
    static Map<String, String> rejectsFile(Path file) throws IOException {
        Map<String, String> out = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            JsonNode j = JSON.readTree(line);
            long number = j.has("line") ? j.get("line").asLong() : j.get("row").asLong();
            String before = out.put(j.get("file").asText() + ":" + number, j.get("reason").asText());
            assertThat(before).as("rejected twice: %s", line).isNull();
            assertThat(j.get("message").asText()).isNotBlank();
        }
        return out;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
