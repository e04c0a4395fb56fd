package dev.tessera.runtime;

/**
 * Where rejected events go (SPEC §3, §9): the original bytes plus a reason code and a message.
 * Delivery is at least once and ordered with the commits: {@link #flush()} returns only when
 * everything sent so far is durable, and the runtime flushes before each commit, so an event's
 * offset is never committed before its dead letter is stored. Replays after a crash may repeat a
 * dead letter; each carries its source topic, partition and offset, which identify it.
 */
interface DeadLetterSink extends AutoCloseable {
    void send(String topic, int partition, long offset, byte[] key, byte[] value, String reason, String message);

    void flush();

    @Override
    void close();

    /** Drops dead letters (counted only); for tests and tools that have no Kafka. */
    DeadLetterSink DISCARD = new DeadLetterSink() {
        @Override
        public void send(String topic, int partition, long offset, byte[] key, byte[] value, String reason, String message) {
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
}
