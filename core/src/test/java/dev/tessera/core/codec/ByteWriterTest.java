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
        }
    }
}
