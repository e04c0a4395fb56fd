package dev.tessera.offline.training;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads a training set that {@code tessera training-set} wrote (Parquet or CSV) row by row, in file
 * order, as the spine reader reads spines: CSV cells as strings (null for an empty cell), Parquet values
 * as Avro gives them (strings as {@code String}, lists as {@code List}). Streams: nothing but the
 * current row is held. Feature columns are named {@code <group>__<feature>} ({@link dev.tessera.api.FeatureRef#columnName()}).
 */
public final class TrainingSetRows implements Closeable {
    private final SpineReader in;

    private TrainingSetRows(SpineReader in) {
        this.in = in;
    }

    /** Opens {@code file}: Parquet for {@code .parquet} / {@code .pq}, else CSV with a header line. */
    public static TrainingSetRows open(Path file) throws IOException {
        return new TrainingSetRows(SpineReader.open(file, "training set"));
    }

    /** Column names, in file order. */
    public List<String> columns() {
        return in.columns();
    }

    /** The next row (one value per column), or null at the end. */
    public Object[] next() throws IOException {
        return in.next();
    }

    /** Where the row last returned is, for messages: "line 12" (CSV) or "row 12" (Parquet). */
    public String where() {
        return in.where();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
