package io.cgfed.core.codec.cgae;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/** Autograd off on this thread for the duration (PyTorch's grad mode is per thread), then as it was. */
final class NoGrad implements AutoCloseable {
    private final boolean pytorch;
    private final boolean was;

    NoGrad() {
        pytorch = "PyTorch".equals(Engine.getInstance().getEngineName());
        was = pytorch && JniUtils.isGradMode();
        if (pytorch) {
            JniUtils.setGradMode(false);
        }
    }

    @Override
    public void close() {
        if (pytorch) {
            JniUtils.setGradMode(was);
        }
    }
}
