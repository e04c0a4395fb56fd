package dev.tessera.offline.archive;

/**
 * One event as the archive keeps it: the record's own bytes (decoded offline with the very decoder
 * the stream used, so the two paths cannot disagree about a field) and where it came from.
 *
 * @param partition the Kafka partition it was consumed from; {@code -1} for rows loaded by {@code tessera import}
 * @param offset its Kafka offset (for imported rows: the row's position in its import batch)
 * @param ingestTime epoch millis when Tessera received it (the Kafka record timestamp, or the import time)
 * @param eventTime epoch millis of the source's timestamp field (SPEC §3)
 * @param id the source's event id, or null for sources without one
 * @param raw the record value exactly as produced (JSON text or Avro binary)
 */
public record ArchivedEvent(int partition, long offset, long ingestTime, long eventTime, String id, byte[] raw) {}
