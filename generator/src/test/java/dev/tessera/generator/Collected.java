package dev.tessera.generator;

import java.util.ArrayList;
import java.util.List;

/** A sink that keeps every record in delivery order: the output, as a producer would send it. */
final class Collected implements RecordSink {
    final List<GeneratedRecord> records = new ArrayList<>();
    GenerationStats stats;

    static Collected run(GeneratorConfig config) {
        Collected c = new Collected();
        c.stats = new CommerceWorld(config).run(c);
        return c;
    }

    @Override
    public void write(GeneratedRecord record) {
        records.add(record);
    }

    @Override
    public void close() {
    }
}
