package dev.tessera.schemas;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * The Confluent Schema Registry's compatibility levels, checked with Avro's own
 * {@link SchemaCompatibility}: BACKWARD, a new schema reads what the latest version wrote (consumers
 * upgrade first; the default); FORWARD, the latest version reads what the new one writes
 * (producers upgrade first); FULL, both; the TRANSITIVE forms against every earlier version, not
 * just the latest; NONE, no check.
 */
public enum Compatibility {
    BACKWARD(true, false, false),
    BACKWARD_TRANSITIVE(true, false, true),
    FORWARD(false, true, false),
    FORWARD_TRANSITIVE(false, true, true),
    FULL(true, true, false),
    FULL_TRANSITIVE(true, true, true),
    NONE(false, false, false);

    private final boolean backward;
    private final boolean forward;
    private final boolean transitive;

    Compatibility(boolean backward, boolean forward, boolean transitive) {
        this.backward = backward;
        this.forward = forward;
        this.transitive = transitive;
    }

    public static Optional<Compatibility> parse(String name) {
        if (name == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(valueOf(name.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public static String names() {
        return String.join(", ", Arrays.stream(values()).map(Enum::name).toList());
    }

    /**
     * Why {@code candidate} may not follow {@code earlier} under this level: one message per
     * incompatibility, naming the version, the field and what to change; empty when it may.
     *
     * @param earlier the subject's versions, oldest first (the last is the latest)
     */
    public List<String> problems(Schema candidate, List<RegisteredSchema> earlier) {
        List<String> problems = new ArrayList<>();
        if (this == NONE || earlier.isEmpty()) {
            return problems;
        }
        List<RegisteredSchema> against = transitive ? earlier : earlier.subList(earlier.size() - 1, earlier.size());
        for (int i = against.size() - 1; i >= 0; i--) {
            RegisteredSchema old = against.get(i);
            if (backward) {
                describe(candidate, old.schema(), "the new schema cannot read data written with version "
                        + old.version(), problems);
            }
            if (forward) {
                describe(old.schema(), candidate, "version " + old.version() + " cannot read data written with the"
                        + " new schema", problems);
            }
        }
        return problems;
    }

    /**
     * Why {@code reader} cannot read data written with {@code writer}, one message per
     * incompatibility naming the field and what to change; empty when it can.
     */
    public static List<String> whyCannotRead(Schema reader, Schema writer) {
        List<String> out = new ArrayList<>();
        var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult();
        if (result.getCompatibility() != SchemaCompatibilityType.COMPATIBLE) {
            for (Incompatibility inc : result.getIncompatibilities()) {
                out.add(explain(inc, reader));
            }
        }
        return out;
    }

    private void describe(Schema reader, Schema writer, String what, List<String> out) {
        var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult();
        if (result.getCompatibility() == SchemaCompatibilityType.COMPATIBLE) {
            return;
        }
        for (Incompatibility inc : result.getIncompatibilities()) {
            out.add(name() + ": " + what + ": " + explain(inc, reader));
        }
    }

    private static String explain(Incompatibility inc, Schema reader) {
        String field = SchemaLocations.fieldAt(reader, inc.getLocation());
        String where = field == null ? "" : "field '" + field + "' ";
        switch (inc.getType()) {
            case READER_FIELD_MISSING_DEFAULT_VALUE:
                return where + "is missing from the written records and has no default; give it a default"
                        + " (e.g. \"default\": null with a union of null)";
            case TYPE_MISMATCH:
                return where + "was written as " + inc.getWriterFragment().getType().getName() + " but is read as "
                        + inc.getReaderFragment().getType().getName() + "; keep its type, or add a new field instead";
            case NAME_MISMATCH:
                return where + "names " + inc.getWriterFragment().getFullName() + " where the reader expects "
                        + inc.getReaderFragment().getFullName() + "; keep the name, or add the old one as an alias";
            case MISSING_ENUM_SYMBOLS:
                return where + "is an enum that lacks the written symbols " + inc.getMessage() + "; keep the"
                        + " symbols, or give the enum a default symbol";
            case MISSING_UNION_BRANCH:
                return where + "is a union without a branch for the written " + inc.getMessage() + "; keep the branch";
            case FIXED_SIZE_MISMATCH:
                return where + "is fixed of another size (" + inc.getMessage() + ")";
            default:
                return where + inc.getType() + ": " + inc.getMessage() + " at " + inc.getLocation();
        }
    }
}
