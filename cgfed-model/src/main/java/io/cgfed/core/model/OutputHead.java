package io.cgfed.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * The final norm and the frozen output head, computed so that no vocabulary-sized array exists for a whole
 * batch: logits, the log-probabilities of targets (evaluation) and the head's weighted cross-entropy with its
 * gradient written out (training with checkpointing), {@value #TOKEN_ROWS} positions at a time; a
 * half-precision head is widened {@value #SLICE_ROWS} vocabulary rows at a time.
 */
final class OutputHead {
    /** Rows of a half-precision output head widened at a time when no graph is recorded. */
    static final int SLICE_ROWS = 8192;
    /** Positions whose vocabulary-sized logits are computed at a time in the head's loss and its gradient. */
    static final int TOKEN_ROWS = 128;
    private final NDArray finalNorm;
    private final NDArray lmHead;
    private final NDArray eps;
    private final int hidden;
    private final int vocab;

    OutputHead(NDArray finalNorm, NDArray lmHead, NDArray eps, int hidden, int vocab) {
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.eps = eps;
        this.hidden = hidden;
        this.vocab = vocab;
    }

    /** The final norm of the last layer's output. */
    NDArray norm(NDArray x) {
        return DecoderLayer.rmsNorm(x, finalNorm, eps);
    }

    /** The final norm and the output head: (batch, seq, hidden) to logits. */
    NDArray logits(NDArray x) {
        NDArray normed = norm(x);
        if (lmHead.getDataType() != DataType.FLOAT32 && !GradMode.recording()) {
            // a half-precision head widened in slices of the vocabulary, not whole (113 MB for SmolLM's)
            return LoraLinear.linearInRowSlices(normed, lmHead, SLICE_ROWS);
        }
        return LoraLinear.linear(normed, lmHead);
    }

    /** log p(target) at every position of the last layer's (batch, seq, hidden) output, without a graph. */
    NDArray targetLogProbs(NDArray lastHidden, NDArray targets) {
        long batch = lastHidden.getShape().get(0);
        long seq = lastHidden.getShape().get(1);
        NDArray flat = lastHidden.reshape(batch * seq, hidden);
        NDArray flatTargets = targets.reshape(batch * seq);
        NDList parts = new NDList();
        for (long from = 0; from < batch * seq; from += TOKEN_ROWS) {
            NDIndex rows = new NDIndex("{}:{}", from, Math.min(batch * seq, from + TOKEN_ROWS));
            try (NDArray h = flat.get(rows); NDArray t = flatTargets.get(rows); NDArray logits = logits(h);
                 NDArray logProbs = logits.logSoftmax(-1)) {
                parts.add(logProbs.gather(t.expandDims(-1), -1).squeeze(-1));
            }
        }
        NDArray joined = NDArrays.concat(parts, 0).reshape(batch, seq);
        parts.close();
        return joined;
    }

    /**
     * The weighted masked cross-entropy of the head's logits for normed hidden states (no graph), and
     * its gradient with respect to them: d/dlogits = (softmax - onehot(target)) x mask x weight /
     * max(1, sum(mask)), then times the head, slice by slice of the vocabulary.
     */
    NDArray[] lossAndGradient(NDArray normed, NDArray targets, NDArray lossMask, NDArray weight) {
        long batch = normed.getShape().get(0);
        long seq = normed.getShape().get(1);
        long n = batch * seq;
        NDArray flat = normed.reshape(n, hidden);
        NDArray flatTargets = targets.reshape(n);
        NDArray scale = lossMask.mul(weight).div(lossMask.sum().maximum(1f)).reshape(n);
        NDArray loss = null;
        NDList parts = new NDList();
        for (long from = 0; from < n; from += TOKEN_ROWS) {
            NDIndex rows = new NDIndex("{}:{}", from, Math.min(n, from + TOKEN_ROWS));
            try (NDArray h = flat.get(rows); NDArray t = flatTargets.get(rows); NDArray sc = scale.get(rows);
                 NDArray logits = lmHead.getDataType() == DataType.FLOAT32 ? LoraLinear.linear(h, lmHead)
                         : LoraLinear.linearInRowSlices(h, lmHead, SLICE_ROWS);
                 NDArray logProbs = logits.logSoftmax(-1);
                 NDArray picked = logProbs.gather(t.expandDims(-1), -1).squeeze(-1);
                 NDArray dLogits = logProbs.exp();
                 NDArray oneHot = t.oneHot(vocab)) {
                NDArray part = picked.mul(sc).sum().neg();
                if (loss == null) {
                    loss = part;
                } else {
                    loss.addi(part);
                    part.close();
                }
                dLogits.subi(oneHot).muli(sc.expandDims(-1));
                parts.add(LoraLinear.transposedProduct(dLogits, lmHead, SLICE_ROWS));
            }
        }
        NDArray dNormed = NDArrays.concat(parts, 0).reshape(batch, seq, hidden);
        parts.close();
        return new NDArray[] {loss, dNormed};
    }
}
