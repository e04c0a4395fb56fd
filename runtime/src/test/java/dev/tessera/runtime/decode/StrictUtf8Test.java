package dev.tessera.runtime.decode;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link StrictUtf8} against the JDK's UTF-8 decoder, which follows RFC 3629 strictly when told to report errors. */
class StrictUtf8Test {
    private static boolean jdkValid(byte[] b) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            d.decode(ByteBuffer.wrap(b)); // end of input: a sequence cut short is malformed too
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    @Test
    void agreesWithTheJdkOnEveryTwoAndThreeByteSequenceAfterAscii() {
        for (int a = 0; a < 256; a++) {
            for (int b = 0; b < 256; b++) {
                check(new byte[] {'x', (byte) a, (byte) b});
                for (int c : new int[] {0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF}) {
                    check(new byte[] {(byte) a, (byte) b, (byte) c, 'y'});
                }
            }
        }
    }

    @Test
    void agreesWithTheJdkOnRandomMostlyTextBytes() {
        Random rnd = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            byte[] b = new byte[rnd.nextInt(40)];
            for (int j = 0; j < b.length; j++) {
                int kind = rnd.nextInt(10);
                b[j] = (byte) (kind < 6 ? 0x20 + rnd.nextInt(0x5F) : kind < 9 ? 0x80 + rnd.nextInt(0x40) : 0xC0 + rnd.nextInt(0x40));
            }
            check(b);
        }
        String text = "plain ASCII for the eight-byte path, é, ࠀ, \uFFFF, \uD83D\uDE00, \uDBFF\uDFFF, then more ASCII";
        check(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void findsTheOffsetOfTheFirstBadSequence() {
        byte[] b = "0123456789abcdef\u00e9xyz".getBytes(StandardCharsets.UTF_8);
        assertThat(StrictUtf8.firstInvalid(b)).isEqualTo(-1);
        b[17] = 0x28; // é's continuation byte replaced: the lead at 16 starts a bad sequence
        assertThat(StrictUtf8.firstInvalid(b)).isEqualTo(16);
        assertThat(StrictUtf8.firstInvalid(new byte[] {'a', (byte) 0xE2, (byte) 0x82})).as("truncated at the end").isEqualTo(1);
        assertThat(StrictUtf8.firstInvalid(new byte[0])).isEqualTo(-1);
    }

    /** The sixteen-bytes-at-a-time path: a bad or good sequence at every position of ASCII runs of every length to 70. */
    @Test
    void findsABadSequenceAtEveryPositionOfLongAsciiRuns() {
        for (int n = 1; n <= 70; n++) {
            for (int at = 0; at < n; at++) {
                byte[] b = new byte[n];
                java.util.Arrays.fill(b, (byte) 'a');
                b[at] = (byte) 0xFF;
                assertThat(StrictUtf8.firstInvalid(b)).as("0xFF at %d of %d", at, n).isEqualTo(at);
                b[at] = (byte) 0xC3; // a lead whose continuation is missing
                assertThat(StrictUtf8.firstInvalid(b)).as("0xC3 at %d of %d", at, n).isEqualTo(at);
                if (at + 1 < n) {
                    b[at + 1] = (byte) 0xA9; // é
                    assertThat(StrictUtf8.firstInvalid(b)).as("é at %d of %d", at, n).isEqualTo(-1);
                    b[n - 1] = (byte) 0x80; // and a stray continuation at the very end
                    assertThat(StrictUtf8.firstInvalid(b)).as("é at %d, stray at the end of %d", at, n)
                            .isEqualTo(at + 1 == n - 1 ? -1 : n - 1);
                }
            }
        }
    }

    @Test
    void unpairedSurrogates() {
        assertThat(StrictUtf8.hasUnpairedSurrogate("plain é 😀")).isFalse();
        assertThat(StrictUtf8.hasUnpairedSurrogate("\uD83D\uDE00\uD83D\uDE00")).isFalse();
        assertThat(StrictUtf8.hasUnpairedSurrogate("\uD83D")).isTrue();
        assertThat(StrictUtf8.hasUnpairedSurrogate("a\uDE00")).isTrue();
        assertThat(StrictUtf8.hasUnpairedSurrogate("\uDE00\uD83D")).isTrue();
        assertThat(StrictUtf8.hasUnpairedSurrogate("\uD83D\uD83D\uDE00")).isTrue();
    }

    private static void check(byte[] b) {
        assertThat(StrictUtf8.firstInvalid(b) < 0).as("valid: %s", hex(b)).isEqualTo(jdkValid(b));
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02X ", x & 0xff));
        }
        return sb.toString().trim();
    }
}
