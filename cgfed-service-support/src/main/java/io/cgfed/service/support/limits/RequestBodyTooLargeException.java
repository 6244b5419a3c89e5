package io.cgfed.service.support.limits;

import io.cgfed.service.support.ApiException;
import org.springframework.http.HttpStatus;

/** A request body over its limit: 413, raised before the body is read whole. */
public class RequestBodyTooLargeException extends ApiException {
    public RequestBodyTooLargeException(String detail) {
        super(HttpStatus.CONTENT_TOO_LARGE, detail);
    }
}
