package io.cgfed.core.codec;

/**
 * A payload or codec body that is not acceptable: wrong magic, version, lengths, checksum,
 * shapes, or non-finite values. Services answer it with a 4xx problem, never a 500.
 */
public class PayloadFormatException extends RuntimeException {
    public PayloadFormatException(String message) {
        super(message);
    }
}
