package dev.tessera.offline.imports;

import java.io.Closeable;
import java.io.IOException;

/**
 * What the line-based readers (JSON Lines, CSV) share: a row is numbered by the line it starts on,
 * progress is the share of the file's bytes read, and closing closes what they read through.
 */
abstract class LineInputReader extends InputReader {
    private final CountingStream stream;
    private final Closeable source;
    /** The line the row last returned starts on (from 1); set by the subclass as it returns a row. */
    long number;

    LineInputReader(CountingStream stream, Closeable source) {
        this.stream = stream;
        this.source = source;
    }

    @Override
    final long number() {
        return number;
    }

    @Override
    final String unit() {
        return "line";
    }

    @Override
    final double progress() {
        return stream.progress();
    }

    @Override
    public final void close() throws IOException {
        source.close();
    }
}
