package dev.tessera.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Pushed events are parsed and written again before they go to Kafka: that must not change them. */
class RequestMapperTest {
    private final ObjectMapper json = ServingServer.requestMapper();

    private String roundTrip(String event) throws Exception {
        return new String(json.writeValueAsBytes(json.readTree(event)), StandardCharsets.UTF_8);
    }

    @Test
    void numbersKeepTheirValueThroughTheRoundTrip() throws Exception {
        assertThat(roundTrip("{\"amount\":1e400}")).isEqualTo("{\"amount\":1E+400}").doesNotContain("Infinity");
        assertThat(roundTrip("{\"amount\":0.1}")).isEqualTo("{\"amount\":0.1}");
        assertThat(roundTrip("{\"amount\":12.50,\"n\":12345678901234567890}")).isEqualTo("{\"amount\":12.5,\"n\":12345678901234567890}");
    }

    @Test
    void duplicateKeysAndDeepNestingAreRefused() {
        assertThatThrownBy(() -> json.readTree("{\"a\":1,\"a\":2}")).isInstanceOf(JsonProcessingException.class)
                .hasMessageContaining("Duplicate field 'a'");
        assertThatThrownBy(() -> json.readTree("[".repeat(100) + "]".repeat(100))).isInstanceOf(JsonProcessingException.class)
                .hasMessageContaining("nesting depth");
    }
}
