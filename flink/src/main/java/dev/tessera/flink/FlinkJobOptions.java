package dev.tessera.flink;

import dev.tessera.api.TimeSpan;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The Flink job's options: the same for {@code flink run tessera-flink-job.jar ...} on a cluster
 * (the job jar's {@link FlinkJob#main}), for the Flink Kubernetes Operator's {@code job.args}, and
 * for {@code tessera flink --local}, which mixes them in. Names follow the rest of the command line
 * ({@code --features}, {@code --redis}, {@code --redis-cluster}, {@code --redis-namespace}).
 */
public final class FlinkJobOptions {
    @Option(names = "--features", paramLabel = "DIR", defaultValue = "features",
            description = "Folder of feature definitions (YAML). Default: ${DEFAULT-VALUE}")
    public Path features = Path.of("features");

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", required = true,
            description = "Kafka bootstrap servers the sources' topics are read from.")
    public String bootstrapServers;

    @Option(names = "--redis", paramLabel = "URI", required = true, split = ",",
            description = "Redis the tiles are written to: redis://host:port (rediss:// for TLS); with --redis-cluster,"
                    + " one or more seed nodes separated by commas.")
    public List<String> redis = List.of();

    @Option(names = "--redis-cluster", description = "The Redis is a Redis Cluster.")
    public boolean redisCluster;

    @Option(names = "--redis-namespace", paramLabel = "PREFIX", defaultValue = "tessera:",
            description = "Prefix of every key Tessera keeps in Redis (serving nodes must use the same). Default: ${DEFAULT-VALUE}")
    public String redisNamespace = "tessera:";

    @Option(names = "--consumer-group", paramLabel = "ID", defaultValue = "tessera-flink",
            description = "Kafka consumer group (offsets are committed on checkpoints, for monitoring). Default: ${DEFAULT-VALUE}")
    public String consumerGroup = "tessera-flink";

    @Option(names = "--flush-interval", paramLabel = "DURATION", defaultValue = "100ms",
            description = "How often changed entities are written to Redis. Default: ${DEFAULT-VALUE}")
    public String flushInterval = "100ms";

    @Option(names = "--checkpoint-interval", paramLabel = "DURATION", defaultValue = "10s",
            description = "Exactly-once checkpoint interval; a restore replays at most this much. Default: ${DEFAULT-VALUE}")
    public String checkpointInterval = "10s";

    @Option(names = "--watermark-granularity", paramLabel = "DURATION", defaultValue = "1s",
            description = "Event time a partition's watermark must move before it is emitted (ADR 019). Default: ${DEFAULT-VALUE}")
    public String watermarkGranularity = "1s";

    @Option(names = "--max-record-bytes", paramLabel = "BYTES", defaultValue = "1048576",
            description = "Larger records are dead-lettered as too_large, as by tessera run. Default: ${DEFAULT-VALUE}")
    public int maxRecordBytes = 1 << 20;

    @Option(names = "--parallelism", paramLabel = "N", defaultValue = "0",
            description = "Parallelism of the job (0: the cluster's default). Default: ${DEFAULT-VALUE}")
    public int parallelism;

    @Option(names = "--local",
            description = "Run on an in-process Flink MiniCluster (this machine), resuming from the newest checkpoint in"
                    + " --checkpoint-dir.")
    public boolean local;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR|URI",
            description = "Where checkpoints go (execution.checkpointing.dir): a folder, or a URI such as s3://bucket/path."
                    + " With --local, default tessera-data/flink-checkpoints.")
    public String checkpointDir;

    @Option(names = "--bounded",
            description = "Read each topic up to its end offsets at start, then finish (backfills, tests).")
    public boolean bounded;

    @Option(names = "--tracing", paramLabel = "off|log|otlp", defaultValue = "off",
            description = "OpenTelemetry tracing of the job (ADR 024): records that carry a W3C traceparent (the push API writes"
                    + " one) get an apply span and a span for the Redis write that makes them visible; each Redis batch"
                    + " gets a span. off, log (spans to the task managers' logs) or otlp. Default: ${DEFAULT-VALUE}")
    public TracingConfig.Mode tracing = TracingConfig.Mode.off;

    @Option(names = "--otlp-endpoint", paramLabel = "URL",
            description = "The OTLP/HTTP traces endpoint for --tracing otlp. Default: " + TracingConfig.DEFAULT_OTLP_ENDPOINT)
    public String otlpEndpoint;

    @Option(names = "--trace-sample", paramLabel = "RATIO", defaultValue = "1",
            description = "Fraction (0..1) of Redis batches traced; a record with a sampled traceparent is always traced"
                    + " (parent-based). Default: ${DEFAULT-VALUE}")
    public double traceSample = 1.0;

    /** The tracing the options ask for (checked). */
    public TracingConfig tracingConfig() {
        return new TracingConfig(tracing, otlpEndpoint, traceSample);
    }

    public long flushIntervalMillis() {
        return millis("--flush-interval", flushInterval);
    }

    public long checkpointIntervalMillis() {
        return millis("--checkpoint-interval", checkpointInterval);
    }

    public long watermarkGranularityMillis() {
        return millis("--watermark-granularity", watermarkGranularity);
    }

    /** Checks what picocli cannot: durations, and one address unless --redis-cluster. */
    public void validate() {
        flushIntervalMillis();
        checkpointIntervalMillis();
        watermarkGranularityMillis();
        tracingConfig();
        if (!redisCluster && redis.size() != 1) {
            throw new IllegalArgumentException("--redis takes one address, got " + redis.size()
                    + "; pass --redis-cluster for several seed nodes of a Redis Cluster");
        }
        if (maxRecordBytes < 1) {
            throw new IllegalArgumentException("--max-record-bytes must be positive, got " + maxRecordBytes);
        }
        if (parallelism < 0) {
            throw new IllegalArgumentException("--parallelism must be 0 (the cluster's default) or more, got " + parallelism);
        }
    }

    private static long millis(String option, String text) {
        try {
            return TimeSpan.parse(text).millis();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }
}
