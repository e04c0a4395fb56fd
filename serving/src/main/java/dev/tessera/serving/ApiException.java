package dev.tessera.serving;

import java.util.LinkedHashMap;
import java.util.Map;

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
    private final Map<String, String> headers;

    public ApiException(int status, String code, String message, String hint) {
        this(status, code, message, hint, Map.of());
    }

    private ApiException(int status, String code, String message, String hint, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.hint = hint;
        this.headers = headers;
    }

    /** This refusal with a header the answer must carry (HTTP requires {@code Allow} on a 405). */
    public ApiException withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new ApiException(status, code, getMessage(), hint, Map.copyOf(h));
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

    /** Headers the answer carries besides the JSON body. */
    public Map<String, String> headers() {
        return headers;
    }
}
