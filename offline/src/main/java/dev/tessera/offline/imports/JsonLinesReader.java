package dev.tessera.offline.imports;

import dev.tessera.runtime.decode.RejectReason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * JSON Lines: one record per line, ending in {@code \n} or {@code \r\n} (the last line may lack it).
 * A line is handed on as its bytes, unparsed: for a JSON source they are the record exactly as it
 * will be archived. Blank lines are skipped (not rows); a UTF-8 byte-order mark opening the file is
 * dropped. A line longer than the record limit is never held whole: it is skipped to its end and
 * comes back {@code too_large}, with its first bytes for the report.
 */
final class JsonLinesReader extends LineInputReader {
    private static final int READ_BUFFER = 1 << 16;
    private static final int SHOWN_OF_TOO_LARGE = 200;

    private final InputReader.CountingStream in;
    private final int maxRecordBytes;
    private final byte[] buf = new byte[READ_BUFFER];
    private int pos;
    private int end;
    private boolean eof;
    private byte[] line = new byte[1024];
    private long lineNumber;

    JsonLinesReader(InputReader.CountingStream in, int maxRecordBytes) {
        super(in, in);
        this.in = in;
        this.maxRecordBytes = maxRecordBytes;
    }

    @Override
    InputRow next() throws IOException {
        while (true) {
            int len = 0;
            boolean tooLong = false;
            boolean any = false;
            while (true) {
                if (pos == end && !fill()) {
                    break;
                }
                any = true;
                int nl = -1;
                for (int i = pos; i < end; i++) {
                    if (buf[i] == '\n') {
                        nl = i;
                        break;
                    }
                }
                int stop = nl < 0 ? end : nl;
                int n = stop - pos;
                if (!tooLong) {
                    if (len + n > maxRecordBytes + 1) { // +1: a \r that is not part of the record
                        int keep = Math.min(n, Math.max(0, SHOWN_OF_TOO_LARGE - len));
                        ensure(len + keep);
                        System.arraycopy(buf, pos, line, len, keep);
                        len += keep;
                        tooLong = true;
                    } else {
                        ensure(len + n);
                        System.arraycopy(buf, pos, line, len, n);
                        len += n;
                    }
                }
                pos = stop;
                if (nl >= 0) {
                    pos++;
                    break;
                }
            }
            if (!any) {
                return null;
            }
            lineNumber++;
            number = lineNumber;
            if (tooLong) {
                String shown = new String(line, 0, Math.min(len, SHOWN_OF_TOO_LARGE), StandardCharsets.UTF_8) + "...";
                return new InputRow.Unreadable(RejectReason.TOO_LARGE, "the line is longer than the limit of " + maxRecordBytes
                        + " bytes per event; split the event or raise the limit (--max-record-bytes)", shown);
            }
            if (len > 0 && line[len - 1] == '\r') {
                len--;
            }
            int start = 0;
            if (lineNumber == 1 && len >= 3 && (line[0] & 0xFF) == 0xEF && (line[1] & 0xFF) == 0xBB && (line[2] & 0xFF) == 0xBF) {
                start = 3;
            }
            if (blank(start, len)) {
                continue;
            }
            return new InputRow.JsonLine(Arrays.copyOfRange(line, start, len));
        }
    }

    private boolean blank(int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = line[i];
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    private void ensure(int capacity) {
        if (capacity > line.length) {
            line = Arrays.copyOf(line, Math.max(capacity, line.length * 2));
        }
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
