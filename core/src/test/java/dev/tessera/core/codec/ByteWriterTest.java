package dev.tessera.core.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ByteWriterTest {

    /** The oracle: LEB128 length of the UTF-8 bytes, then the bytes. */
    private static byte[] oracle(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long v = utf8.length;
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
        out.write(utf8, 0, utf8.length);
        return out.toByteArray();
    }

    private static final String[] ALPHABETS = {
        "abcXYZ019-_:.", // ASCII
        "\u007f\u0000 ~", // ASCII edges, incl. NUL and DEL
        "\u00e9\u00ff\u0080", // Latin-1 above ASCII: two bytes in UTF-8
        "\u20ac\u4e2d", // three bytes
        "\ud83d\ude00", // a surrogate pair: four bytes
    };

    @Test
    void writesWhatTheUtf8OracleWritesAndReadsBack() {
        Random rnd = new Random(42);
        for (int round = 0; round < 5_000; round++) {
            StringBuilder sb = new StringBuilder();
            int len = rnd.nextInt(4) == 0 ? rnd.nextInt(400) : rnd.nextInt(20);
            boolean asciiOnly = rnd.nextBoolean();
            while (sb.length() < len) {
                String a = ALPHABETS[asciiOnly ? rnd.nextInt(2) : rnd.nextInt(ALPHABETS.length)];
                int i = rnd.nextInt(a.length());
                if (Character.isHighSurrogate(a.charAt(i))) {
                    sb.append(a, i, i + 2);
                } else if (!Character.isLowSurrogate(a.charAt(i))) {
                    sb.append(a.charAt(i));
                }
            }
            String s = sb.toString();
            ByteWriter w = new ByteWriter(16).writeByte(7).writeString(s).writeByte(9);
            byte[] expected = oracle(s);
            byte[] got = w.toByteArray();
            assertEquals(expected.length + 2, got.length, s);
            assertArrayEquals(expected, java.util.Arrays.copyOfRange(got, 1, got.length - 1), s);
            ByteReader r = new ByteReader(got);
            assertEquals(7, r.readByte());
            assertEquals(s, r.readString());
            assertEquals(9, r.readByte());
            // the same string from the middle of a char array
            char[] chars = ("<<" + s + ">>").toCharArray();
            byte[] fromChars = new ByteWriter(16).writeByte(7).writeString(chars, 2, s.length()).writeByte(9).toByteArray();
            assertArrayEquals(got, fromChars, s);
        }
    }

    /**
     * A part written in place between {@code startLengthPrefixed} and {@code endLengthPrefixed} gives
     * the bytes of the oracle's length prefix and part, after whatever came before, for lengths
     * around every varint boundary; and {@code writeLong} writes big-endian, as the byte loop did.
     */
    @Test
    void lengthPrefixedInPlaceIsWhatTheOracleWrites() {
        Random rnd = new Random(7);
        int[] lengths = {0, 1, 126, 127, 128, 129, 300, 16_383, 16_384, 16_385, 70_000, 2_097_151, 2_097_152};
        for (int len : lengths) {
            for (int before : new int[] {0, 3, 61}) {
                byte[] head = new byte[before];
                byte[] part = new byte[len];
                rnd.nextBytes(head);
                rnd.nextBytes(part);
                ByteWriter w = new ByteWriter(16);
                w.writeRaw(head, 0, head.length);
                int at = w.startLengthPrefixed();
                for (int i = 0; i < part.length; ) { // in pieces, as an IR's encoding writes itself
                    int n = Math.min(part.length - i, 1 + rnd.nextInt(40));
                    w.writeRaw(part, i, n);
                    i += n;
                }
                w.endLengthPrefixed(at);
                w.writeByte(0x5A);
                ByteArrayOutputStream expected = new ByteArrayOutputStream();
                expected.write(head, 0, head.length);
                long v = len;
                while ((v & ~0x7FL) != 0) {
                    expected.write((int) ((v & 0x7F) | 0x80));
                    v >>>= 7;
                }
                expected.write((int) v);
                expected.write(part, 0, part.length);
                expected.write(0x5A);
                assertArrayEquals(expected.toByteArray(), w.toByteArray(), "length " + len + " after " + before);
            }
        }
        for (int i = 0; i < 1_000; i++) {
            long x = rnd.nextLong();
            byte[] got = new ByteWriter(16).writeLong(x).toByteArray();
            for (int b = 0; b < 8; b++) {
                assertEquals((byte) (x >>> (56 - 8 * b)), got[b]);
            }
        }
    }
}
