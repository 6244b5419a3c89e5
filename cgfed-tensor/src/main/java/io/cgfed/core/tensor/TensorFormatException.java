package io.cgfed.core.tensor;

/** A tensor file or payload that cannot be read: the message says what is wrong and where. */
public class TensorFormatException extends RuntimeException {
    public TensorFormatException(String message) {
        super(message);
    }

    public TensorFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
