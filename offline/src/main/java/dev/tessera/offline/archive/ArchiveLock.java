package dev.tessera.offline.archive;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The one writer of a source's archive: an OS file lock on {@code <source>/.lock}, held by an
 * {@link Archiver} for as long as it runs and by an {@link ArchiveImport} for as long as it imports.
 * Whoever holds it writes who they are into the file (what, process id, since when), so the one
 * refused can say who is in the way. The lock, not the text, is what counts: the OS releases it when
 * its process dies, however it dies, so a crash never leaves the archive locked.
 */
final class ArchiveLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private ArchiveLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of the source folder {@code sourceDir} (which must exist) for {@code holder}
     * (e.g. "tessera import"), or returns null when another archiver or import holds it.
     */
    static ArchiveLock tryAcquire(Path sourceDir, String holder) throws IOException {
        FileChannel ch = FileChannel.open(sourceDir.resolve(ArchiveLayout.LOCK), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null; // held in this JVM
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        if (l == null) {
            ch.close();
            return null;
        }
        byte[] who = (holder + " (pid " + ProcessHandle.current().pid() + ", since " + Instant.now() + ")\n")
                .getBytes(StandardCharsets.UTF_8);
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(who), 0);
        return new ArchiveLock(ch, l);
    }

    /** What the holder of the lock of {@code sourceDir} wrote about itself, or "unknown". */
    static String holder(Path sourceDir) {
        try {
            String s = Files.readString(sourceDir.resolve(ArchiveLayout.LOCK), StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? "unknown" : s;
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } finally {
            channel.close();
        }
    }
}
