package io.cgfed.service.support;

/** A request field that passed bean validation but breaks a rule across fields. */
public class InvalidFieldException extends RuntimeException {
    private final String field;

    public InvalidFieldException(String field, String message) {
        super(message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
