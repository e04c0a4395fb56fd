package dev.tessera.generator;

/**
 * One delivered record: what a producer sends, plus what the world knows about it.
 *
 * @param source    the source it belongs to
 * @param key       the Kafka record key: the account id of the event (also for malformed records)
 * @param value     the record value, UTF-8 JSON (or not JSON at all, for {@link Disorder#BROKEN_JSON});
 *                  the array is not copied, do not change it
 * @param eventTime the event time it carries, epoch millis (for malformed records, the time it would carry)
 * @param disorder  the disorder it carries, or null for a record in order
 * @param fraud     the fraud pattern it belongs to, or null for a legitimate event; a chargeback
 *                  has the pattern of the payment it disputes
 */
public record GeneratedRecord(CommerceSource source, String key, byte[] value, long eventTime, Disorder disorder,
        FraudPattern fraud) {
    /** The value as text. */
    public String text() {
        return new String(value, java.nio.charset.StandardCharsets.UTF_8);
    }
}
