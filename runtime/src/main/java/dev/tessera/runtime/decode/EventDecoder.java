package dev.tessera.runtime.decode;

/**
 * Turns one Kafka record value into an {@link dev.tessera.core.event.Event} over the source's
 * {@link dev.tessera.core.event.FieldLayout}, or into a rejection.
 *
 * <p>Contract for every implementation: {@link #decode} never throws for bad input (any byte
 * array, including null and empty, yields a {@link Decoded}); it rejects only with
 * {@link RejectReason#MALFORMED}, {@link RejectReason#TOO_LARGE} or
 * {@link RejectReason#SCHEMA_MISMATCH}; its allocations are bounded by the record size; and it is
 * safe to call from several threads at once. Obtain one from {@link EventDecoders}.
 */
public interface EventDecoder {
    Decoded decode(byte[] value);
}
