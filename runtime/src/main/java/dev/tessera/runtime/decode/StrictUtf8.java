package dev.tessera.runtime.decode;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Checks that bytes are well-formed UTF-8 as RFC 3629 §4 defines it, for the JSON decoder.
 *
 * <p>Jackson's UTF-8 reader is lenient where it matters for keys: it decodes overlong forms
 * ({@code C0 AF} and {@code E0 80 AF} both become {@code '/'}) and sequences beyond U+10FFFF, and
 * it does not look at the bytes of strings it skips. An overlong form gives one key two byte
 * spellings (a producer-side filter sees no {@code '/'} where Tessera sees one), and the archive,
 * the dead-letter output and every other UTF-8 consumer would disagree with the stream about the
 * record. So the decoder checks the whole record here first, and Jackson only ever sees valid UTF-8.
 *
 * <p>Cost: sixteen bytes at a time while they are ASCII (two loads and a mask), byte by byte
 * around anything else: about 20 ns for the 250-byte payment of {@code JsonDecodeBenchmark}, whose
 * decoding takes about 470 ns.
 */
final class StrictUtf8 {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080_8080_8080_8080L;

    private StrictUtf8() {
    }

    /** The offset of the first byte that does not start a well-formed sequence, or -1 when all of {@code b} is UTF-8. */
    static int firstInvalid(byte[] b) {
        int i = 0;
        int n = b.length;
        while (true) {
            while (i + 16 <= n && (((long) LONGS.get(b, i) | (long) LONGS.get(b, i + 8)) & HIGH_BITS) == 0) {
                i += 16;
            }
            while (i < n && b[i] >= 0) {
                i++;
                if ((i & 15) == 0 && i + 16 <= n) {
                    break; // back to sixteen at a time
                }
            }
            if (i >= n) {
                return -1;
            }
            if (b[i] >= 0) {
                continue;
            }
            int len = sequenceLength(b, i, b[i] & 0xff);
            if (len < 0) {
                return i;
            }
            i += len;
        }
    }

    /** The length of the well-formed multi-byte sequence at {@code i}, or -1 (RFC 3629 §4, Table 3-7 of Unicode). */
    private static int sequenceLength(byte[] b, int i, int lead) {
        int min2 = 0x80;
        int max2 = 0xBF;
        int len;
        if (lead >= 0xC2 && lead <= 0xDF) {
            len = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            len = 3;
            if (lead == 0xE0) {
                min2 = 0xA0; // below: overlong
            } else if (lead == 0xED) {
                max2 = 0x9F; // above: UTF-16 surrogates
            }
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            len = 4;
            if (lead == 0xF0) {
                min2 = 0x90; // below: overlong
            } else if (lead == 0xF4) {
                max2 = 0x8F; // above: beyond U+10FFFF
            }
        } else {
            return -1; // a continuation byte, C0/C1 (overlong), F5..FF
        }
        if (i + len > b.length) {
            return -1;
        }
        int second = b[i + 1] & 0xff;
        if (second < min2 || second > max2) {
            return -1;
        }
        for (int k = 2; k < len; k++) {
            int c = b[i + k] & 0xff;
            if (c < 0x80 || c > 0xBF) {
                return -1;
            }
        }
        return len;
    }

    /** Whether {@code s} holds an unpaired UTF-16 surrogate (which a JSON escape of a lone surrogate produces). */
    static boolean hasUnpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return true;
                }
            }
        }
        return false;
    }
}
