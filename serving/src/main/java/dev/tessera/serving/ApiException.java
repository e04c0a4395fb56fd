package dev.tessera.serving;

/**
 * A request the API refuses: the HTTP status and the JSON error body
 * {@code {"error": {"code", "message", "hint"}}}. Codes are stable (clients branch on them);
 * messages say what and where; hints say how to fix it.
 */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final String hint;

    public ApiException(int status, String code, String message, String hint) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.hint = hint;
    }

    public static ApiException badRequest(String code, String message, String hint) {
        return new ApiException(400, code, message, hint);
    }

    public static ApiException notFound(String code, String message, String hint) {
        return new ApiException(404, code, message, hint);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String hint() {
        return hint;
    }
}
