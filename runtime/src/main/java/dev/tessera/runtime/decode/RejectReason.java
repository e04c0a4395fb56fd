package dev.tessera.runtime.decode;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Why an event was not applied (SPEC §3, §9). The {@linkplain #code() wire code} is what the
 * dead-letter output and the metrics carry; it never changes once released.
 *
 * <p>Decoders produce only {@link #MALFORMED}, {@link #TOO_LARGE} and {@link #SCHEMA_MISMATCH};
 * the runtime decides the others after decoding, and reports them through the same policy.
 */
public enum RejectReason {
    /** Not a well-formed record of the source's format (bad JSON, truncated Avro, trailing bytes...). */
    MALFORMED("malformed"),
    /** An entity key field is null or absent. */
    MISSING_KEY("missing_key"),
    /** The timestamp field is absent or not epoch millis / ISO-8601. */
    BAD_TIMESTAMP("bad_timestamp"),
    /** Event time before the source's watermark. */
    LATE("late"),
    /** Event time beyond now plus the maximum clock skew. */
    FUTURE("future"),
    /** The id was already applied within the dedup horizon. */
    DUPLICATE("duplicate"),
    /** The record, or one of its values, exceeds a size limit. */
    TOO_LARGE("too_large"),
    /** Well-formed, but a field the definitions read has the wrong shape (an object, array, bytes...). */
    SCHEMA_MISMATCH("schema_mismatch");

    private final String code;

    RejectReason(String code) {
        this.code = code;
    }

    /** The wire code: {@code malformed}, {@code missing_key}, ... */
    public String code() {
        return code;
    }

    /**
     * The reason with wire code {@code code}.
     *
     * @throws IllegalArgumentException naming the codes that exist
     */
    public static RejectReason fromCode(String code) {
        for (RejectReason r : values()) {
            if (r.code.equals(code)) {
                return r;
            }
        }
        throw new IllegalArgumentException("'" + code + "' is not a reject reason; expected one of "
                + Arrays.stream(values()).map(RejectReason::code).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return code;
    }
}
