package dev.tessera.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import dev.tessera.core.event.Event;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.event.SourceFields;
import dev.tessera.runtime.decode.Decoded;
import dev.tessera.runtime.decode.EventDecoder;
import dev.tessera.runtime.decode.EventDecoders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-event checks the stream and the archive share; the stream's own behaviour is RuntimeEndToEndTest's. */
class EventRulesTest {
    @TempDir
    Path tmp;

    private Definitions defs() throws Exception {
        Files.writeString(tmp.resolve("d.yaml"), """
                kind: Entity
                name: account
                keys: [account_id]
                ---
                kind: Entity
                name: pair
                keys: [a, b]
                ---
                kind: Source
                name: pay
                kafka: { topic: pay }
                format: json
                timestamp: ts
                id: pid
                ---
                kind: Source
                name: raw
                kafka: { topic: raw }
                format: json
                timestamp: ts
                ---
                kind: FeatureGroup
                name: by_account
                source: pay
                entity: account
                features: [{ name: n, agg: count, windows: [1h] }]
                ---
                kind: FeatureGroup
                name: by_pair
                source: pay
                entity: pair
                features: [{ name: n, agg: count, windows: [1h] }]
                """);
        return DefinitionLoader.load(tmp);
    }

    private static Event event(EventDecoder decoder, String json) {
        return decoder.decode(json.getBytes(StandardCharsets.UTF_8)).event();
    }

    @Test
    void checksTimestampFutureKeysAndIdAsTheStreamDoes() throws Exception {
        Definitions defs = defs();
        Source pay = defs.source("pay").orElseThrow();
        FieldLayout layout = SourceFields.layout(defs, pay);
        EventDecoder decoder = EventDecoders.json(layout);
        EventRules rules = new EventRules(defs, pay, layout);

        assertThat(rules.keyFields()).containsExactly("account_id", "a", "b");
        Decoded tombstone = EventRules.decode(decoder, null, 42);
        assertThat(tombstone.isAccepted()).isFalse();
        assertThat(tombstone.message()).contains("offset 42", "tombstone");

        Event ok = event(decoder, "{\"pid\": 7, \"ts\": \"1970-01-01T00:00:01Z\", \"account_id\": \"x\"}");
        assertThat(rules.eventTime(ok)).isEqualTo(1000);
        assertThat(rules.id(ok)).isEqualTo("7");
        assertThat(rules.hasAnyKey(ok)).isTrue();
        assertThat(rules.keyOf(ok, 0)).isEqualTo("x");
        assertThat(rules.keyOf(ok, 1)).isNull();

        assertThatThrownBy(() -> rules.eventTime(event(decoder, "{\"ts\": \"soon\"}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("field 'ts': timestamp 'soon'");

        long skew = pay.maxClockSkew().millis();
        assertThat(rules.isFuture(1_000 + skew, 1_000)).isFalse();
        assertThat(rules.isFuture(1_001 + skew, 1_000)).isTrue();
        assertThat(rules.futureMessage(1_001 + skew, 1_000)).contains("max_clock_skew", "fix the producer's clock");

        Event pairOnly = event(decoder, "{\"ts\": 1, \"a\": 1, \"b\": \"y\"}");
        assertThat(rules.hasAnyKey(pairOnly)).isTrue();
        assertThat(rules.keyOf(pairOnly, 1)).isEqualTo("1\u001fy");
        assertThat(rules.hasAnyKey(event(decoder, "{\"ts\": 1, \"a\": 1, \"account_id\": \"\"}"))).isFalse();
        assertThat(rules.hasAnyKey(event(decoder, "{\"ts\": 1, \"a\": \"p\\u001fq\", \"b\": 2}"))).isFalse();
        Event nanKey = event(decoder, "{\"ts\": 1, \"pid\": NaN, \"account_id\": NaN, \"a\": Infinity, \"b\": 1}");
        assertThat(rules.hasAnyKey(nanKey)).as("NaN and ±Infinity count as null (SPEC §3): no key").isFalse();
        assertThat(rules.id(nanKey)).as("nor an id").isNull();
        assertThat(rules.missingKeyMessage()).isEqualTo("no value for the key field(s) of any group of source pay: [[account_id], [a, b]]");

        Source raw = defs.source("raw").orElseThrow();
        FieldLayout rawLayout = SourceFields.layout(defs, raw);
        EventRules noGroups = new EventRules(defs, raw, rawLayout);
        Event bare = event(EventDecoders.json(rawLayout), "{\"ts\": 1}");
        assertThat(noGroups.hasAnyKey(bare)).as("a source without groups needs no key").isTrue();
        assertThat(noGroups.id(bare)).isNull();
    }
}
