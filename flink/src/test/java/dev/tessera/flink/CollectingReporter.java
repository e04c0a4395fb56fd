package dev.tessera.flink;

import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * A Flink metric reporter for tests: keeps every metric a MiniCluster registers, by its full
 * identifier, in one JVM-wide map ({@link #SETTINGS} turn it on for a job's environment).
 */
public final class CollectingReporter implements MetricReporter {
    static final Map<String, Metric> METRICS = new ConcurrentHashMap<>();
    static final Map<String, String> SETTINGS = Map.of("metrics.reporter.collect.factory.class", Factory.class.getName());

    @Override
    public void open(MetricConfig config) {
    }

    @Override
    public void close() {
    }

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
        METRICS.put(group.getMetricIdentifier(name), metric);
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
        METRICS.remove(group.getMetricIdentifier(name), metric);
    }

    /** The sum over every subtask's gauge whose identifier ends with {@code suffix}, and how many there were. */
    static long[] sumOfGauges(String suffix) {
        long sum = 0;
        long n = 0;
        for (Map.Entry<String, Metric> e : METRICS.entrySet()) {
            if (e.getKey().endsWith(suffix) && e.getValue() instanceof Gauge<?> g && g.getValue() instanceof Number v) {
                sum += v.longValue();
                n++;
            }
        }
        return new long[] {sum, n};
    }

    /** Loaded by Flink through {@code META-INF/services}. */
    public static final class Factory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            return new CollectingReporter();
        }
    }
}
