package dev.tessera.generator;

/**
 * Where delivered records go, in delivery order. Implementations: {@link JsonlFileSink},
 * {@link KafkaRecordSink}; tests collect records in a list.
 */
public interface RecordSink extends AutoCloseable {
    void write(GeneratedRecord record);

    /** Flushes and releases what the sink opened. Throws if a write failed. */
    @Override
    void close();
}
