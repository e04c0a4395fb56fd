package dev.tessera.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClosestNamesTest {
    @Test
    void swappedLettersCostOneEdit() {
        assertThat(ClosestNames.distance("windows", "widnows")).isEqualTo(1);
        assertThat(ClosestNames.distance("count", "count")).isZero();
        assertThat(ClosestNames.distance("", "abc")).isEqualTo(3);
    }

    @Test
    void suggestsTyposAndPrefixesClosestFirst() {
        assertThat(ClosestNames.to("window", List.of("name", "windows", "where"))).containsExactly("windows");
        assertThat(ClosestNames.to("declined_count", List.of("declined_count_1h", "payment_count_1h")))
                .containsExactly("declined_count_1h");
        assertThat(ClosestNames.to("entity", List.of("Entity", "Source"))).containsExactly("Entity");
        assertThat(ClosestNames.to("zzz", List.of("count", "sum"))).isEmpty();
    }

    @Test
    void hintNamesTheCloseOnesThenAll() {
        assertThat(ClosestNames.hint("jsn", List.of("json", "avro"), "formats"))
                .isEqualTo("did you mean 'json'? formats: json, avro");
        assertThat(ClosestNames.hint("x", List.of(), "declared sources")).isEqualTo("there are no declared sources yet");
    }
}
