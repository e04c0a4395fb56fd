package dev.tessera.runtime.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.core.event.ArrayEvent;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Wire codes are a contract with dead-letter consumers and dashboards: they never change. */
class RejectReasonTest {
    @Test
    void wireCodesAreExactlyThese() {
        assertThat(Arrays.stream(RejectReason.values()).map(RejectReason::code)).containsExactly(
                "malformed", "missing_key", "bad_timestamp", "late", "future", "duplicate", "too_large",
                "schema_mismatch");
        for (RejectReason r : RejectReason.values()) {
            assertThat(RejectReason.fromCode(r.code())).isSameAs(r);
            assertThat(r).hasToString(r.code());
        }
    }

    @Test
    void anUnknownCodeNamesTheValidOnes() {
        assertThatThrownBy(() -> RejectReason.fromCode("MALFORMED"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'MALFORMED' is not a reject reason; expected one of malformed, missing_key, bad_timestamp,"
                        + " late, future, duplicate, too_large, schema_mismatch");
    }

    @Test
    void decodedIsEitherAnEventOrAReasonWithAMessage() {
        Decoded ok = Decoded.accepted(new ArrayEvent(new Object[] {"x"}));
        assertThat(ok.isAccepted()).isTrue();
        assertThat(ok.event().get(0)).isEqualTo("x");
        assertThat(ok.reason()).isNull();
        assertThat(ok).hasToString("accepted [x]");
        Decoded bad = Decoded.rejected(RejectReason.LATE, "event time before the watermark");
        assertThat(bad.isAccepted()).isFalse();
        assertThat(bad).hasToString("rejected late: event time before the watermark");
        assertThatThrownBy(bad::event).isInstanceOf(IllegalStateException.class)
                .hasMessage("the record was rejected (late): event time before the watermark");
        assertThatThrownBy(() -> Decoded.rejected(RejectReason.LATE, null)).isInstanceOf(NullPointerException.class);
    }
}
