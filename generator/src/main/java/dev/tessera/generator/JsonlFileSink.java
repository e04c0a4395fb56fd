package dev.tessera.generator;

import dev.tessera.api.TesseraException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;

/**
 * Writes each source's records to its own file, one record per line ({@code \n}, whatever the
 * platform, so equal runs give equal bytes everywhere). Files are created or truncated when the sink
 * opens; missing parent folders are created.
 */
public final class JsonlFileSink implements RecordSink {
    private final Map<CommerceSource, Path> files;
    private final Map<CommerceSource, OutputStream> streams = new EnumMap<>(CommerceSource.class);

    /**
     * @throws TesseraException when a file cannot be created, naming it
     */
    public JsonlFileSink(Map<CommerceSource, Path> files) {
        this.files = new EnumMap<>(files);
        try {
            for (Map.Entry<CommerceSource, Path> e : this.files.entrySet()) {
                Path parent = e.getValue().toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                streams.put(e.getKey(), new BufferedOutputStream(Files.newOutputStream(e.getValue()), 1 << 16));
            }
        } catch (IOException e) {
            closeQuietly();
            throw new TesseraException("cannot create output file: " + e.getMessage()
                    + "; check that the folder is writable and the path is not a folder", e);
        }
    }

    /**
     * One file per source next to {@code file}: {@code out/events.jsonl} gives
     * {@code out/events.payments.jsonl}, {@code out/events.logins.jsonl}, ... (a name without
     * {@code .jsonl} keeps its whole name as the stem).
     */
    public static Map<CommerceSource, Path> filesNextTo(Path file, Collection<CommerceSource> sources) {
        String name = file.getFileName().toString();
        String stem = name.endsWith(".jsonl") ? name.substring(0, name.length() - ".jsonl".length()) : name;
        Map<CommerceSource, Path> m = new EnumMap<>(CommerceSource.class);
        for (CommerceSource s : sources) {
            m.put(s, file.resolveSibling(stem + "." + s.sourceName() + ".jsonl"));
        }
        return m;
    }

    @Override
    public void write(GeneratedRecord record) {
        OutputStream out = streams.get(record.source());
        if (out == null) {
            throw new TesseraException("no output file for source " + record.source().sourceName() + "; this sink writes "
                    + files.keySet().stream().map(CommerceSource::sourceName).toList());
        }
        try {
            out.write(record.value());
            out.write('\n');
        } catch (IOException e) {
            throw new TesseraException("cannot write " + files.get(record.source()) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        TesseraException failure = null;
        for (Map.Entry<CommerceSource, OutputStream> e : streams.entrySet()) {
            try {
                e.getValue().close();
            } catch (IOException ex) {
                if (failure == null) {
                    failure = new TesseraException("cannot finish " + files.get(e.getKey()) + ": " + ex.getMessage()
                            + " (is the disk full?)", ex);
                }
            }
        }
        streams.clear();
        if (failure != null) {
            throw failure;
        }
    }

    private void closeQuietly() {
        for (OutputStream out : streams.values()) {
            try {
                out.close();
            } catch (IOException ignored) {
                // already failing: the first error is the one reported
            }
        }
    }
}
