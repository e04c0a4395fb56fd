package dev.tessera.offline.archive;

import dev.tessera.core.io.ProcessLock;
import dev.tessera.api.TesseraException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A source's archive as its manifests say it is: the committed files and, per Kafka partition, the
 * offsets covered. Anything a manifest does not name is not part of the archive. Checked on load:
 * a manifest's name agrees with its content, and the ranges of one partition never overlap (they
 * could only if something other than the archiver wrote here).
 *
 * <p>Imported rows ({@link ArchiveImport}) commit as partition {@value ArchivedEvent#IMPORTED}: their
 * "offsets" are the source's import sequence, so the same overlap check covers them, but they are
 * not Kafka offsets: {@link #nextOffsets()} and {@link #maxEventTimes()} leave them out.
 */
final class CommittedArchive {
    final Path sourceDir;
    /** Sorted by partition, then first offset. */
    final List<Manifest> manifests;

    private CommittedArchive(Path sourceDir, List<Manifest> manifests) {
        this.sourceDir = sourceDir;
        this.manifests = manifests;
    }

    static CommittedArchive load(Path sourceDir) {
        Path dir = sourceDir.resolve(ArchiveLayout.MANIFESTS);
        List<Manifest> manifests = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                long[] name = ArchiveLayout.parseManifestName(file.getFileName().toString());
                if (name == null) {
                    continue; // temp files of an unfinished commit, or not ours
                }
                Manifest m;
                try {
                    m = Manifest.fromJson(Files.readAllBytes(file));
                } catch (IllegalArgumentException e) {
                    throw new TesseraException("archive manifest " + file + " is damaged: " + e.getMessage() + ". Manifests are"
                            + " written atomically, so something else changed it; move it out of " + dir
                            + " to drop its files from the archive (their offsets are then archived again by the next run)");
                }
                if (m.partition() != name[0] || m.firstOffset() != name[1] || m.lastOffset() != name[2]) {
                    throw new TesseraException("archive manifest " + file + " covers partition " + m.partition() + " offsets "
                            + m.firstOffset() + ".." + m.lastOffset() + ", not what its name says; it was renamed by hand:"
                            + " give it back the name " + ArchiveLayout.manifestName(m.partition(), m.firstOffset(), m.lastOffset()));
                }
                manifests.add(m);
            }
        } catch (NoSuchFileException e) {
            // nothing committed yet
        } catch (IOException e) {
            throw new TesseraException("cannot list the archive manifests in " + dir + ": " + e.getMessage(), e);
        }
        manifests.sort(Comparator.comparingInt(Manifest::partition).thenComparingLong(Manifest::firstOffset));
        for (int i = 1; i < manifests.size(); i++) {
            Manifest a = manifests.get(i - 1);
            Manifest b = manifests.get(i);
            if (a.partition() == b.partition() && b.firstOffset() <= a.lastOffset()) {
                throw new TesseraException("archive manifests " + ArchiveLayout.manifestName(a.partition(), a.firstOffset(),
                        a.lastOffset()) + " and " + ArchiveLayout.manifestName(b.partition(), b.firstOffset(), b.lastOffset())
                        + " in " + dir + " overlap, so their common offsets would be read twice; two archivers wrote the same"
                        + " folder. Move the later one out of " + dir);
            }
        }
        return new CommittedArchive(sourceDir, List.copyOf(manifests));
    }

    /** Per Kafka partition with a commit: the first offset not covered yet. */
    Map<Integer, Long> nextOffsets() {
        Map<Integer, Long> next = new TreeMap<>();
        for (Manifest m : manifests) {
            if (m.partition() >= 0) {
                next.merge(m.partition(), m.lastOffset() + 1, Math::max);
            }
        }
        return next;
    }

    /** The next number of the source's import sequence: one past the last imported row, 0 before any import. */
    long nextImportSequence() {
        long next = 0;
        for (Manifest m : manifests) {
            if (m.partition() == ArchivedEvent.IMPORTED) {
                next = Math.max(next, m.lastOffset() + 1);
            }
        }
        return next;
    }

    /** Per Kafka partition with a commit: the greatest event time archived from it ({@link Long#MIN_VALUE} for none). */
    Map<Integer, Long> maxEventTimes() {
        Map<Integer, Long> max = new TreeMap<>();
        for (Manifest m : manifests) {
            if (m.partition() >= 0) {
                max.merge(m.partition(), m.maxEventTime(), Math::max);
            }
        }
        return max;
    }

    /** Every committed file, by partition and offset. */
    List<ArchivedFile> files() {
        List<ArchivedFile> out = new ArrayList<>();
        for (Manifest m : manifests) {
            for (Manifest.FileEntry f : m.files()) {
                out.add(new ArchivedFile(sourceDir.resolve(f.path()), m.partition(), m.firstOffset(), m.lastOffset(), f.rows(),
                        f.minEventTime(), f.maxEventTime()));
            }
        }
        return out;
    }

    /**
     * Deletes what a crashed writer left: in-progress files, data files no manifest names, and
     * unfinished manifest temp files. Only for the holder of the source's {@link ProcessLock} ({@code .lock}).
     *
     * @return the number of files deleted
     */
    int removeUncommitted() throws IOException {
        Set<Path> keep = referencedFiles();
        List<Path> doomed = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(sourceDir, 3)) {
            walk.filter(Files::isRegularFile).forEach(f -> {
                String name = f.getFileName().toString();
                Path rel = sourceDir.relativize(f);
                boolean inManifests = rel.getNameCount() == 2 && rel.getName(0).toString().equals(ArchiveLayout.MANIFESTS);
                boolean inHour = rel.getNameCount() == 3 && rel.getName(0).toString().startsWith("dt=")
                        && rel.getName(1).toString().startsWith("hour=");
                if (inManifests && name.endsWith(ArchiveLayout.TEMP_SUFFIX)) {
                    doomed.add(f);
                } else if (inHour && (name.endsWith(ArchiveLayout.IN_PROGRESS_SUFFIX)
                        || name.endsWith(ArchiveLayout.DATA_SUFFIX) && !keep.contains(f.normalize()))) {
                    doomed.add(f);
                }
            });
        }
        for (Path f : doomed) {
            Files.deleteIfExists(f);
        }
        return doomed.size();
    }

    Set<Path> referencedFiles() {
        Set<Path> paths = new HashSet<>();
        for (ArchivedFile f : files()) {
            paths.add(f.path().normalize());
        }
        return paths;
    }
}
