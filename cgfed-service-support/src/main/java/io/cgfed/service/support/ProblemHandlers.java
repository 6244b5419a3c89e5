package io.cgfed.service.support;

import io.cgfed.core.codec.PayloadFormatException;
import io.cgfed.core.tensor.TensorFormatException;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import tools.jackson.databind.DatabindException;

/**
 * Every service answers errors as problem+json: the status, a title, a detail that says what is
 * wrong, and for invalid fields an {@code errors} list naming each field.
 */
@RestControllerAdvice
public class ProblemHandlers {

    @ExceptionHandler(ApiException.class)
    ProblemDetail api(ApiException e) {
        return ProblemDetail.forStatusAndDetail(e.status(), e.getMessage());
    }

    @ExceptionHandler({PayloadFormatException.class, TensorFormatException.class})
    ProblemDetail payload(RuntimeException e) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
        p.setTitle("Invalid payload");
        return p;
    }

    @ExceptionHandler(MethodArgumentNotValidException.class)
    ProblemDetail invalid(MethodArgumentNotValidException e) {
        List<Map<String, String>> errors = e.getBindingResult().getFieldErrors().stream()
                .map(ProblemHandlers::fieldError)
                .toList();
        String detail = errors.isEmpty() ? "invalid request" : errors.get(0).get("field") + ": " + errors.get(0).get("message");
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail);
        p.setTitle("Invalid request");
        p.setProperty("errors", errors);
        return p;
    }

    @ExceptionHandler(InvalidFieldException.class)
    ProblemDetail invalidField(InvalidFieldException e) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.field() + ": " + e.getMessage());
        p.setTitle("Invalid request");
        p.setProperty("errors", List.of(Map.of("field", e.field(), "message", e.getMessage())));
        return p;
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ProblemDetail unreadable(HttpMessageNotReadableException e) {
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
        return p;
    }

    private static Map<String, String> fieldError(FieldError f) {
        return Map.of("field", f.getField(), "message", String.valueOf(f.getDefaultMessage()));
    }

}
