package dev.tessera.offline.archive;

import java.nio.file.Path;

/**
 * A committed archive file: what {@link ArchiveReader#files()} lists.
 *
 * @param path          the Parquet file
 * @param partition     the Kafka partition its rows come from
 * @param firstOffset   first offset of the commit that made it (its rows are within [first, last])
 * @param lastOffset    last offset of that commit
 * @param rows          rows in the file
 * @param minEventTime  smallest event time in it (epoch millis)
 * @param maxEventTime  greatest event time in it
 */
public record ArchivedFile(Path path, int partition, long firstOffset, long lastOffset, long rows, long minEventTime,
                           long maxEventTime) {
    /** True when some event of the file may fall in {@code [fromMillis, untilMillis)}. */
    public boolean overlaps(long fromMillis, long untilMillis) {
        return maxEventTime >= fromMillis && minEventTime < untilMillis;
    }

    /** True when every event of the file falls in {@code [fromMillis, untilMillis)}. */
    public boolean within(long fromMillis, long untilMillis) {
        return minEventTime >= fromMillis && maxEventTime < untilMillis;
    }
}
