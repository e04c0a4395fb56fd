package dev.tessera.runtime.kafka;

import dev.tessera.api.TesseraException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;

/**
 * An in-process, single-node Kafka cluster for the demo and for tests.
 *
 * <h2>Design</h2>
 *
 * One JVM-local node plays both KRaft roles ({@code process.roles=broker,controller}) with a static
 * one-voter quorum ({@code controller.quorum.voters=1@localhost:CONTROLLER_PORT}). This is the plain
 * {@link KafkaRaftServer} route of DEPENDENCIES.md: Kafka's own {@code KafkaClusterTestKit} needs the
 * {@code kafka-clients:test} jar, which is not served for 4.4.0.
 *
 * <ul>
 *   <li><b>Storage.</b> The log directory is formatted with {@code kafka-storage format} (the
 *       {@link StorageTool}) only when it holds no {@code meta.properties} yet, so starting again
 *       over the same directory keeps topics, offsets and committed transactions. Nothing is ever
 *       deleted: the directory belongs to the caller (tests pass a {@code @TempDir}).
 *   <li><b>Ports.</b> The controller port, and the client port unless the caller fixes it, are
 *       probed free on the loopback interface just before startup. Another process can take a
 *       probed port in between; startup then fails with a {@link BindException} and is retried
 *       with fresh ports (a fixed client port is never changed behind the caller's back). Ports
 *       may change across restarts; the metadata log tolerates that because a static quorum is
 *       read from configuration and the broker re-registers its endpoints on every start.
 *   <li><b>Settings.</b> Everything a one-node cluster needs to accept {@code acks=all},
 *       idempotent and transactional producers (replication factor 1 and
 *       {@code min.insync.replicas=1} for the internal topics), no automatic topic creation
 *       (a typo in a topic name should fail loudly), no initial rebalance delay (tests and the
 *       demo start consumers right away), 4 partitions by default, small internal topics and
 *       16 MiB segments so the footprint stays small.
 *   <li><b>Readiness.</b> {@link #start} returns once an {@link Admin} {@code describeCluster}
 *       call is answered with this node, so a producer created right after never sees an empty
 *       cluster. {@link #createTopics} likewise waits until every partition has a leader.
 *   <li><b>Faults.</b> Kafka's fatal fault handlers halt the JVM (as a real broker would);
 *       this class does not override {@code Exit} globally, since that would change behaviour
 *       for everything else in the process.
 * </ul>
 *
 * <p>Logging is whatever SLF4J binding is on the class path; tests use slf4j-simple at WARN
 * ({@code simplelogger.properties}).
 */
public final class EmbeddedKafka implements AutoCloseable {
    /** Partitions of a topic created without an explicit count. */
    public static final int DEFAULT_PARTITIONS = 4;

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final int BIND_ATTEMPTS = 3;
    private static final String META_PROPERTIES = "meta.properties";

    private final Path logDir;
    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final Admin admin;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedKafka(Path logDir, KafkaRaftServer server, String bootstrapServers, Admin admin) {
        this.logDir = logDir;
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.admin = admin;
    }

    /** Starts a node over {@code logDir} (created if absent) on free loopback ports. */
    public static EmbeddedKafka start(Path logDir) {
        return start(logDir, 0);
    }

    /**
     * Starts a node over {@code logDir} (created if absent) whose clients connect to
     * {@code localhost:clientPort}; {@code clientPort} 0 picks a free port.
     *
     * @throws TesseraException when the directory cannot be prepared or the node does not become
     *     ready within 60 s; the message says which, and why
     */
    public static EmbeddedKafka start(Path logDir, int clientPort) {
        if (clientPort < 0 || clientPort > 65_535) {
            throw new IllegalArgumentException("client port " + clientPort + " is not in 0..65535 (0 picks a free port)");
        }
        Path dir = logDir.toAbsolutePath();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new TesseraException("cannot create the Kafka log directory " + dir + ": " + e, e);
        }
        checkNotInUse(dir);
        if (clientPort != 0 && !isFree(clientPort)) {
            throw new TesseraException("Kafka client port " + clientPort + " is in use; pass 0 to pick a free port,"
                    + " or stop whatever listens on it");
        }
        for (int attempt = 1; ; attempt++) {
            int port = clientPort == 0 ? freePort() : clientPort;
            int controllerPort = freePort();
            try {
                return startOnce(dir, port, controllerPort);
            } catch (RuntimeException e) {
                if (attempt >= BIND_ATTEMPTS || !causedByBind(e)) {
                    throw e;
                }
            }
        }
    }

    /**
     * Fails with what to do when another process's broker holds {@code dir} (Kafka's {@code .lock} file in
     * it), before Kafka itself fails on it with two stack traces in the log. The lock is let go at once:
     * Kafka takes it when it starts.
     */
    private static void checkNotInUse(Path dir) {
        if (dev.tessera.core.io.ProcessLock.isHeld(dir.resolve(".lock"))) {
            throw new TesseraException("another Kafka broker is using " + dir + " (a tessera run or demo on the same --data?);"
                    + " stop it, or use another --data directory");
        }
    }

    private static EmbeddedKafka startOnce(Path dir, int clientPort, int controllerPort) {
        Properties props = settings(dir, clientPort, controllerPort);
        formatIfNew(dir, props);
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        String bootstrap = "localhost:" + clientPort;
        Admin admin = null;
        try {
            server.startup();
            admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    AdminClientConfig.CLIENT_ID_CONFIG, "tessera-embedded-kafka-admin"));
            awaitReady(admin, bootstrap);
            return new EmbeddedKafka(dir, server, bootstrap, admin);
        } catch (RuntimeException e) {
            if (admin != null) {
                admin.close(Duration.ZERO);
            }
            server.shutdown();
            server.awaitShutdown();
            throw e;
        }
    }

    /** The configuration of a one-node combined broker and controller. */
    static Properties settings(Path dir, int clientPort, int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@localhost:" + controllerPort);
        p.put("listeners", "PLAINTEXT://localhost:" + clientPort + ",CONTROLLER://localhost:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://localhost:" + clientPort);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", dir.toString());
        p.put("auto.create.topics.enable", "false");
        p.put("num.partitions", Integer.toString(DEFAULT_PARTITIONS));
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "8");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "8");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("log.segment.bytes", Integer.toString(16 * 1024 * 1024));
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        p.put("num.recovery.threads.per.data.dir", "1");
        return p;
    }

    private static void formatIfNew(Path dir, Properties props) {
        if (Files.exists(dir.resolve(META_PROPERTIES))) {
            return;
        }
        Path config = null;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            config = Files.createTempFile("tessera-embedded-kafka", ".properties");
            try (OutputStream os = Files.newOutputStream(config)) {
                props.store(os, "tessera embedded kafka (format only)");
            }
            int rc = StorageTool.execute(new String[] {
                "format", "-t", Uuid.randomUuid().toString(), "-c", config.toString()},
                    new PrintStream(out, true, StandardCharsets.UTF_8));
            if (rc != 0) {
                throw new TesseraException("formatting the Kafka log directory " + dir + " failed (exit " + rc
                        + "): " + out.toString(StandardCharsets.UTF_8).trim());
            }
        } catch (IOException e) {
            throw new TesseraException("cannot write the Kafka configuration used to format " + dir + ": " + e, e);
        } catch (TesseraException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new TesseraException("formatting the Kafka log directory " + dir + " failed: " + e.getMessage()
                    + "; if it holds data from another tool, point Tessera at an empty directory", e);
        } finally {
            if (config != null) {
                try {
                    Files.deleteIfExists(config);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless
                }
            }
        }
    }

    private static void awaitReady(Admin admin, String bootstrap) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TesseraException("interrupted while waiting for the embedded Kafka at " + bootstrap, e);
            }
            sleep(50);
        }
        throw new TesseraException("the embedded Kafka at " + bootstrap + " did not answer describeCluster within "
                + READY_TIMEOUT.toSeconds() + " s" + (last == null ? "" : "; last error: " + last), last);
    }

    /** {@code host:port} for a client's {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The log directory this node runs over. */
    public Path logDir() {
        return logDir;
    }

    /**
     * Creates each topic with the given partition count (replication factor 1) and waits until every
     * partition has a leader. Topics that already exist are left as they are, whatever their
     * partition count.
     */
    public void createTopics(Map<String, Integer> partitionsByName) {
        ensureOpen();
        List<NewTopic> topics = new ArrayList<>();
        partitionsByName.forEach((name, partitions) -> {
            if (partitions == null || partitions < 1) {
                throw new IllegalArgumentException("topic '" + name + "' needs at least 1 partition, got " + partitions);
            }
            topics.add(new NewTopic(name, partitions, (short) 1));
        });
        if (topics.isEmpty()) {
            return;
        }
        Map<String, Throwable> failures = new HashMap<>();
        admin.createTopics(topics).values().forEach((name, future) -> {
            try {
                future.get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    failures.put(name, e.getCause());
                }
            } catch (TimeoutException e) {
                failures.put(name, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failures.put(name, e);
            }
        });
        if (!failures.isEmpty()) {
            throw new TesseraException("cannot create topic(s) on the embedded Kafka at " + bootstrapServers + ": "
                    + failures);
        }
        awaitLeaders(partitionsByName.keySet());
    }

    private void awaitLeaders(Set<String> names) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                Map<String, TopicDescription> described =
                        admin.describeTopics(names).allTopicNames().get(5, TimeUnit.SECONDS);
                if (described.values().stream().allMatch(
                        d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()))) {
                    // the controller's metadata names a leader before the broker serves the partition: a
                    // produce then gets NOT_LEADER_OR_FOLLOWER, and an idempotent producer's retry of its
                    // first batch can be refused as out of order until its delivery timeout (seen under
                    // load). Asking each partition's end offset goes to the leader and fails until it serves.
                    Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> ends = new HashMap<>();
                    described.values().forEach(d -> d.partitions().forEach(p -> ends.put(
                            new org.apache.kafka.common.TopicPartition(d.name(), p.partition()),
                            org.apache.kafka.clients.admin.OffsetSpec.latest())));
                    admin.listOffsets(ends).all().get(5, TimeUnit.SECONDS);
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TesseraException("interrupted while waiting for leaders of " + names, e);
            }
            sleep(20);
        }
        throw new TesseraException("topics " + names + " on " + bootstrapServers + " have no leader after "
                + READY_TIMEOUT.toSeconds() + " s" + (last == null ? "" : "; last error: " + last), last);
    }

    /** Shuts the node down cleanly and waits for it; later calls do nothing. Deletes no files. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            admin.close(Duration.ofSeconds(5));
        } finally {
            server.shutdown();
            server.awaitShutdown();
        }
    }

    @Override
    public String toString() {
        return "EmbeddedKafka[" + bootstrapServers + ", " + logDir + (closed.get() ? ", closed]" : "]");
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the embedded Kafka at " + bootstrapServers + " is closed");
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new TesseraException("cannot find a free loopback port for the embedded Kafka: " + e, e);
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean causedByBind(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TesseraException("interrupted while waiting for the embedded Kafka", e);
        }
    }
}
