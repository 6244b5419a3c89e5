package io.cgfed.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Keys and values of every layer for the tokens seen so far, so that generating one more token
 * costs one position's work instead of the whole sequence's. Arrays live in the cache's own
 * manager: close the cache to free them.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private int length;

    public KvCache(LlamaModel model) {
        this.manager = model.manager().newSubManager();
        this.keys = new NDArray[model.config().numHiddenLayers()];
        this.values = new NDArray[model.config().numHiddenLayers()];
    }

    /** Tokens already cached; the next token's position. */
    public int length() {
        return length;
    }

    /** Appends one layer's new keys and values, (batch, kvHeads, new, headDim); returns the full ones. */
    NDArray[] append(int layer, NDArray k, NDArray v) {
        keys[layer] = extend(keys[layer], k);
        values[layer] = extend(values[layer], v);
        return new NDArray[] {keys[layer], values[layer]};
    }

    void advance(int tokens) {
        length += tokens;
    }

    private NDArray extend(NDArray cached, NDArray fresh) {
        if (cached == null) {
            NDArray copy = fresh.duplicate();
            copy.attach(manager);
            return copy;
        }
        NDArray joined = cached.concat(fresh, 2);
        cached.close();
        return joined;
    }

    @Override
    public void close() {
        manager.close();
    }
}
