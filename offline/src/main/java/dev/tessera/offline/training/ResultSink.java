package dev.tessera.offline.training;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Joined values of one entity's features, written by one join worker to files by spine-row range
 * ({@code chunk-<c>} holds rows {@code [c·chunkRows, (c+1)·chunkRows)}): records of
 * {@code (varint row, one tagged value per feature of the entity)} ({@link SpillValues}). Assembly
 * loads one range of every entity and worker at a time, so it holds one range, not the whole set.
 */
final class ResultSink implements AutoCloseable {
    private final Path dir;
    private final SpillOutput[] chunks;
    private final long chunkRows;
    private final int bufferBytes;
    /** Per output column: the kinds of values written (see {@link SpillValues}), for the output's column types. */
    final int[] kinds;

    ResultSink(Path dir, int chunks, long chunkRows, int featureCount, int bufferBytes) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.chunks = new SpillOutput[chunks];
        this.chunkRows = chunkRows;
        this.bufferBytes = bufferBytes;
        this.kinds = new int[featureCount];
    }

    /** The values of row {@code row}: {@code values[i]} is output column {@code columns[i]}. */
    void write(long row, Object[] values, int[] columns) throws IOException {
        int c = (int) (row / chunkRows);
        SpillOutput out = chunks[c];
        if (out == null) {
            out = chunks[c] = new SpillOutput(dir.resolve("chunk-" + c), bufferBytes);
        }
        out.writeVarint(row);
        for (int i = 0; i < values.length; i++) {
            kinds[columns[i]] |= SpillValues.writeValue(out, values[i]);
        }
    }

    @Override
    public void close() throws IOException {
        SpillOutput.closeAll(chunks);
    }

    /**
     * Fills {@code values[row - firstRow][columns[i]]} from chunk {@code chunk} of every worker
     * folder in {@code dirs} (absent files: no row of that range had a key for the entity).
     */
    static void read(List<Path> dirs, int chunk, int[] columns, long firstRow, Object[][] values) throws IOException {
        for (Path dir : dirs) {
            Path file = dir.resolve("chunk-" + chunk);
            if (!Files.exists(file)) {
                continue;
            }
            SpillInput in = SpillInput.readAll(List.of(file));
            while (in.more()) {
                Object[] target = values[(int) (in.readVarint() - firstRow)];
                for (int col : columns) {
                    target[col] = SpillValues.readValue(in);
                }
            }
        }
    }
}
