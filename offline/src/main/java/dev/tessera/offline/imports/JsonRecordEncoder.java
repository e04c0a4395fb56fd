package dev.tessera.offline.imports;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Records of a JSON source: one JSON object per row.
 * <ul>
 *   <li>JSON Lines: the line's bytes, untouched (the decoder judges them, as it judges Kafka's).</li>
 *   <li>CSV: an object of the header's columns in header order (dotted names nested, {@link CsvShape}),
 *       each cell typed by its text, since CSV has no types: empty is {@code null}; {@code true} or
 *       {@code false} (any case) a boolean; text that is a JSON number ({@code -12}, {@code 3.50},
 *       {@code 1e3}; not {@code 007}, {@code +1}, {@code .5} or {@code NaN}) a number, written as
 *       it is; anything else a string. So ids and keys with leading zeros stay strings, and
 *       {@code 42} and {@code "42"} name the same entity anyway (keys compare as text).</li>
 *   <li>Parquet: an object of the row's fields in schema order ({@link PlainValues}: timestamps as
 *       epoch millis, nested records as objects, lists as arrays, null as {@code null}).</li>
 * </ul>
 * The same row always gives the same bytes, so importing a file again finds the same records.
 */
final class JsonRecordEncoder implements RecordEncoder {
    private static final Pattern JSON_NUMBER = Pattern.compile("-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?");

    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(512);

    @Override
    public byte[] encode(InputRow row) throws RowRejected {
        if (row instanceof InputRow.JsonLine l) {
            return l.bytes();
        }
        if (row instanceof InputRow.CsvRecord c) {
            buffer.reset();
            try (JsonGenerator g = PlainValues.JSON.createGenerator(buffer)) {
                writeCsv(g, c.shape().root, c.cells());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return buffer.toByteArray();
        }
        if (row instanceof InputRow.ParquetRow p) {
            return PlainValues.toJson(PlainValues.of(p.record()));
        }
        InputRow.Unreadable u = (InputRow.Unreadable) row;
        throw new RowRejected(u.reason(), u.message());
    }

    @Override
    public boolean textual() {
        return true;
    }

    private static void writeCsv(JsonGenerator g, Map<String, Object> shape, String[] cells) throws IOException {
        g.writeStartObject();
        for (Map.Entry<String, Object> e : shape.entrySet()) {
            g.writeFieldName(e.getKey());
            if (e.getValue() instanceof Integer i) {
                writeCell(g, cells[i]);
            } else {
                @SuppressWarnings("unchecked")
                Map<String, Object> nested = (Map<String, Object>) e.getValue();
                writeCsv(g, nested, cells);
            }
        }
        g.writeEndObject();
    }

    static void writeCell(JsonGenerator g, String cell) throws IOException {
        if (cell == null) {
            g.writeNull();
        } else if (cell.equalsIgnoreCase("true") || cell.equalsIgnoreCase("false")) {
            g.writeBoolean(cell.length() == 4);
        } else if (looksNumeric(cell) && JSON_NUMBER.matcher(cell).matches()) {
            g.writeNumber(cell);
        } else {
            g.writeString(cell);
        }
    }

    private static boolean looksNumeric(String s) {
        char c = s.charAt(0);
        return c == '-' || c >= '0' && c <= '9';
    }
}
