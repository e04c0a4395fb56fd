package dev.tessera.serving;

/**
 * One alert (SPEC §8): a condition on a source or a feature that crossed its threshold.
 *
 * @param id         stable identity: {@code <alert>/<target>} ({@code freshness/payments},
 *                   {@code quality_rule/payments.amount/min}, {@code drift/account_payments.amount_sum_1h})
 * @param alert      the kind: freshness, lag, reject_rate, quality_rule or drift; its runbook is
 *                   {@code docs/runbooks/<alert>.md}
 * @param subject    what it is about, as people say it: {@code source payments}, {@code feature account_payments.amount_sum_1h}
 * @param message    what is wrong, with the figures, and where to look
 * @param value      the measured value (seconds, records, share, violations or PSI)
 * @param threshold  the threshold it crossed
 * @param since      when it started firing (epoch millis)
 * @param runbook    link to the runbook
 * @param resolvedAt when it stopped firing, or 0 while it fires
 */
public record Alert(String id, String alert, String subject, String message, double value, double threshold, long since,
                    String runbook, long resolvedAt) {
    public boolean firing() {
        return resolvedAt == 0;
    }

    Alert resolved(long at) {
        return new Alert(id, alert, subject, message, value, threshold, since, runbook, at);
    }

    Alert updated(Alert now) {
        return new Alert(id, alert, subject, now.message, now.value, threshold, since, runbook, 0);
    }
}
