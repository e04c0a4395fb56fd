package dev.tessera.generator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonLineTest {
    private static String normal(JsonLine line) {
        return new String(line.bytes(), StandardCharsets.UTF_8);
    }

    @Test
    void amountsHaveTwoDecimals() {
        assertThat(normal(new JsonLine(JsonLine.Shape.NORMAL).amount("a", 0).amount("b", 5).amount("c", 1234)
                .amount("d", 100).amount("e", -7)))
                .isEqualTo("{\"a\":0.00,\"b\":0.05,\"c\":12.34,\"d\":1.00,\"e\":-0.07}");
    }

    @Test
    void stringsAreEscaped() {
        assertThat(normal(new JsonLine(JsonLine.Shape.NORMAL).text("s", "a\"b\\c\nd"))).isEqualTo("{\"s\":\"a\\\"b\\\\c\\u000ad\"}");
    }

    @Test
    void shapesDropKeysOrWriteTheTimeAsALocalDate() {
        assertThat(normal(new JsonLine(JsonLine.Shape.WITHOUT_KEYS).text("id", "x").time("t", 0).key("account_id", "a")
                .bool("ok", true))).isEqualTo("{\"id\":\"x\",\"t\":0,\"ok\":true}");
        assertThat(normal(new JsonLine(JsonLine.Shape.TIME_AS_TEXT).time("t", 1_767_225_600_000L).key("k", "v")))
                .isEqualTo("{\"t\":\"01/01/2026 00:00:00\",\"k\":\"v\"}");
    }
}
