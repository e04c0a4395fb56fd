package dev.tessera.cli;

import dev.tessera.api.Definitions;
import dev.tessera.api.TimeSpan;
import dev.tessera.offline.training.DriftReference;
import dev.tessera.runtime.FeatureReader;
import dev.tessera.serving.AlertNotifier;
import dev.tessera.serving.QualityMonitor;
import dev.tessera.serving.ServedQuality;
import dev.tessera.serving.ServingApi;
import dev.tessera.serving.SharedAlerts;
import dev.tessera.serving.SourceSignals;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How a node watches quality, drift and health and where its alerts go (SPEC §8), as the options of
 * {@link ServingOptions} set it.
 *
 * @param settings       evaluation interval, alert window, runbook links
 * @param webhooks       URLs every alert is POSTed to (besides the log)
 * @param driftReference a training-set file whose feature columns are the drift reference, or null
 *                       for the earlier window
 * @param driftWindow    the window the earlier-window reference and the current values span
 */
record Monitoring(QualityMonitor.Settings settings, List<URI> webhooks, Path driftReference, TimeSpan driftWindow) {
    static final Monitoring DEFAULTS = new Monitoring(QualityMonitor.Settings.DEFAULTS, List.of(), null,
            ServedQuality.DEFAULT_DRIFT_WINDOW);

    /**
     * Observes what {@code api} serves and builds the monitor over {@code signals}; call
     * {@link QualityMonitor#bind} on the built API's registry, then {@link QualityMonitor#start}. The
     * caller closes it.
     */
    QualityMonitor attach(Definitions defs, FeatureReader reader, SourceSignals signals, ServingApi.Builder api) {
        return attach(defs, reader, signals, api, null);
    }

    /**
     * {@link #attach(Definitions, FeatureReader, SourceSignals, ServingApi.Builder)} on one of several
     * nodes sharing a store: with {@code shared} leases, each alert transition is notified by one node only
     * ({@link SharedAlerts}).
     */
    QualityMonitor attach(Definitions defs, FeatureReader reader, SourceSignals signals, ServingApi.Builder api,
                          SharedAlerts.Leases shared) {
        Map<String, List<Object>> references = driftReference == null ? Map.of() : DriftReference.read(driftReference);
        ServedQuality served = new ServedQuality(defs, reader, references,
                driftReference == null ? null : "training set " + driftReference.getFileName(), driftWindow,
                ServedQuality.DEFAULT_MAX_READS_PER_SECOND, System::currentTimeMillis);
        List<AlertNotifier> notifiers = new ArrayList<>();
        for (URI url : webhooks) {
            notifiers.add(AlertNotifier.webhook(url));
        }
        if (shared != null && !notifiers.isEmpty()) {
            notifiers = List.of(SharedAlerts.across(shared, notifiers));
        }
        QualityMonitor monitor = new QualityMonitor(defs, signals, served, settings, notifiers, System::currentTimeMillis);
        api.servedQuality(served).monitor(monitor);
        return monitor;
    }
}
