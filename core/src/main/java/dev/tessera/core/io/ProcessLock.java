package dev.tessera.core.io;

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
 * One process at a time: an OS file lock on a file, held for as long as the holder runs (a source's
 * archive writer, a demo on its data folder). Whoever holds it writes who they are into the file (what,
 * process id, since when), so the one refused can say who is in the way. The lock, not the text, is what
 * counts: the OS releases it when its process dies, however it dies, so a crash never leaves it held.
 */
public final class ProcessLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private ProcessLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of {@code file} (created if absent; its folder must exist) for {@code holder} (e.g.
     * "tessera import"), or returns null when another process, or another holder in this one, has it.
     */
    public static ProcessLock tryAcquire(Path file, String holder) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock l = tryLock(ch);
        if (l == null) {
            ch.close();
            return null;
        }
        Instant since = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        byte[] who = (holder + " (pid " + ProcessHandle.current().pid() + ", since " + since + ")\n")
                .getBytes(StandardCharsets.UTF_8);
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(who), 0);
        return new ProcessLock(ch, l);
    }

    /**
     * Whether someone holds a lock on {@code file} now (e.g. a Kafka broker's {@code .lock} in its log
     * folder), without writing to it; false when the file does not exist or cannot be opened.
     */
    public static boolean isHeld(Path file) {
        if (!Files.exists(file)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            FileLock l = tryLock(ch);
            if (l == null) {
                return true;
            }
            l.release();
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    /** The lock of {@code ch}, or null when held elsewhere (another process, or this JVM). */
    private static FileLock tryLock(FileChannel ch) throws IOException {
        try {
            return ch.tryLock();
        } catch (OverlappingFileLockException e) {
            return null; // held in this JVM
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    /** What the holder of the lock of {@code file} wrote about itself, or "unknown". */
    public static String holder(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.UTF_8).strip();
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
