package dev.tessera.core.agg;

import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.CorruptDataException;

/** Reads and checks the version byte that opens every IR encoding. */
final class FormatVersion {
    private FormatVersion() {
    }

    static void expect(ByteReader in, int version) {
        int at = in.position();
        int found = in.readByte();
        if (found != version) {
            throw new CorruptDataException("unknown format version " + found + " at offset " + at
                    + " (this build reads version " + version + "); the bytes are corrupt or were written by a newer Tessera");
        }
    }

    /**
     * Reads a version byte that must be one of {@code versions} (the layouts this build reads, oldest
     * first) and returns it.
     */
    static int expectOneOf(ByteReader in, int... versions) {
        int at = in.position();
        int found = in.readByte();
        for (int v : versions) {
            if (found == v) {
                return found;
            }
        }
        StringBuilder known = new StringBuilder();
        for (int i = 0; i < versions.length; i++) {
            known.append(i == 0 ? "" : i == versions.length - 1 ? " or " : ", ").append(versions[i]);
        }
        throw new CorruptDataException("unknown format version " + found + " at offset " + at
                + " (this build reads version " + known + "); the bytes are corrupt or were written by a newer Tessera");
    }

    /** Checks a flags byte has no bits outside {@code known}. */
    static int flags(ByteReader in, int known) {
        int at = in.position();
        int flags = in.readByte();
        if ((flags & ~known) != 0) {
            throw new CorruptDataException("unknown flag bits 0x" + Integer.toHexString(flags & ~known) + " at offset " + at);
        }
        return flags;
    }
}
