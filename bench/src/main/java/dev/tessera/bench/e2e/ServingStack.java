package dev.tessera.bench.e2e;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import dev.tessera.core.io.Folders;
import dev.tessera.runtime.FeatureReader;
import dev.tessera.runtime.FeatureValues;
import dev.tessera.runtime.RuntimeConfig;
import dev.tessera.runtime.StreamRuntime;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.serving.RuntimeMetrics;
import dev.tessera.serving.ServingApi;
import dev.tessera.serving.ServingServer;
import dev.tessera.serving.Tokens;
import dev.tessera.runtime.StoreFeatureReader;
import dev.tessera.store.RedisTileStore;
import dev.tessera.store.RocksDbTileStore;
import dev.tessera.store.TileStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The serving benchmarks' stack, assembled as {@code tessera run} assembles it ({@code cli Node}):
 * the in-process broker, the RocksDB store, the stream runtime and the HTTP API, over a copy of
 * {@code examples/commerce} plus the bench-only group {@value #GROUP} ({@code account_serving.yaml}
 * next to this class: 50 served features per account over the payments source).
 *
 * <p>{@link #load} produces a day of payments to the broker and waits until the runtime has applied
 * and committed all of them, so reads see a realistic state: every account has events, spread over
 * the hops of every window. The example groups ({@code account_payments}, {@code card_payments})
 * are fed by the same events, as they would be in a deployment.
 */
public final class ServingStack implements AutoCloseable {
    /** The benchmark group. */
    public static final String GROUP = "account_serving";
    /** Served features of {@link #GROUP}; checked at start. */
    public static final int SERVED_FEATURES = 50;
    /** What the runtime and the API trace with; null: tracing off. */
    private io.opentelemetry.api.OpenTelemetry tracing;
    /** A day: loaded events lie in the 24 hours before {@link #load} starts. */
    private static final long DAY_MILLIS = 86_400_000L;

    private final Definitions defs;
    private final Path definitionsDir;
    private final String bootstrap;
    private final StreamRuntime runtime;
    private final Deque<AutoCloseable> owned;
    private final Path work;
    /** The store the runtime commits to; serving reads it through a {@link StoreFeatureReader} when {@code statelessReads}. */
    private final TileStore store;
    private final boolean statelessReads;

    private ServingStack(Definitions defs, Path definitionsDir, String bootstrap, StreamRuntime runtime,
                         Deque<AutoCloseable> owned, Path work, TileStore store, boolean statelessReads) {
        this.store = store;
        this.statelessReads = statelessReads;
        this.work = work;
        this.defs = defs;
        this.definitionsDir = definitionsDir;
        this.bootstrap = bootstrap;
        this.runtime = runtime;
        this.owned = owned;
    }

    /**
     * Starts the broker (source topics with 4 partitions each, and their {@code .dlq}), the store and
     * the runtime under {@code work}, over {@code examples} (normally {@code examples/commerce}) plus
     * the benchmark group. {@link #close} deletes {@code work}.
     */
    public static ServingStack start(Path examples, Path work) {
        return start(examples, work, null);
    }

    /**
     * As {@link #start(Path, Path)}; {@code redisUri} not null: the runtime commits to that Redis
     * (keys under {@code tessera-bench:}, cleared first) and serving reads it back through a
     * {@link StoreFeatureReader}, as a stateless {@code tessera serve} node does.
     */
    public static ServingStack start(Path examples, Path work, String redisUri) {
        return start(examples, work, redisUri, null);
    }

    /** As above, tracing the runtime and the API with {@code tracing} (null: off, as by default). */
    public static ServingStack start(Path examples, Path work, String redisUri, io.opentelemetry.api.OpenTelemetry tracing) {
        return start(examples, work, redisUri, tracing, null);
    }

    /**
     * As above; {@code externalBootstrap} not null: the runtime reads a broker running elsewhere
     * (its source topics are created there if missing) instead of one started in this JVM, as a
     * serving node of a deployment does (the broker is not in its process).
     */
    public static ServingStack start(Path examples, Path work, String redisUri, io.opentelemetry.api.OpenTelemetry tracing,
                                     String externalBootstrap) {
        Path definitions = definitions(examples, work.resolve("definitions"));
        Definitions defs = DefinitionLoader.load(definitions);
        Deque<AutoCloseable> owned = new ArrayDeque<>();
        try {
            Map<String, Integer> topics = new LinkedHashMap<>();
            for (Source s : defs.sources().values()) {
                topics.put(s.topic(), 4);
                topics.put(s.topic() + ".dlq", 1);
            }
            String bootstrap;
            if (externalBootstrap == null) {
                EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"));
                owned.push(kafka);
                kafka.createTopics(topics);
                bootstrap = kafka.bootstrapServers();
            } else {
                createTopics(externalBootstrap, topics);
                bootstrap = externalBootstrap;
            }
            TileStore store;
            if (redisUri == null) {
                store = RocksDbTileStore.open(work.resolve("store"));
            } else {
                RedisTileStore redis = RedisTileStore.open(redisUri, "tessera-bench:");
                redis.clear();
                store = redis;
            }
            owned.push(store);
            StreamRuntime rt = StreamRuntime.start(defs, definitions, store, RuntimeConfig.defaults(bootstrap).withTracing(tracing));
            owned.push(rt);
            int served = rt.reader().servedNames(GROUP).size();
            if (served != SERVED_FEATURES) {
                throw new IllegalStateException("account_serving.yaml serves " + served + " features; the benchmarks promise "
                        + SERVED_FEATURES + ": fix the file");
            }
            ServingStack stack = new ServingStack(defs, definitions, bootstrap, rt, owned, work, store, redisUri != null);
            stack.tracing = tracing;
            return stack;
        } catch (RuntimeException e) {
            closeAll(owned);
            deleteTree(work);
            throw e;
        }
    }

    /** Copies {@code examples} to {@code target} and adds {@code groups/account_serving.yaml}. */
    static Path definitions(Path examples, Path target) {
        if (!Files.isDirectory(examples)) {
            throw new IllegalArgumentException("definitions folder " + examples.toAbsolutePath() + " not found: run from the"
                    + " repository root, or pass --features (ServingLatencyBench) / -Dtessera.examples=... (JMH) with the path"
                    + " of examples/commerce");
        }
        try (Stream<Path> files = Files.walk(examples)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path to = target.resolve(examples.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Path groups = Files.createDirectories(target.resolve("groups"));
            try (InputStream in = ServingStack.class.getResourceAsStream("account_serving.yaml")) {
                if (in == null) {
                    throw new IllegalStateException("account_serving.yaml is missing from the benchmark jar");
                }
                Files.copy(in, groups.resolve("account_serving.yaml"), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the definitions in " + target, e);
        }
        return target;
    }

    /** Sees each produced payment (for benchmarks that rebuild the same state elsewhere). */
    @FunctionalInterface
    public interface PaymentTap {
        void produced(int account, long eventTime, String paymentId, byte[] json);
    }

    /**
     * Produces {@code events} payments for accounts {@code a-0 .. a-(accounts-1)}, time-ordered over
     * the last 24 hours, and waits until all are applied and committed. The first {@code accounts}
     * events give every account one event; the rest pick accounts uniformly at random, so each
     * account has about {@code events / accounts}. Returns the seconds it took.
     */
    public double load(int events, int accounts, long seed, PaymentTap tap) throws Exception {
        if (events < accounts) {
            throw new IllegalArgumentException("--events " + events + " is fewer than --accounts " + accounts
                    + ": every account needs at least one event");
        }
        String topic = defs.source("payments").orElseThrow().topic();
        Random rnd = new Random(seed);
        long start = System.nanoTime();
        long t0 = System.currentTimeMillis() - DAY_MILLIS;
        try (KafkaProducer<byte[], byte[]> producer = PaymentEvents.producer(bootstrap)) {
            for (int i = 0; i < events; i++) {
                int account = i < accounts ? i : rnd.nextInt(accounts);
                long eventTime = t0 + (long) i * (DAY_MILLIS - 1_000L) / events;
                byte[] json = PaymentEvents.paymentOf(rnd, i, account, eventTime);
                if (tap != null) {
                    tap.produced(account, eventTime, "p-" + i, json);
                }
                producer.send(new ProducerRecord<>(topic, json));
            }
            producer.flush();
        }
        runtime.awaitCaughtUp(Duration.ofMinutes(30));
        FeatureValues probe = reader().read(GROUP, List.of(accountKey(0)), System.currentTimeMillis());
        if (!probe.found() || probe.values().size() != SERVED_FEATURES) {
            throw new IllegalStateException("after loading, account a-0 reads as " + probe);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** The key value of account number {@code i}, as the payments carry it. */
    public static String accountKey(int i) {
        return "a-" + i;
    }

    public Definitions definitions() {
        return defs;
    }

    public Path definitionsDir() {
        return definitionsDir;
    }

    public FeatureReader reader() {
        return runtime.reader();
    }

    public StreamRuntime runtime() {
        return runtime;
    }

    public String bootstrapServers() {
        return bootstrap;
    }

    /** Creates the topics missing from the broker at {@code bootstrap}. */
    private static void createTopics(String bootstrap, Map<String, Integer> topics) {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(Map.<String, Object>of(
                org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Set<String> existing = admin.listTopics().names().get();
            List<org.apache.kafka.clients.admin.NewTopic> missing = new ArrayList<>();
            topics.forEach((name, partitions) -> {
                if (!existing.contains(name)) {
                    missing.add(new org.apache.kafka.clients.admin.NewTopic(name, partitions, (short) 1));
                }
            });
            admin.createTopics(missing).all().get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the topics " + topics.keySet() + " on the broker at " + bootstrap + ": " + e, e);
        }
    }

    /**
     * The API as {@code tessera run} builds it (Prometheus metrics with the runtime bound, the
     * default health), minus event push; {@code tokens} may be {@link Tokens#none()}.
     */
    public ServingApi api(Tokens tokens) {
        ServingApi api = ServingApi.builder(defs, statelessReads ? new StoreFeatureReader(defs, store) : runtime.reader())
                .models(dev.tessera.inference.ModelRegistry.loadIfPresent(dev.tessera.inference.ModelRegistry.defaultFolder(definitionsDir),
                        defs))
                .tokens(tokens).tracing(tracing).build();
        RuntimeMetrics.bind(api.metrics(), runtime, System::currentTimeMillis);
        return api;
    }

    /** Starts the HTTP server on {@code 127.0.0.1} and a free port; closed with this stack. */
    public ServingServer serve(ServingApi api) {
        ServingServer server = ServingServer.start("127.0.0.1", 0, ServingServer.DEFAULT_MAX_BODY_BYTES, api);
        owned.push(server);
        return server;
    }

    @Override
    public void close() {
        closeAll(owned);
        deleteTree(work);
    }

    /** Deletes {@code dir} and everything below it, if it exists (benchmark state is not kept); warns when it cannot. */
    public static void deleteTree(Path dir) {
        IOException e = Folders.deleteTreeQuietly(dir);
        if (e != null) {
            System.err.println("warning: could not delete " + dir + ": " + e);
        }
    }

    private static void closeAll(Deque<AutoCloseable> owned) {
        while (!owned.isEmpty()) {
            AutoCloseable c = owned.pop();
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("warning: closing " + c.getClass().getSimpleName() + ": " + e);
            }
        }
    }
}
