package dev.tessera.runtime;

import dev.tessera.api.Expectation;
import dev.tessera.api.Source;
import dev.tessera.core.event.Event;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.quality.ValueExpectation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A source's quality rules ({@code expect:}), checked on every event its decoder accepted, on the
 * consumer thread that decoded it (off the applier's single thread). Late and duplicate events are
 * checked too: the rules describe what producers send, not what is applied. The counts are live
 * monitoring, not committed state: after a restart they start from zero. The Flink runner checks the
 * same rules with this class in its decode stage and reports them as Flink metrics.
 */
public final class SourceQuality {
    private final int[] slots;
    private final ValueExpectation[] checks;

    public SourceQuality(Source source, FieldLayout layout) {
        List<ValueExpectation> list = new ArrayList<>();
        int[] s = new int[source.expectations().size()];
        int i = 0;
        for (Map.Entry<String, Expectation> e : source.expectations().entrySet()) {
            s[i++] = layout.requireSlot(e.getKey());
            list.add(new ValueExpectation("source", source.name(), e.getKey(), e.getValue()));
        }
        this.slots = s;
        this.checks = list.toArray(new ValueExpectation[0]);
    }

    public boolean isEmpty() {
        return checks.length == 0;
    }

    /** Checks every rule on one decoded event, observed at wall-clock {@code now}. */
    public void observe(Event e, long now) {
        for (int i = 0; i < checks.length; i++) {
            checks[i].observe(e.get(slots[i]), now);
        }
    }

    public List<ValueExpectation> checks() {
        return List.of(checks);
    }
}
