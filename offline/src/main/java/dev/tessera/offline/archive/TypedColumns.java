package dev.tessera.offline.archive;

import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Source;
import dev.tessera.api.TesseraException;
import dev.tessera.core.event.Event;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.event.SourceFields;
import dev.tessera.core.tile.GroupAggregator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The fields a source's archive files (format 2, ADR 008 addendum "Typed columns") keep as typed
 * columns next to {@code _raw}: every field a group of the source aggregates or filters on, each value
 * exactly as the source's decoder produced it when the event was archived, so offline readers take
 * it from its column instead of decoding {@code _raw} again.
 *
 * <p>A value is valid for a reader only if the reader would decode {@code _raw} the same way. The
 * {@link #decoder() decoder fingerprint} says how the values were decoded: the source's format, its
 * schema file's bytes, the field layout the decoder was built for (a field added to the layout can
 * make an event undecodable) and the record size limit. Readers whose own fingerprint differs decode
 * {@code _raw}, as they do for files of format 1, which have no typed columns.
 *
 * <p>Immutable; the values are taken from an event decoded through {@link SourceFields#layout}.
 */
public final class TypedColumns {
    /** Bumped when a change of the decoders' code changes what a record decodes to. */
    private static final String DECODER_RULES = "decoder-rules-1";

    private final List<String> fields;
    private final int[] slots;
    private final String decoder;

    private TypedColumns(List<String> fields, int[] slots, String decoder) {
        this.fields = List.copyOf(fields);
        this.slots = slots;
        this.decoder = decoder;
    }

    /** No typed columns (the files then have only the fixed and key columns, as in format 1). */
    public static TypedColumns none() {
        return new TypedColumns(List.of(), new int[0], "");
    }

    /**
     * The typed columns of {@code source}: the fields its groups read, decoded by its decoder with
     * {@code maxRecordBytes} as the record size limit.
     */
    public static TypedColumns of(Definitions defs, Path definitionsDir, Source source, int maxRecordBytes) {
        FieldLayout layout = SourceFields.layout(defs, source);
        List<String> fields = new ArrayList<>();
        for (FeatureGroup g : defs.groupsOf(source)) {
            for (String f : GroupAggregator.requiredFields(g)) {
                if (!fields.contains(f)) {
                    fields.add(f);
                }
            }
        }
        return new TypedColumns(fields, fields.stream().mapToInt(layout::requireSlot).toArray(),
                fingerprint(source, definitionsDir, layout, maxRecordBytes));
    }

    /** The fields with typed columns, in column order. */
    public List<String> fields() {
        return fields;
    }

    /** How the values were decoded: readers use them only when their own fingerprint is the same. */
    public String decoder() {
        return decoder;
    }

    /** The typed values of an event decoded through the source's {@link SourceFields#layout}, in {@link #fields()} order. */
    public Object[] values(Event e) {
        Object[] out = new Object[slots.length];
        for (int i = 0; i < slots.length; i++) {
            out[i] = e.get(slots[i]);
        }
        return out;
    }

    /**
     * The fingerprint of a source's decoder: a SHA-256 of the format, the schema file's bytes, the
     * layout's fields and the record size limit (and {@link #DECODER_RULES}).
     */
    static String fingerprint(Source source, Path definitionsDir, FieldLayout layout, int maxRecordBytes) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((DECODER_RULES + "\n" + source.format() + "\n" + maxRecordBytes + "\n" + String.join("\n", layout.names()) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            if (!source.fields().isEmpty()) { // declared types change what JSON decodes to (ADR 015)
                sha.update(("fields " + source.fields() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            if (source.schema() != null) {
                Path schema = definitionsDir.resolve(source.schema()).normalize();
                try {
                    sha.update(Files.readAllBytes(schema));
                } catch (IOException e) {
                    throw new TesseraException("cannot read schema file " + schema + " of source '" + source.name() + "': " + e, e);
                }
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public String toString() {
        return "TypedColumns" + fields + "@" + decoder;
    }
}
