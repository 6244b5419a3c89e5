package io.cgfed.core.bench;

/** Sizes a baseline codec to a byte budget: a fraction {@code 1/divisor} of the update's fp32 bytes. */
final class ByteBudget {
    /** topk's body: a u32 count, then 6 bytes per kept value (u32 index + fp16 value). */
    static final int TOPK_HEADER_BYTES = 4;
    static final int TOPK_BYTES_PER_VALUE = 6;

    private ByteBudget() {
    }

    /** The body bytes allowed for {@code numel} fp32 values at {@code 1/divisor}. */
    static long bytes(long numel, int divisor) {
        return 4 * numel / divisor;
    }

    /** How many values topk may keep within the budget (at least one). */
    static int topkKept(long numel, int divisor) {
        return (int) Math.max(1, (bytes(numel, divisor) - TOPK_HEADER_BYTES) / TOPK_BYTES_PER_VALUE);
    }

    /** The topk {@code fraction} setting that keeps exactly {@link #topkKept} values (topk rounds fraction x n). */
    static double topkFraction(long numel, int divisor) {
        return (topkKept(numel, divisor) + 0.25) / numel;
    }
}
