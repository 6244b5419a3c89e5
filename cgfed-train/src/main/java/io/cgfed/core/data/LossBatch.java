package io.cgfed.core.data;

/**
 * Token ids, next-token targets and a loss mask, (batch x seq) row-major: what one forward and
 * backward pass needs, whether the rows are multiple-choice prompts or prompt-response pairs.
 */
public interface LossBatch {
    long[] tokens();

    long[] targets();

    float[] lossMask();

    int batch();

    int seq();

    /** Positions that carry loss. */
    default int lossTokenCount() {
        int n = 0;
        for (float m : lossMask()) {
            n += m > 0 ? 1 : 0;
        }
        return n;
    }
}
