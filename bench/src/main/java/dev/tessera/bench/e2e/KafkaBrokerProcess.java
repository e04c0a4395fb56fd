package dev.tessera.bench.e2e;

import dev.tessera.runtime.kafka.EmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Kafka broker ({@link EmbeddedKafka}) in a JVM of its own, for benchmarks whose server must not
 * host it (a deployment's serving process does not run its broker): started by
 * {@link ServerProcess} with {@code --port-file FILE}, it writes its port there once it serves and
 * runs until its standard input ends. Its data goes to a temporary folder, deleted at the end.
 */
public final class KafkaBrokerProcess {
    private KafkaBrokerProcess() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !args[0].equals("--port-file")) {
            throw new IllegalArgumentException("usage: KafkaBrokerProcess --port-file FILE");
        }
        Path dir = Files.createTempDirectory("tessera-bench-broker");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            String bootstrap = kafka.bootstrapServers();
            ServerProcess.writePort(Path.of(args[1]), Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1)));
            System.out.printf("broker: %s, in a JVM of its own%n", bootstrap);
            while (System.in.read() >= 0) {
                // the parent writes nothing; end of input is the signal to stop
            }
        } finally {
            ServingStack.deleteTree(dir);
        }
    }
}
