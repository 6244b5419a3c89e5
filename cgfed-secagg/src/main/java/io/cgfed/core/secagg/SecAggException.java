package io.cgfed.core.secagg;

/** A secure aggregation step that cannot go on: a message that fails authentication, too few survivors, bad input. */
public class SecAggException extends RuntimeException {
    public SecAggException(String message) {
        super(message);
    }
}
