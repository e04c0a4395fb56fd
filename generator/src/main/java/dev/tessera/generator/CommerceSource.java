package dev.tessera.generator;

import dev.tessera.api.TesseraException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The four event streams of the commerce world, with exactly the fields that
 * {@code examples/commerce/sources.yaml} describes, in the order they are written.
 *
 * <p>Every event carries {@code account_id}, which is also its Kafka record key, so one account's
 * events stay in one partition, in order.
 */
public enum CommerceSource {
    PAYMENTS("payments", "payment_id", 10 * 60_000L, new Object[][] {
        {"payment_id", FieldType.TEXT}, {"event_time", FieldType.EPOCH_MILLIS}, {"account_id", FieldType.TEXT},
        {"card_fingerprint", FieldType.TEXT}, {"merchant_id", FieldType.TEXT}, {"amount", FieldType.DECIMAL},
        {"currency", FieldType.TEXT}, {"status", FieldType.TEXT}, {"country", FieldType.TEXT},
        {"device_id", FieldType.TEXT}, {"ip", FieldType.TEXT}}),
    LOGINS("logins", "login_id", 5 * 60_000L, new Object[][] {
        {"login_id", FieldType.TEXT}, {"event_time", FieldType.EPOCH_MILLIS}, {"account_id", FieldType.TEXT},
        {"device_id", FieldType.TEXT}, {"ip", FieldType.TEXT}, {"success", FieldType.BOOLEAN},
        {"country", FieldType.TEXT}}),
    SIGNUPS("signups", "signup_id", 10 * 60_000L, new Object[][] {
        {"signup_id", FieldType.TEXT}, {"event_time", FieldType.EPOCH_MILLIS}, {"account_id", FieldType.TEXT},
        {"email_domain", FieldType.TEXT}, {"device_id", FieldType.TEXT}, {"ip", FieldType.TEXT},
        {"country", FieldType.TEXT}}),
    CHARGEBACKS("chargebacks", "chargeback_id", 2 * 3_600_000L, new Object[][] {
        {"chargeback_id", FieldType.TEXT}, {"event_time", FieldType.EPOCH_MILLIS}, {"account_id", FieldType.TEXT},
        {"card_fingerprint", FieldType.TEXT}, {"payment_id", FieldType.TEXT}, {"amount", FieldType.DECIMAL},
        {"reason", FieldType.TEXT}});

    /** The timestamp field of every source: epoch millis. */
    public static final String TIMESTAMP_FIELD = "event_time";

    /** Fields holding entity keys (SPEC §2 entities of the example: account, card, device, ip). */
    private static final List<String> ENTITY_KEYS = List.of("account_id", "card_fingerprint", "device_id", "ip");

    private final String sourceName;
    private final String idField;
    private final long defaultLatenessMillis;
    private final Map<String, FieldType> fields;

    CommerceSource(String sourceName, String idField, long defaultLatenessMillis, Object[][] fields) {
        this.sourceName = sourceName;
        this.idField = idField;
        this.defaultLatenessMillis = defaultLatenessMillis;
        Map<String, FieldType> m = new LinkedHashMap<>();
        for (Object[] f : fields) {
            m.put((String) f[0], (FieldType) f[1]);
        }
        this.fields = java.util.Collections.unmodifiableMap(m);
    }

    /** The source name in definitions ({@code payments}). */
    public String sourceName() {
        return sourceName;
    }

    /** The idempotency key field ({@code payment_id}). */
    public String idField() {
        return idField;
    }

    /** Every field, in the order written, with its JSON type. */
    public Map<String, FieldType> fields() {
        return fields;
    }

    /** The fields of this source that hold entity keys (dropped together by {@link Disorder#MISSING_KEY}). */
    public List<String> entityKeyFields() {
        return fields.keySet().stream().filter(ENTITY_KEYS::contains).toList();
    }

    /** The topic of the example definitions: {@code commerce.payments}. */
    public String defaultTopic() {
        return "commerce." + sourceName;
    }

    /** Lateness and clock skew of the example definitions, used when no definitions are given. */
    public SourceTiming defaultTiming() {
        return new SourceTiming(defaultLatenessMillis, SourceTiming.DEFAULT_MAX_CLOCK_SKEW_MILLIS);
    }

    /**
     * The source called {@code name}.
     *
     * @throws TesseraException naming the sources there are
     */
    public static CommerceSource named(String name) {
        for (CommerceSource s : values()) {
            if (s.sourceName.equals(name)) {
                return s;
            }
        }
        throw new TesseraException("the generator has no source '" + name + "'; "
                + dev.tessera.api.ClosestNames.hint(name, Arrays.stream(values()).map(CommerceSource::sourceName).toList(),
                        "it writes"));
    }
}
