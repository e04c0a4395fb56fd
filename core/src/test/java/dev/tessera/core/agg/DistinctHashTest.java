package dev.tessera.core.agg;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.apache.datasketches.hash.MurmurHash3;
import org.junit.jupiter.api.Test;

/**
 * approx_distinct hashes a string from its chars without encoding it ({@code DistinctIr.hashString});
 * the stored format defines the hash as the library's MurmurHash3 of the UTF-8 bytes, seed 9001, so
 * the two must agree on every string: ASCII of every length around the 16-byte blocks, and
 * non-ASCII (which takes the encoding path) anywhere in it.
 */
class DistinctHashTest {
    private static final String ALPHABET = "abcXYZ019 _-.\"\\/\n\t\r\u0001\u007f";
    private static final String WIDE = "éü€山田\u0080\u00ff\ud83d\ude00";

    @Test
    void charsHashAsTheLibraryHashesTheUtf8Bytes() {
        Random random = new Random(7);
        for (int n = 0; n < 20_000; n++) {
            int len = n < 200 ? n % 70 : random.nextInt(random.nextBoolean() ? 40 : 300);
            StringBuilder sb = new StringBuilder();
            boolean wide = random.nextInt(4) == 0;
            for (int i = 0; i < len; i++) {
                sb.append(wide && random.nextInt(8) == 0 ? WIDE.charAt(random.nextInt(WIDE.length()))
                        : ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            }
            String s = sb.toString();
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            long expected = MurmurHash3.hash(utf8.length == 0 ? new byte[] {(byte) 0xFF} : utf8, 9001)[0];
            assertThat(DistinctIr.hashString(s)).as("'%s'", s).isEqualTo(expected);
            assertThat(DistinctIr.hash(s)).as("'%s'", s).isEqualTo(expected);
        }
        assertThat(DistinctIr.hash(Boolean.TRUE)).isEqualTo(MurmurHash3.hash("true".getBytes(StandardCharsets.UTF_8), 9001)[0]);
        assertThat(DistinctIr.hash(Boolean.FALSE)).isEqualTo(MurmurHash3.hash("false".getBytes(StandardCharsets.UTF_8), 9001)[0]);
    }
}
