package dev.tessera.flink;

import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Source;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.tile.GroupAggregator;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;

/**
 * The Tessera Flink job (issue [Scale-out], ADR 019): the definitions' sources from Kafka, per
 * source a keyed {@link TileAggregator} over the core's aggregators, its flushes to Redis
 * ({@link RedisTileSink}), rejected and late records to the dead-letter topics. Exactly-once values
 * through checkpoints plus absolute tile writes.
 *
 * <p>On a cluster: {@code flink run tessera-flink-job.jar --features DIR --bootstrap-servers ... --redis ...}
 * (the options of {@link FlinkJobOptions}); the definitions folder is read by the client and travels
 * with the job ({@link DefinitionBundle}). Locally: {@code tessera flink --local}.
 */
public final class FlinkJob {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FlinkJob.class);

    private FlinkJob() {}

    public static void main(String[] args) throws Exception {
        FlinkJobOptions options = new FlinkJobOptions();
        CommandLine cli = new CommandLine(options);
        try {
            cli.parseArgs(args);
            options.validate();
        } catch (CommandLine.ParameterException | IllegalArgumentException e) {
            System.err.println("tessera flink job: " + e.getMessage());
            cli.usage(System.err);
            System.exit(2);
            return;
        }
        try {
            run(options);
        } catch (IllegalArgumentException e) {
            System.err.println("tessera flink job: " + e.getMessage());
            System.exit(2);
        }
    }

    /**
     * Runs the job until it ends (bounded input) or is stopped: on the cluster this JVM was submitted
     * to, or with {@code --local} on an in-process MiniCluster that resumes from the newest
     * checkpoint in {@code --checkpoint-dir}.
     */
    public static void run(FlinkJobOptions o) throws Exception {
        DefinitionBundle bundle = DefinitionBundle.of(o.features);
        checkRedis(o);
        StreamExecutionEnvironment env;
        if (o.local) {
            Path checkpoints = Path.of(o.checkpointDir == null ? "tessera-data/flink-checkpoints" : o.checkpointDir);
            Path restore = latestCheckpoint(checkpoints).orElse(null);
            checkSameState(checkpoints, restore, bundle, o);
            LOG.info(restore == null ? "starting from the committed Kafka offsets (no checkpoint in {})"
                    : "resuming from checkpoint {}", restore == null ? checkpoints.toAbsolutePath() : restore);
            env = localEnvironment(checkpoints, restore, checkpoints.resolveSibling("flink-tmp"));
        } else {
            env = StreamExecutionEnvironment.getExecutionEnvironment();
            if (o.checkpointDir != null) {
                Configuration conf = new Configuration();
                conf.setString("execution.checkpointing.dir", o.checkpointDir);
                env.configure(conf);
            }
        }
        build(env, bundle, o);
        env.execute(jobName(o));
    }

    /** Written next to the checkpoints: what their state was built for ({@link #stateFingerprint}). */
    static final String STATE_FILE = "tessera-state.txt";

    /**
     * A job's checkpointed state holds tiles in the slot layouts of the definitions it ran with; it
     * cannot be carried across a change of them (ADR 019): restored under other definitions, the job
     * fails task after task. So a restart whose definitions changed the tile layouts refuses before the
     * job starts, and says how to start afresh. Otherwise records what the checkpoints are for.
     */
    static void checkSameState(Path checkpoints, Path restore, DefinitionBundle bundle, FlinkJobOptions o) throws IOException {
        String now = stateFingerprint(bundle.definitions());
        Path file = checkpoints.resolve(STATE_FILE);
        if (restore != null && Files.isRegularFile(file)) {
            String was = Files.readString(file, StandardCharsets.UTF_8);
            if (!was.equals(now)) {
                throw new IllegalArgumentException("the feature groups changed since the checkpoints in " + checkpoints
                        + " were taken (" + changedGroups(was, now) + "): a Flink job cannot carry its state across a definition"
                        + " change (ADR 019). Start a fresh job with a new --checkpoint-dir and a new --consumer-group, e.g."
                        + " --checkpoint-dir " + checkpoints + "-2 --consumer-group " + o.consumerGroup + "-2: it reads the"
                        + " topics from their start (as far as their retention goes) and rewrites every group's tiles in Redis."
                        + " Or go back to the definitions those checkpoints were taken with to resume them");
            }
        }
        Files.createDirectories(checkpoints);
        Files.writeString(file, now, StandardCharsets.UTF_8);
    }

    /**
     * One line per feature group: its name, source, entity keys and each hop with the id of its slot
     * layout; equal exactly when the job's keyed state and tiles have the same shape.
     */
    static String stateFingerprint(Definitions defs) {
        StringBuilder sb = new StringBuilder();
        for (FeatureGroup g : new java.util.TreeMap<>(defs.groups()).values()) {
            GroupAggregator agg = GroupAggregator.compile(g, FieldLayout.of(GroupAggregator.requiredFields(g)));
            sb.append(g.name()).append(' ').append(defs.sourceOf(g).name()).append(' ').append(defs.entityOf(g).keys());
            for (int h = 0; h < agg.hopCount(); h++) {
                sb.append(' ').append(agg.hopMillis(h)).append(':').append(Long.toHexString(agg.layoutId(h)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String changedGroups(String was, String now) {
        java.util.Map<String, String> before = byGroup(was);
        java.util.Map<String, String> after = byGroup(now);
        java.util.List<String> changes = new java.util.ArrayList<>();
        after.forEach((g, line) -> {
            if (!before.containsKey(g)) {
                changes.add("added " + g);
            } else if (!before.get(g).equals(line)) {
                changes.add("changed " + g);
            }
        });
        before.keySet().stream().filter(g -> !after.containsKey(g)).forEach(g -> changes.add("removed " + g));
        return String.join(", ", changes);
    }

    private static java.util.Map<String, String> byGroup(String fingerprint) {
        java.util.Map<String, String> m = new java.util.TreeMap<>();
        for (String line : fingerprint.split("\n")) {
            if (!line.isBlank()) {
                m.put(line.substring(0, line.indexOf(' ')), line);
            }
        }
        return m;
    }

    static String jobName(FlinkJobOptions options) {
        return "tessera: " + options.features.toAbsolutePath().normalize().getFileName();
    }

    /**
     * Fails fast, before the job starts, when Redis cannot be reached: inside the job a sink that
     * cannot connect fails its task, and the restart strategy would retry it forever.
     */
    static void checkRedis(FlinkJobOptions o) {
        try (dev.tessera.store.RedisTileStore store = o.redisCluster
                ? dev.tessera.store.RedisTileStore.openCluster(o.redis, o.redisNamespace)
                : dev.tessera.store.RedisTileStore.open(o.redis.get(0), o.redisNamespace)) {
            store.approximateSizeBytes();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(e.getMessage() + (o.redisCluster ? "" : "; for a Redis Cluster pass --redis-cluster"), e);
        }
    }

    /** Adds the job to {@code env}: checkpointing, sources, aggregation, Redis and dead-letter sinks. */
    public static void build(StreamExecutionEnvironment env, DefinitionBundle bundle, FlinkJobOptions o) {
        if (o.parallelism > 0) {
            env.setParallelism(o.parallelism);
        }
        env.enableCheckpointing(o.checkpointIntervalMillis(), CheckpointingMode.EXACTLY_ONCE);
        env.getCheckpointConfig().setExternalizedCheckpointRetention(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        env.getConfig().enableObjectReuse(); // no operator keeps or changes a record it was handed
        KafkaSink<SourceRecord> deadLetters = SourceSide.deadLetterSink(o.bootstrapServers);
        Map<Source, DataStream<KeyedEvent>> sources = SourceSide.bySource(env, bundle, o, deadLetters);
        for (Map.Entry<Source, DataStream<KeyedEvent>> s : sources.entrySet()) {
            String name = s.getKey().name();
            SingleOutputStreamOperator<TileWrites> writes = s.getValue()
                    .keyBy(new RoutingKey())
                    .process(new TileAggregator(bundle, name, o.flushIntervalMillis(), o.tracingConfig(), RedisAddress.of(o)))
                    .uid("aggregate-" + name)
                    .name("aggregate: " + name);
            writes.sinkTo(new RedisTileSink(o.redis, o.redisCluster, o.redisNamespace, bundle, name, o.tracingConfig()))
                    .uid("redis-" + name)
                    .name("tiles to Redis: " + name);
            writes.getSideOutput(TileAggregator.LATE).sinkTo(deadLetters)
                    .uid("late-" + name)
                    .name("late events: " + s.getKey().topic() + ".dlq");
        }
    }

    /** One Flink key per (group, entity). */
    static final class RoutingKey implements KeySelector<KeyedEvent, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(KeyedEvent k) {
            return k.routingKey();
        }
    }

    /**
     * A local environment (an in-process MiniCluster) whose checkpoints go to {@code checkpoints},
     * restored from {@code restoreFrom} when given (a {@code chk-N} folder, see {@link #latestCheckpoint}).
     */
    public static StreamExecutionEnvironment localEnvironment(Path checkpoints, Path restoreFrom, Path tmp) {
        return localEnvironment(checkpoints, restoreFrom, tmp, java.util.Map.of());
    }

    /** {@link #localEnvironment(Path, Path, Path)} with more Flink settings (a metric reporter, say). */
    static StreamExecutionEnvironment localEnvironment(Path checkpoints, Path restoreFrom, Path tmp, java.util.Map<String, String> extra) {
        Configuration conf = new Configuration();
        extra.forEach(conf::setString);
        try {
            Files.createDirectories(checkpoints);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the checkpoint folder " + checkpoints, e);
        }
        conf.setString("execution.checkpointing.dir", checkpoints.toAbsolutePath().toUri().toString());
        conf.setString("execution.checkpointing.num-retained", "3");
        conf.setString("restart-strategy.type", "exponential-delay");
        if (restoreFrom != null) {
            conf.setString("execution.state-recovery.path", restoreFrom.toAbsolutePath().toString());
        }
        try {
            conf.setString("io.tmp.dirs", Files.createDirectories(tmp).toAbsolutePath().toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + tmp, e);
        }
        return StreamExecutionEnvironment.createLocalEnvironment(conf);
    }

    /** The newest completed checkpoint under {@code checkpoints} ({@code <job id>/chk-N} with its {@code _metadata}). */
    public static Optional<Path> latestCheckpoint(Path checkpoints) {
        if (!Files.isDirectory(checkpoints)) {
            return Optional.empty();
        }
        try (Stream<Path> walk = Files.walk(checkpoints, 3)) {
            return walk.filter(p -> p.getFileName().toString().equals("_metadata"))
                    .map(Path::getParent)
                    .filter(p -> p.getFileName().toString().startsWith("chk-"))
                    .max(Comparator.comparingLong((Path p) -> p.resolve("_metadata").toFile().lastModified())
                            .thenComparingLong(p -> Long.parseLong(p.getFileName().toString().substring(4))));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the checkpoints in " + checkpoints, e);
        }
    }
}
