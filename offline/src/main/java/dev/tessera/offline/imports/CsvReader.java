package dev.tessera.offline.imports;

import dev.tessera.api.TesseraException;
import dev.tessera.runtime.decode.RejectReason;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CSV (RFC 4180): the first record names the columns; fields are separated by commas and may be
 * quoted with {@code "} (a quote inside doubled: {@code ""}), quoted fields may span lines; records
 * end with {@code \n} or {@code \r\n}. An empty field, quoted or not, is null. Lenient where RFC 4180
 * is silent in practice: a quote inside an unquoted field, or text after a closing quote, is kept as
 * text. A record is numbered by the line it starts on (the header is line 1).
 *
 * <p>Per record: the wrong number of fields is {@code malformed}; a record longer than the limit is
 * not held, it is skipped to the end of the line it got too long on and comes back {@code too_large},
 * so a stray quote costs one record, not the rest of the file; a quote still open at the end of the
 * file is {@code malformed}. Blank lines are skipped. Invalid UTF-8 reads as U+FFFD.
 */
final class CsvReader extends LineInputReader {
    private static final int SHOWN_OF_TOO_LARGE = 200;

    private final Path file;
    private final Reader in;
    private final int maxRecordChars;
    private final List<String> columns;
    private final CsvShape shape;
    private final char[] buf = new char[1 << 15];
    private int pos;
    private int end;
    private boolean eof;
    private long line = 1;

    // the record being read
    private final StringBuilder text = new StringBuilder();
    private final StringBuilder field = new StringBuilder();
    private final List<String> fields = new ArrayList<>();

    CsvReader(Path file, InputReader.CountingStream stream, int maxRecordBytes) throws IOException {
        this(file, stream, new InputStreamReader(stream, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE)), maxRecordBytes);
    }

    private CsvReader(Path file, InputReader.CountingStream stream, Reader in, int maxRecordBytes) throws IOException {
        super(stream, in);
        this.file = file;
        this.in = in;
        this.maxRecordChars = maxRecordBytes;
        InputRow header = next();
        if (header == null) {
            throw new TesseraException("CSV file " + file + " is empty: its first line must name the columns (the source's fields,"
                    + " e.g. payment_id,account_id,amount,event_time)");
        }
        if (!(header instanceof InputRow.CsvRecord h)) {
            throw new TesseraException("CSV file " + file + " line 1: the header cannot be read ("
                    + ((InputRow.Unreadable) header).message() + ")");
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < h.cells().length; i++) {
            String c = h.cells()[i] == null ? "" : h.cells()[i].strip();
            if (i == 0 && !c.isEmpty() && c.charAt(0) == '\uFEFF') {
                c = c.substring(1).strip(); // a byte-order mark some spreadsheets write
            }
            if (c.isEmpty()) {
                throw new TesseraException("CSV file " + file + " line 1: column " + (i + 1) + " has no name; the first line"
                        + " must name every column");
            }
            if (names.contains(c)) {
                throw new TesseraException("CSV file " + file + " line 1: column '" + c + "' appears twice; give each column its"
                        + " own name");
            }
            names.add(c);
        }
        this.columns = List.copyOf(names);
        this.shape = CsvShape.of(file.toString(), columns);
    }

    /** The column names of the header, in file order. */
    List<String> columns() {
        return columns;
    }

    Path file() {
        return file;
    }

    @Override
    InputRow next() throws IOException {
        while (true) {
            int c = peek();
            if (c < 0) {
                return null;
            }
            number = line;
            InputRow row = record();
            if (row != null) {
                return row;
            }
        }
    }

    /** Reads one record; null for a blank line. */
    private InputRow record() throws IOException {
        text.setLength(0);
        fields.clear();
        field.setLength(0);
        boolean quoted = false; // inside quotes
        boolean wasQuoted = false;
        while (true) {
            int c = read();
            if (c < 0) {
                if (quoted) {
                    return new InputRow.Unreadable(RejectReason.MALFORMED, "a quoted field opened on line " + number
                            + " is never closed (the file ends inside it); close the quote or double the quote inside it (\"\")",
                            shown());
                }
                break;
            }
            if (quoted) {
                if (c == '"') {
                    if (peek() == '"') {
                        read();
                        append('"', "\"\"");
                    } else {
                        quoted = false;
                        text.append('"');
                    }
                } else {
                    if (c == '\n') {
                        line++;
                    }
                    append((char) c, null);
                }
            } else if (c == ',') {
                endField();
                wasQuoted = false;
                text.append(',');
            } else if (c == '\n' || c == '\r' && peek() == '\n') {
                if (c == '\r') {
                    read();
                }
                line++;
                break;
            } else if (c == '"' && field.length() == 0 && !wasQuoted) {
                quoted = true;
                wasQuoted = true;
                text.append('"');
            } else {
                append((char) c, null);
            }
            if (text.length() > maxRecordChars) {
                String shown = text.substring(0, Math.min(text.length(), SHOWN_OF_TOO_LARGE)) + "...";
                skipLine();
                return new InputRow.Unreadable(RejectReason.TOO_LARGE, "the record is longer than the limit of " + maxRecordChars
                        + " bytes per event (or a quote opened in it is not closed); split it, fix the quote, or raise the"
                        + " limit (--max-record-bytes)", shown);
            }
        }
        endField();
        if (fields.size() == 1 && fields.get(0) == null && text.length() == 0) {
            return null; // a blank line
        }
        String[] cells = fields.toArray(new String[0]);
        if (columns != null && cells.length != columns.size()) {
            return new InputRow.Unreadable(RejectReason.MALFORMED, cells.length + (cells.length == 1 ? " field" : " fields")
                    + " but the header names " + columns.size() + " columns; quote fields that contain commas", shown());
        }
        return new InputRow.CsvRecord(shape, cells, text.toString());
    }

    private void append(char c, String asText) {
        field.append(c);
        if (asText == null) {
            text.append(c);
        } else {
            text.append(asText);
        }
    }

    private void endField() {
        fields.add(field.length() == 0 ? null : field.toString());
        field.setLength(0);
    }

    private String shown() {
        return text.length() <= SHOWN_OF_TOO_LARGE * 50 ? text.toString() : text.substring(0, SHOWN_OF_TOO_LARGE) + "...";
    }

    /** Skips to just after the next line end (a resync after a record too large to hold). */
    private void skipLine() throws IOException {
        int c;
        while ((c = read()) >= 0) {
            if (c == '\n') {
                line++;
                return;
            }
        }
    }

    private int read() throws IOException {
        if (pos == end && !fill()) {
            return -1;
        }
        return buf[pos++];
    }

    private int peek() throws IOException {
        if (pos == end && !fill()) {
            return -1;
        }
        return buf[pos];
    }

    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) {
            eof = true;
            return false;
        }
        pos = 0;
        end = n;
        return true;
    }
}
