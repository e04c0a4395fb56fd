package dev.tessera.offline.imports;

import dev.tessera.runtime.decode.RejectReason;

/** A row that cannot become a record of the source: why, in the words of the reject policy. Rare, so cheap to throw. */
final class RowRejected extends Exception {
    private static final long serialVersionUID = 1L;
    final transient RejectReason reason;

    RowRejected(RejectReason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }
}
