package dev.tessera.offline.archive;

import dev.tessera.api.TesseraException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the archive keeps what (SPEC §5), the one owner of its file and folder names:
 * <pre>
 *  &lt;archive&gt;/&lt;source&gt;/
 *    dt=2026-11-26/hour=13/p0-1200-1499.parquet     committed data: partition 0, offsets 1200..1499, events of 13:00-14:00 UTC
 *    dt=2026-11-26/hour=13/.p0-1200.inprogress      being written (never read; deleted at start)
 *    _manifests/p0-1200-1499.json                   the commit of partition 0, offsets 1200..1499: names its files
 *    _manifests/.p0-1200-1499.json.tmp              a manifest being written (deleted at start)
 *    .lock                                          held by the one archiver writing this source
 * </pre>
 * Folders are by event time in UTC. A data file's name carries the offset range of the commit that
 * made it, so names never collide: commits of one partition cover disjoint ranges. Names starting
 * with {@code .} or {@code _} are what Hive-style readers (DuckDB, Spark) skip, so a glob over
 * {@code dt=*}{@code /hour=*}{@code /*.parquet} sees data files only.
 */
final class ArchiveLayout {
    static final String MANIFESTS = "_manifests";
    static final String LOCK = ".lock";
    static final String DATA_SUFFIX = ".parquet";
    static final String IN_PROGRESS_SUFFIX = ".inprogress";
    static final String MANIFEST_SUFFIX = ".json";
    static final String TEMP_SUFFIX = ".tmp";
    static final long HOUR_MILLIS = 3_600_000L;

    private static final Pattern SOURCE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");
    private static final Pattern MANIFEST_NAME = Pattern.compile("p(-?\\d+)-(\\d+)-(\\d+)\\.json");

    private ArchiveLayout() {
    }

    /** The folder of one source's archive. */
    static Path sourceDir(Path archiveRoot, String source) {
        if (source == null || !SOURCE_NAME.matcher(source).matches() || source.startsWith(".")) {
            throw new TesseraException("'" + source + "' is not a source name (letters, digits, '_', '.', '-'); give the"
                    + " name of a Source definition, e.g. payments");
        }
        return archiveRoot.resolve(source);
    }

    /** Start of the UTC hour holding {@code eventTime}. */
    static long hourStart(long eventTime) {
        return Math.floorDiv(eventTime, HOUR_MILLIS) * HOUR_MILLIS;
    }

    /** The folder of the hour starting at {@code hourStart}, relative to the source folder, with '/' separators. */
    static String hourDir(long hourStart) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(Math.floorDiv(hourStart, 1000L), 0, ZoneOffset.UTC);
        return String.format("dt=%04d-%02d-%02d/hour=%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth(), t.getHour());
    }

    static String dataFileName(int partition, long firstOffset, long lastOffset) {
        return "p" + partition + "-" + firstOffset + "-" + lastOffset + DATA_SUFFIX;
    }

    static String inProgressName(int partition, long firstRowOffset) {
        return ".p" + partition + "-" + firstRowOffset + IN_PROGRESS_SUFFIX;
    }

    static String manifestName(int partition, long firstOffset, long lastOffset) {
        return "p" + partition + "-" + firstOffset + "-" + lastOffset + MANIFEST_SUFFIX;
    }

    static String tempName(String finalName) {
        return "." + finalName + TEMP_SUFFIX;
    }

    /** {partition, first offset, last offset} of a manifest file name, or null when it is none. */
    static long[] parseManifestName(String fileName) {
        Matcher m = MANIFEST_NAME.matcher(fileName);
        if (!m.matches()) {
            return null;
        }
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))};
    }
}
