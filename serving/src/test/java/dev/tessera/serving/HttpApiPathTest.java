package dev.tessera.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How request paths become segments: entity keys arrive exactly as the client wrote them. */
class HttpApiPathTest {
    private static List<String> segmentsOf(String uri) {
        return HttpApi.segments(new QueryStringDecoder(uri).rawPath());
    }

    @Test
    void plusInAPathSegmentIsAPlus() {
        assertThat(segmentsOf("/v1/features/phone_payments/+15551234")).containsExactly("v1", "features", "phone_payments", "+15551234");
        assertThat(segmentsOf("/v1/features/account_payments/ann+news@example.com?x=1"))
                .containsExactly("v1", "features", "account_payments", "ann+news@example.com");
    }

    @Test
    void percentEscapesDecode() {
        assertThat(segmentsOf("/v1/features/account_payments/a%2Bb%20c%2Fd%C3%A9"))
                .containsExactly("v1", "features", "account_payments", "a+b c/dé");
        assertThat(segmentsOf("/v1/features/pairs/account_id=a1,card=c%2C2")).containsExactly("v1", "features", "pairs", "account_id=a1,card=c,2");
    }

    @Test
    void emptySegmentsAreDropped() {
        assertThat(segmentsOf("//v1//features/")).containsExactly("v1", "features");
        assertThat(segmentsOf("/")).isEmpty();
    }
}
