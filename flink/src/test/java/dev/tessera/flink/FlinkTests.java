package dev.tessera.flink;

import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.store.RedisServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** What the Flink runner's tests share: the example definitions, client settings for the in-process broker, a MiniCluster. */
final class FlinkTests {
    static final Path EXAMPLES = Path.of("..", "examples", "commerce").toAbsolutePath().normalize();

    private FlinkTests() {}

    /** A local (MiniCluster) environment whose temp files go under {@code dir}. */
    static StreamExecutionEnvironment miniCluster(Path dir, int parallelism) {
        Configuration conf = new Configuration();
        try {
            conf.setString("io.tmp.dirs", Files.createDirectories(dir.resolve("flink-tmp")).toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);
        return env;
    }

    /** The job's options over {@code kafka} and {@code redis}: namespace {@code <name>:}, consumer group {@code flink-<name>}, 1-s checkpoints, parallelism 2. */
    static FlinkJobOptions options(EmbeddedKafka kafka, String redisUri, String name) {
        FlinkJobOptions o = new FlinkJobOptions();
        o.bootstrapServers = kafka.bootstrapServers();
        o.redis = List.of(redisUri);
        o.redisNamespace = name + ":";
        o.consumerGroup = "flink-" + name;
        o.checkpointInterval = "1s";
        o.parallelism = 2;
        return o;
    }

    /** An in-process broker and a real {@code redis-server}, for a test class's lifetime. */
    record Services(EmbeddedKafka kafka, RedisServerProcess redis) implements AutoCloseable {
        static Services start(Path dir) {
            EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"));
            try {
                return new Services(kafka, RedisServerProcess.start());
            } catch (RuntimeException e) {
                kafka.close();
                throw e;
            }
        }

        @Override
        public void close() {
            redis.close();
            kafka.close();
        }
    }

    static Properties producerProps(EmbeddedKafka kafka) {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        p.put("acks", "all");
        return p;
    }

    static Properties consumerProps(EmbeddedKafka kafka, String group) {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        p.put("group.id", group);
        p.put("auto.offset.reset", "earliest");
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        return p;
    }
}
