package dev.tessera.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TimeSpanTest {
    @ParameterizedTest(name = "default hop of {0} is {1}")
    @CsvSource({
        // the examples of SPEC §3
        "1h, 5m", "1d, 1h", "7d, 1h", "30d, 1d", "10m, 10s",
        // more: at least 12 hops, largest candidate that divides
        "1m, 1s", "2m, 10s", "12s, 1s", "5s, 1s", "12d, 1d", "2h, 5m", "90s, 1s", "3h, 5m"})
    void defaultHopFollowsTheSpecTable(String window, String hop) {
        TimeSpan w = TimeSpan.parse(window);
        assertThat(w.defaultHop()).isEqualTo(TimeSpan.parse(hop));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1500ms", "999ms"})
    void windowsNoCandidateDividesHaveNoDefaultHop(String window) {
        assertThat(TimeSpan.parse(window).defaultHop()).isNull();
    }

    @ParameterizedTest
    @CsvSource({"60m, 1h", "1440m, 1d", "7d, 7d", "1w, 7d", "90s, 90s", "1500ms, 1500ms", "3600s, 1h"})
    void canonicalTextUsesTheLargestExactUnit(String written, String canonical) {
        assertThat(TimeSpan.parse(written).text()).isEqualTo(canonical);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10", "h", "1.5h", "-1h", "0m", "10 minutes", "1y", "10M"})
    void badSyntaxSaysWhatIsExpected(String text) {
        assertThatThrownBy(() -> TimeSpan.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(text.equals("0m") ? "zero" : "unit");
    }
}
