package dev.tessera.bench.e2e;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import dev.tessera.core.io.Folders;
import dev.tessera.offline.archive.ArchiveConfig;
import dev.tessera.offline.archive.ArchiveReader;
import dev.tessera.offline.archive.Archiver;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * The data of {@link TrainingSetBench}, generated once and cached in a folder ({@code --data}):
 * <ul>
 *   <li>{@code features/}: the bench definitions ({@code training_set_bench.yaml});</li>
 *   <li>{@code archive/}: the Tessera event archive of the payments, made the way production makes
 *       it — produced as JSON to the in-process broker (keyed by account, {@code --partitions}
 *       partitions) and archived by the {@link Archiver} until caught up;</li>
 *   <li>{@code events.parquet}: the same events as a typed Parquet file (one column per field,
 *       {@code event_time} as BIGINT epoch millis, ZSTD), written by DuckDB from the same generator
 *       — what a team using DuckDB would have;</li>
 *   <li>{@code spine.parquet}: the spine {@code (account_id VARCHAR, ts BIGINT, label INTEGER)};</li>
 *   <li>{@code data.properties}: the parameters, written last; a folder whose parameters match is reused.</li>
 * </ul>
 *
 * <h2>Shape</h2>
 * Accounts are drawn from a Zipf–Mandelbrot law, P(rank r) ∝ 1/(r + 50) (the busiest of 500,000
 * accounts gets about 0.2 % of the events), ranks shuffled into account ids. Event times run over
 * {@code --days} days ending two days before today (UTC midnight), in order with ±60 s of jitter (a
 * live stream's mild disorder). Spine rows: 95 % pick an account the same way (rows follow
 * activity), 5 % an account with no event at all; {@code ts} uniform over the days after the first
 * 30 (so 30-day windows have history), in random order; {@code label} 0 or 1.
 */
final class TrainingSetData {
    static final long MINUTE = 60_000L;
    static final long DAY = 86_400_000L;

    record Params(int events, int spineRows, int accounts, int days, int partitions, long seed) {
        Properties toProperties() {
            Properties p = new Properties();
            p.setProperty("events", Integer.toString(events));
            p.setProperty("spineRows", Integer.toString(spineRows));
            p.setProperty("accounts", Integer.toString(accounts));
            p.setProperty("days", Integer.toString(days));
            p.setProperty("partitions", Integer.toString(partitions));
            p.setProperty("seed", Long.toString(seed));
            p.setProperty("format", "3"); // 3: the archive with typed columns (archive format 2, ADR 008 addendum)
            return p;
        }
    }

    record Paths(Path features, Path archive, Path eventsParquet, Path spineParquet) {}

    static final String SERVICE = "txn_model";

    private TrainingSetData() {}

    /** The cached data for {@code params} under {@code dir}, generated first when absent or different. */
    static Paths prepare(Path dir, Params params) throws Exception {
        Path marker = dir.resolve("data.properties");
        Paths paths = new Paths(dir.resolve("features"), dir.resolve("archive"), dir.resolve("events.parquet"), dir.resolve("spine.parquet"));
        if (Files.exists(marker)) {
            Properties have = new Properties();
            try (Reader r = Files.newBufferedReader(marker)) {
                have.load(r);
            }
            if (have.equals(params.toProperties())) {
                System.out.printf("data: reusing %s (%s)%n", dir, have);
                return paths;
            }
            System.out.printf("data: %s holds %s, not %s: generating again%n", dir, have, params.toProperties());
        }
        Files.createDirectories(dir);
        Files.deleteIfExists(marker);
        for (Path p : new Path[] {paths.features, paths.archive, dir.resolve("kafka")}) {
            Folders.deleteTree(p);
        }
        Files.deleteIfExists(paths.eventsParquet);
        Files.deleteIfExists(paths.spineParquet);
        Files.createDirectories(paths.features);
        try (InputStream in = TrainingSetData.class.getResourceAsStream("training_set_bench.yaml")) {
            if (in == null) {
                throw new IllegalStateException("training_set_bench.yaml is missing from the benchmark jar");
            }
            Files.copy(in, paths.features.resolve("training_set_bench.yaml"), StandardCopyOption.REPLACE_EXISTING);
        }
        generate(dir, paths, params);
        try (Writer w = Files.newBufferedWriter(marker)) {
            params.toProperties().store(w, "TrainingSetBench data; delete this file to generate again");
        }
        return paths;
    }

    private static void generate(Path dir, Paths paths, Params params) throws Exception {
        Definitions defs = DefinitionLoader.load(paths.features);
        Source source = defs.source("payments").orElseThrow();
        Random rnd = new Random(params.seed);
        Zipf zipf = new Zipf(params.accounts, 50, rnd);
        long end = System.currentTimeMillis() / DAY * DAY - 2 * DAY;
        long start = end - params.days * DAY;
        long t0 = System.nanoTime();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"));
             Connection db = DriverManager.getConnection("jdbc:duckdb:")) {
            kafka.createTopics(Map.of(source.topic(), params.partitions));
            try (Statement st = db.createStatement()) {
                st.execute("CREATE TABLE events (payment_id VARCHAR, account_id VARCHAR, card_fingerprint VARCHAR, merchant_id VARCHAR,"
                        + " amount DOUBLE, currency VARCHAR, status VARCHAR, country VARCHAR, device_id VARCHAR, ip VARCHAR, event_time BIGINT)");
                st.execute("CREATE TABLE spine (account_id VARCHAR, ts BIGINT, label INTEGER)");
            }
            try (Archiver archiver = Archiver.start(defs, paths.features, source, paths.archive,
                    ArchiveConfig.defaults(kafka.bootstrapServers()).withCommitInterval(Duration.ofSeconds(10)));
                 KafkaProducer<byte[], byte[]> producer = PaymentEvents.producer(kafka.bootstrapServers());
                 DuckDBAppender events = ((DuckDBConnection) db).createAppender(DuckDBConnection.DEFAULT_SCHEMA, "events")) {
                long span = end - start;
                for (int i = 0; i < params.events; i++) {
                    long t = start + (long) ((double) i * span / params.events) + (long) ((rnd.nextDouble() * 2 - 1) * MINUTE);
                    t = Math.max(start, Math.min(end - 1, t));
                    Payment p = Payment.draw(rnd, i, zipf.next(), t);
                    producer.send(new ProducerRecord<>(source.topic(), p.accountId.getBytes(StandardCharsets.UTF_8), p.json()));
                    events.beginRow().append(p.paymentId).append(p.accountId).append(p.card).append(p.merchant).append(p.amount)
                            .append("USD").append(p.status).append(p.country).append(p.device).append(p.ip).append(p.eventTime).endRow();
                    if ((i + 1) % 1_000_000 == 0) {
                        System.out.printf("data: %,d events produced (%.0f s)%n", i + 1, (System.nanoTime() - t0) / 1e9);
                    }
                }
                producer.flush();
                events.flush();
                System.out.printf("data: %,d events produced; archiving...%n", params.events);
                archiver.awaitCaughtUp(Duration.ofHours(2));
                System.out.printf("data: archived %,d rows in %,d files (%.0f s since start); counters %s%n", archiver.rowsCommitted(),
                        archiver.filesCommitted(), (System.nanoTime() - t0) / 1e9, archiver.counters());
            }
            try (DuckDBAppender spine = ((DuckDBConnection) db).createAppender(DuckDBConnection.DEFAULT_SCHEMA, "spine")) {
                long from = start + 30 * DAY;
                for (int i = 0; i < params.spineRows; i++) {
                    String account = rnd.nextInt(20) == 0 ? "g-" + rnd.nextInt(params.accounts) : "a-" + zipf.next();
                    long ts = from + (long) (rnd.nextDouble() * (end - from));
                    spine.beginRow().append(account).append(ts).append(rnd.nextInt(10) == 0 ? 1 : 0).endRow();
                }
            }
            try (Statement st = db.createStatement()) {
                st.execute("COPY events TO '" + paths.eventsParquet + "' (FORMAT parquet, COMPRESSION zstd)");
                st.execute("COPY spine TO '" + paths.spineParquet + "' (FORMAT parquet, COMPRESSION zstd)");
            }
        } finally {
            Folders.deleteTree(dir.resolve("kafka"));
        }
        long archived = ArchiveReader.open(paths.archive, source.name()).count();
        if (archived != params.events) {
            throw new IllegalStateException("the archive holds " + archived + " events, not " + params.events);
        }
        System.out.printf("data: done in %.0f s: archive %,d MB in %,d files, events.parquet %,d MB, spine.parquet %,d MB%n",
                (System.nanoTime() - t0) / 1e9, size(paths.archive) >> 20, ArchiveReader.open(paths.archive, source.name()).files().size(),
                Files.size(paths.eventsParquet) >> 20, Files.size(paths.spineParquet) >> 20);
    }

    static long size(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    /** One payment, as JSON for Kafka and as typed values for DuckDB: the same values. */
    private record Payment(String paymentId, String accountId, String card, String merchant, double amount, String status,
            String country, String device, String ip, long eventTime) {
        private static final String[] COUNTRIES = {"US", "US", "US", "FR", "BR", "IN", "DE", "GB", "NG", "JP"};

        static Payment draw(Random rnd, int i, int account, long eventTime) {
            return new Payment("p-" + i, "a-" + account, "c-" + (account * 3 + rnd.nextInt(3)), "m-" + rnd.nextInt(2000),
                    rnd.nextInt(50_000) / 100.0, rnd.nextInt(10) == 0 ? "DECLINED" : "APPROVED",
                    COUNTRIES[rnd.nextInt(COUNTRIES.length)], "d-" + account, "10.0." + rnd.nextInt(256) + "." + rnd.nextInt(256), eventTime);
        }

        /** Double.toString round-trips, and always has a '.', so the JSON decoder reads the same double. */
        byte[] json() {
            return ("{\"payment_id\":\"" + paymentId + "\",\"account_id\":\"" + accountId + "\",\"card_fingerprint\":\"" + card
                    + "\",\"merchant_id\":\"" + merchant + "\",\"amount\":" + amount + ",\"currency\":\"USD\",\"status\":\"" + status
                    + "\",\"country\":\"" + country + "\",\"device_id\":\"" + device + "\",\"ip\":\"" + ip + "\",\"event_time\":"
                    + eventTime + "}").getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Zipf–Mandelbrot over {@code n} ranks, P(r) ∝ 1/(r + q), ranks mapped to shuffled account numbers. */
    private static final class Zipf {
        private final double[] cdf;
        private final int[] account;
        private final Random rnd;

        Zipf(int n, double q, Random rnd) {
            this.rnd = rnd;
            cdf = new double[n];
            double sum = 0;
            for (int r = 0; r < n; r++) {
                sum += 1.0 / (r + 1 + q);
                cdf[r] = sum;
            }
            for (int r = 0; r < n; r++) {
                cdf[r] /= sum;
            }
            account = new int[n];
            for (int i = 0; i < n; i++) {
                account[i] = i;
            }
            for (int i = n - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = account[i];
                account[i] = account[j];
                account[j] = t;
            }
        }

        int next() {
            int idx = java.util.Arrays.binarySearch(cdf, rnd.nextDouble());
            int r = idx >= 0 ? idx : Math.min(cdf.length - 1, -idx - 1);
            return account[r];
        }
    }
}
