package dev.tessera.offline.archive;

/**
 * One event as the archive keeps it: the record's own bytes (decoded offline with the very decoder
 * the stream used, so the two paths cannot disagree about a field) and where it came from.
 *
 * @param partition the Kafka partition it was consumed from; {@value #IMPORTED} for rows loaded by {@code tessera import}
 *                  (never in Kafka)
 * @param offset its Kafka offset; for imported rows its number in the source's import sequence, unique
 *               over every import of the source (so (partition, offset) identifies every row of the archive)
 * @param ingestTime epoch millis when Tessera received it (the Kafka record timestamp, or the time the import started)
 * @param eventTime epoch millis of the source's timestamp field (SPEC §3)
 * @param id the source's event id, or null for sources without one
 * @param raw the record value exactly as produced (JSON text or Avro binary); null only where a scan handed the
 *            event's typed values instead ({@link EventScan#forEachWithValues})
 */
public record ArchivedEvent(int partition, long offset, long ingestTime, long eventTime, String id, byte[] raw) {
    /** The partition of rows loaded by {@code tessera import}: they were never in Kafka. */
    public static final int IMPORTED = -1;
}
