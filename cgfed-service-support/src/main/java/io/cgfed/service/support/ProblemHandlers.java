package io.cgfed.service.support;

import io.cgfed.core.codec.PayloadFormatException;
import io.cgfed.core.tensor.TensorFormatException;
import io.cgfed.service.support.limits.RequestBodyTooLargeException;
import jakarta.validation.ConstraintViolationException;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.databind.DatabindException;

/**
 * Every service answers every error as RFC 9457 problem+json: the status, a title, a detail that
 * says what is wrong, and for invalid fields an {@code errors} list naming each field. Spring's own
 * errors (bad path variables, missing headers, wrong media types or methods) are problems too,
 * through {@link ResponseEntityExceptionHandler}; anything unexpected is a 500 problem that names no
 * internals.
 */
@RestControllerAdvice
public class ProblemHandlers extends ResponseEntityExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ProblemHandlers.class);

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ProblemDetail> api(ApiException e) {
        ResponseEntity.BodyBuilder r = ResponseEntity.status(e.status());
        if (e.status() == HttpStatus.UNAUTHORIZED) {
            r.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        return r.body(ProblemDetail.forStatusAndDetail(e.status(), e.getMessage()));
    }

    @ExceptionHandler({PayloadFormatException.class, TensorFormatException.class})
    ProblemDetail payload(RuntimeException e) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
        p.setTitle("Invalid payload");
        return p;
    }

    @ExceptionHandler(InvalidFieldException.class)
    ProblemDetail invalidField(InvalidFieldException e) {
        return invalid(List.of(Map.of("field", e.field(), "message", e.getMessage())));
    }

    @ExceptionHandler(ConstraintViolationException.class)
    ProblemDetail constraint(ConstraintViolationException e) {
        return invalid(e.getConstraintViolations().stream()
                .map(v -> Map.of("field", leaf(v.getPropertyPath().toString()), "message", v.getMessage()))
                .toList());
    }

    @ExceptionHandler(OptimisticLockingFailureException.class)
    ProblemDetail concurrent(OptimisticLockingFailureException e) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT,
                "the resource changed while the request ran; retry it");
        p.setTitle("Concurrent change");
        return p;
    }

    @ExceptionHandler(DataIntegrityViolationException.class)
    ProblemDetail refusedByDatabase(DataIntegrityViolationException e) {
        log.info("database refused a request's values: {}", e.getMostSpecificCause().getMessage());
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
                "the values cannot be stored (out of range, or characters the database refuses)");
        p.setTitle("Invalid request");
        return p;
    }

    @ExceptionHandler(Exception.class)
    ProblemDetail unexpected(Exception e) {
        log.error("unexpected error", e);
        return ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR, "internal error");
    }

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException e, HttpHeaders headers,
                                                                  HttpStatusCode status, WebRequest request) {
        List<Map<String, String>> errors = e.getBindingResult().getFieldErrors().stream()
                .map(ProblemHandlers::fieldError)
                .toList();
        return ResponseEntity.badRequest().body(invalid(errors));
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException e, HttpHeaders headers,
                                                                  HttpStatusCode status, WebRequest request) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof RequestBodyTooLargeException tooLarge) {
                return ResponseEntity.status(tooLarge.status())
                        .body(ProblemDetail.forStatusAndDetail(tooLarge.status(), tooLarge.getMessage()));
            }
        }
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "request body is not readable");
        p.setTitle("Invalid request");
        if (e.getCause() instanceof DatabindException de) {
            String field = de.getPath().stream()
                    .map(r -> r.getPropertyName() != null ? r.getPropertyName() : "[" + r.getIndex() + "]")
                    .reduce((a, b) -> b.startsWith("[") ? a + b : a + "." + b)
                    .orElse("");
            p.setDetail((field.isEmpty() ? "" : field + ": ") + de.getOriginalMessage());
            if (!field.isEmpty()) {
                p.setProperty("errors", List.of(Map.of("field", field, "message", de.getOriginalMessage())));
            }
        }
        return ResponseEntity.badRequest().body(p);
    }

    private static ProblemDetail invalid(List<Map<String, String>> unordered) {
        List<Map<String, String>> errors = unordered.stream()
                .sorted(java.util.Comparator.comparing((Map<String, String> m) -> m.get("field"))
                        .thenComparing(m -> m.get("message")))
                .toList();
        String detail = errors.isEmpty() ? "invalid request" : errors.get(0).get("field") + ": " + errors.get(0).get("message");
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail);
        p.setTitle("Invalid request");
        p.setProperty("errors", errors);
        return p;
    }

    /** "list.limit" (method.parameter) becomes "limit". */
    private static String leaf(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? path : path.substring(dot + 1);
    }

    private static Map<String, String> fieldError(FieldError f) {
        return Map.of("field", f.getField(), "message", String.valueOf(f.getDefaultMessage()));
    }
}
