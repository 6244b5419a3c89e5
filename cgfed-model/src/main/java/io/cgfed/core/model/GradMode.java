package io.cgfed.core.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's autograd mode is per thread and on by default, while DJL switches it off only on the
 * thread that started the engine. Outside a GradientCollector this platform wants it off on every
 * thread: forward passes for evaluation build no graph, and writing parameters in place (loading an
 * adapter, an optimizer step) is allowed.
 */
public final class GradMode {
    private GradMode() {
    }

    /** Whether operations on this thread are recorded for a backward pass now (inside a GradientCollector). */
    public static boolean recording() {
        return "PyTorch".equals(Engine.getInstance().getEngineName()) && JniUtils.isGradMode();
    }

    public static void off() {
        if ("PyTorch".equals(Engine.getInstance().getEngineName())) {
            JniUtils.setGradMode(false);
        }
    }
}
