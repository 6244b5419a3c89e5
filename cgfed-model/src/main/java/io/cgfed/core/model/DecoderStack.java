package io.cgfed.core.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * The decoder layers with their rotary table: the forward pass (with or without a KV cache, each layer in a
 * scope of its own when no graph is kept), and the two halves of gradient checkpointing: a forward pass that
 * keeps each layer's input only, and the backward pass that re-runs one layer at a time with a graph.
 */
final class DecoderStack {
    private final List<DecoderLayer> layers;
    private final Rotary rotary;

    DecoderStack(List<DecoderLayer> layers, Rotary rotary) {
        this.layers = List.copyOf(layers);
        this.rotary = rotary;
    }

    int size() {
        return layers.size();
    }

    /**
     * The last layer's output for embeddings x; with {@code scoped} (no cache, no graph) each layer's
     * intermediates are freed as soon as its output exists.
     */
    NDArray forward(NDArray x, NDArray mask, KvCache cache, boolean scoped) {
        NDManager step = x.getManager();
        for (int i = 0; i < layers.size(); i++) {
            if (!scoped) {
                x = layers.get(i).forward(x, rotary, mask, cache, i);
                continue;
            }
            try (NDManager scope = step.newSubManager()) {
                NDArray out = layers.get(i).forward(local(x, scope, false), rotary, mask, null, i);
                out.attach(step);
                x.close();
                x = out;
            }
        }
        return x;
    }

    /** Checkpointing's forward, without a graph: every layer's input, then the last layer's output. */
    List<NDArray> forwardKeepingInputs(NDArray embedded, NDArray mask, IntConsumer seedDropout) {
        NDManager step = embedded.getManager();
        List<NDArray> inputs = new ArrayList<>(layers.size() + 1);
        inputs.add(embedded);
        for (int i = 0; i < layers.size(); i++) {
            try (NDManager scope = step.newSubManager()) {
                seedDropout.accept(i);
                NDArray out = layers.get(i).forward(local(inputs.get(i), scope, false), rotary, mask, null, i);
                out.attach(step);
                inputs.add(out);
            }
        }
        return inputs;
    }

    /**
     * Checkpointing's backward: from the gradient of the last layer's output, layer by layer from the last,
     * the layer's forward again with a graph and its backward, giving the gradient of its input for the
     * layer before; the LoRA factors' gradients accumulate. Closes the inputs and the gradients.
     */
    void backward(List<NDArray> inputs, NDArray outputGradient, NDArray mask, IntConsumer seedDropout) {
        NDManager step = inputs.get(0).getManager();
        NDArray grad = outputGradient;
        for (int i = layers.size() - 1; i >= 0; i--) {
            try (NDManager scope = step.newSubManager();
                 GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                seedDropout.accept(i);
                NDArray in = local(inputs.get(i), scope, i > 0);
                NDArray out = layers.get(i).forward(in, rotary, mask, null, i);
                collector.backward(out.mul(grad).sum());
                NDArray next = i > 0 ? in.getGradient() : null;
                if (next != null) {
                    next.attach(step);
                }
                grad.close();
                grad = next;
                inputs.get(i + 1).close();
            }
        }
        inputs.get(0).close();
    }

    /** A copy of x in the scope (so that everything computed from it lives there), a graph leaf if asked. */
    static NDArray local(NDArray x, NDManager scope, boolean requiresGradient) {
        NDArray copy = x.duplicate();
        copy.attach(scope);
        if (requiresGradient) {
            copy.setRequiresGradient(true);
        }
        return copy;
    }

    /** (seq, past + seq): new token i sees every cached position and new positions up to itself. */
    static NDArray causalMask(NDManager step, int seq, int past) {
        int width = past + seq;
        float[] m = new float[seq * width];
        for (int i = 0; i < seq; i++) {
            for (int j = past + i + 1; j < width; j++) {
                m[i * width + j] = -1e9f;
            }
        }
        return NativeArrays.of(step, m, new Shape(seq, width));
    }
}
