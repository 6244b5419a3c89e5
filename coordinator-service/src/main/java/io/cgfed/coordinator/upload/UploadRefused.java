package io.cgfed.coordinator.upload;

import io.cgfed.core.codec.PayloadFormatException;
import io.cgfed.core.tensor.TensorFormatException;
import io.cgfed.service.support.ApiException;
import org.springframework.http.HttpStatus;

/**
 * An upload refused for a reason that its HTTP status alone does not tell (which 409 it is), so
 * that the {@code cgfed.uploads} metric can count refusals by reason. Answered as problem+json
 * like every {@link ApiException}.
 */
public final class UploadRefused extends ApiException {
    private final String reason;

    private UploadRefused(HttpStatus status, String reason, String detail) {
        super(status, detail);
        this.reason = reason;
    }

    public static UploadRefused conflict(String reason, String detail) {
        return new UploadRefused(HttpStatus.CONFLICT, reason, detail);
    }

    /** A 400 for a well-formed upload whose content the coordinator will not take (reason {@code field}). */
    public static UploadRefused badRequest(String reason, String detail) {
        return new UploadRefused(HttpStatus.BAD_REQUEST, reason, detail);
    }

    public String reason() {
        return reason;
    }

    /**
     * The metric reason of any refusal: {@code late}, {@code different_upload}, {@code task_cancelled},
     * {@code not_running}, {@code wrong_task}, {@code samples} (from this class), {@code invalid_payload},
     * {@code too_large}, {@code wrong_worker}, {@code unknown_task}, {@code invalid_request},
     * {@code conflict}, or {@code error} for what is no refusal of the request (a database or
     * codec-service failure).
     */
    public static String reasonOf(RuntimeException e) {
        if (e instanceof UploadRefused r) {
            return r.reason;
        }
        if (e instanceof PayloadFormatException || e instanceof TensorFormatException) {
            return "invalid_payload";
        }
        if (e instanceof ApiException a) {
            return switch (a.status()) {
                case CONTENT_TOO_LARGE -> "too_large";
                case FORBIDDEN -> "wrong_worker";
                case NOT_FOUND -> "unknown_task";
                case BAD_REQUEST -> "invalid_request";
                case CONFLICT -> "conflict";
                default -> "other";
            };
        }
        return "error";
    }
}
